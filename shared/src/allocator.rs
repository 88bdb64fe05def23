//! The global allocator every function binary installs in its `main`
//! (`#[global_allocator]`). A library cannot choose it for its users, so the choice is
//! named here once and each function opts in with two lines; tests keep the system one.
//!
//! mimalloc: a Kite delivery makes a few thousand small, short-lived allocations, most
//! of them in the AWS SDK's request and response handling; mimalloc's thread-local free
//! lists serve them in fewer instructions than glibc's malloc (BENCHMARKS.md, "CPU per
//! event").

/// The allocator type the functions install.
pub type FunctionAllocator = mimalloc::MiMalloc;

/// The value to install: `static ALLOCATOR: FunctionAllocator = FUNCTION_ALLOCATOR;`.
pub const FUNCTION_ALLOCATOR: FunctionAllocator = mimalloc::MiMalloc;

//! One module per provider: its verifier and its payload models; `generic` verifies the
//! sources declared in configuration. [`BuiltIn`] lists the built-in providers and
//! [`registry`] maps each to its type; [`Receiver`] lists every receiver function (the
//! built-in providers and `generic`).

pub mod builtin;
pub mod generic;
pub mod json_body;
pub mod kite;
pub mod onemetric;
pub mod receiver;
pub mod registry;
pub mod smallcase;
pub mod snaptrade;
pub mod upvest;

pub use builtin::BuiltIn;
pub use receiver::Receiver;
pub use registry::ProviderVisitor;

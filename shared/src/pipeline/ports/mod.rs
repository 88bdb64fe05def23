//! What the pipeline depends on, as small traits, with an in-memory fake of each: the
//! provider that authenticates a delivery, the store that claims events and binds
//! signed texts, the queue, the clock. The AWS adapters are in [`crate::aws`].

pub mod clock;
pub mod memory_queue;
pub mod memory_store;
pub mod provider;
pub mod queue;
pub mod store;

pub use clock::{Clock, ManualClock, SystemClock};
pub use memory_queue::{MemoryQueue, SentMessage};
pub use memory_store::{MemoryStore, StoredBinding, StoredMark};
pub use provider::{Provider, VerifyContext};
pub use queue::{EventQueue, QueueError};
pub use store::{
    Binding, BindingOutcome, Claim, ClaimOutcome, ClaimStore, IdempotencyStore, MARKED_BY_DELIVERY,
    MARKED_BY_RECONCILIATION, STATUS_ENQUEUED, STATUS_IN_PROGRESS, StateMark, StateMarkOutcome,
    StoreError, StoredClaim, binding_key, new_claim_token, state_mark_key,
};

//! The second path to the queue: a reconciler reads a provider's own record (Kite's order
//! book) and enqueues every order state no delivery enqueued, once. Where a provider never
//! retries a webhook, this is what keeps the promise that nothing is lost.
//!
//! One identity per order state is shared with the deliveries (`EventDraft::state_key`,
//! the state marks of [`store`]): a postback marks the state it reports; a run claims
//! the states it finds on the same marks, so a state is enqueued once between the two,
//! whichever comes first. The provider's record is a port ([`record::OrderRecord`]):
//! Kite's order book is its first implementation, and another provider with a poll-able
//! order or activity API is one more, without touching the pipeline.

pub mod memory;
pub mod record;
pub mod report;
pub mod run;
pub mod settings;
pub mod store;

#[cfg(test)]
mod tests;

pub use record::{OrderRecord, RecordError, RecordPage, RecordedState, Session};
pub use report::{RunOutcome, RunReport};
pub use run::Reconciler;
pub use settings::ReconcileSettings;
pub use store::{ReconcileStore, SessionStore, StateClaim, StateClaimOutcome};

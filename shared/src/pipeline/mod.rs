//! One delivery's path, in the order it takes the steps ([`process`]):
//! admit (method, size) → authenticate (the provider) → bind (providers whose signature
//! does not say what kind of message it covers) → prepare (the queue messages, within
//! SQS's limits) → claim → send → complete → outcome. The edge turns the outcome into the
//! answer ([`crate::edge`]).
//!
//! What a delivery is made of: [`request`] (as received), [`verified`] (what a provider
//! proved), [`envelope`] (the events drafted from it and the messages built from them),
//! [`fallback`], [`origin`] (whom events are from), [`limits`]; the rules the steps share:
//! [`freshness`], [`retention`], [`deadline`], [`error`] (one HTTP status per error),
//! [`tally`]. The ports and their fakes are in [`ports`].

pub mod audit;
pub mod deadline;
pub mod envelope;
pub mod error;
pub mod fallback;
pub mod freshness;
pub mod limits;
pub mod origin;
pub mod outcome;
pub mod ports;
pub mod process;
pub mod request;
pub mod retention;
pub mod signed_reading;
pub mod steps;
pub mod tally;
pub mod verified;

pub use envelope::{Envelope, EventDraft, OutgoingMessage};
pub use error::WebhookError;
pub use fallback::{Fallback, Fallbacks};
pub use freshness::{FreshnessPolicy, MAX_FUTURE_SKEW};
pub use origin::Origin;
pub use outcome::{Outcome, Stopped};
pub use ports::{Provider, VerifyContext};
pub use process::Pipeline;
pub use request::WebhookRequest;
pub use signed_reading::SignedReading;
pub use tally::Tally;
pub use verified::Verified;

#[cfg(test)]
mod tests;

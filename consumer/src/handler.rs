//! What a team writes: one async function (or a type) from a record (its envelope and
//! the message's SQS context) to "handled" or an error. The batch processor does the rest.

use std::fmt::Display;
use std::future::Future;

use crate::record::Record;

/// How a record was handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handled {
    /// The event did what it should.
    Done,
    /// Nothing to do with it now, but it needs a look: a type this consumer has no model
    /// for, an `UNPARSED` event, an unknown provider. Logged with `follow_up` and counted;
    /// the record is handled (deleted), never retried.
    FollowUp,
}

/// A record handler. Implemented for every `async fn(&Record) -> Result<Handled, E>` and
/// async closure of that shape. A [`Record`] dereferences to its envelope:
/// `record.typed()`, `record.id`.
///
/// An `Err` fails the record: it is retried after the queue's visibility timeout and
/// reaches the dead-letter queue after `maxReceiveCount`. The error's `Display` is
/// logged: keep payload values and personal data out of it
/// ([`brokerhooks_models::PayloadError`] does).
pub trait EventHandler {
    type Error: Display;

    fn handle(&self, record: &Record) -> impl Future<Output = Result<Handled, Self::Error>>;
}

impl<F, E> EventHandler for F
where
    F: AsyncFn(&Record) -> Result<Handled, E>,
    E: Display,
{
    type Error = E;

    fn handle(&self, record: &Record) -> impl Future<Output = Result<Handled, E>> {
        self(record)
    }
}

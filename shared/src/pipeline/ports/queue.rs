//! The queue that receives one envelope per distinct event.

use std::future::Future;

use crate::pipeline::envelope::OutgoingMessage;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("queue unavailable: {0}")]
pub struct QueueError(pub String);

/// A queue for envelopes. Implemented for SQS and in memory.
pub trait EventQueue: Send + Sync {
    /// Sends each message; the result at position `i` is the fate of `messages[i]`.
    /// Several messages may go out in batch requests.
    fn send_all(
        &self,
        messages: &[OutgoingMessage],
    ) -> impl Future<Output = Vec<Result<(), QueueError>>> + Send;
}

impl<T: EventQueue> EventQueue for std::sync::Arc<T> {
    fn send_all(
        &self,
        messages: &[OutgoingMessage],
    ) -> impl Future<Output = Vec<Result<(), QueueError>>> + Send {
        (**self).send_all(messages)
    }
}

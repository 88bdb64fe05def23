//! Sending the claimed events' messages.

use super::claim::Claimed;
use crate::pipeline::envelope::OutgoingMessage;
use crate::pipeline::ports::queue::{EventQueue, QueueError};

/// One result per claimed event, in order (several may share a batch request).
pub async fn send<Q: EventQueue>(
    queue: &Q,
    claimed: &[Claimed<'_>],
) -> Vec<Result<(), QueueError>> {
    if claimed.is_empty() {
        return Vec::new();
    }
    let messages: Vec<OutgoingMessage> = claimed.iter().map(|c| c.message.clone()).collect();
    queue.send_all(&messages).await
}

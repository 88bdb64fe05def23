use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use super::queue::{EventQueue, QueueError};
use crate::pipeline::envelope::OutgoingMessage;

/// A message as the in-memory queue recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMessage {
    pub body: String,
    pub provider: String,
    pub event_type: String,
    pub group_id: String,
    pub dedup_id: String,
    /// The `fallback` attribute, when set.
    pub fallback: Option<String>,
    /// The `origin` attribute.
    pub origin: brokerhooks_models::EventOrigin,
}

/// In-memory queue for tests and benchmarks. Counts requests as SQS would bill them.
#[derive(Debug, Default)]
pub struct MemoryQueue {
    messages: Mutex<Vec<SentMessage>>,
    requests: AtomicUsize,
    fail: AtomicBool,
}

impl MemoryQueue {
    pub fn new() -> Self {
        MemoryQueue::default()
    }

    pub fn messages(&self) -> Vec<SentMessage> {
        self.lock().clone()
    }

    /// Number of send requests so far (a batch of up to ten counts once, as in SQS).
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    pub fn set_unavailable(&self, unavailable: bool) {
        self.fail.store(unavailable, Ordering::SeqCst);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<SentMessage>> {
        self.messages
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl EventQueue for MemoryQueue {
    async fn send_all(&self, messages: &[OutgoingMessage]) -> Vec<Result<(), QueueError>> {
        self.requests
            .fetch_add(messages.len().div_ceil(10), Ordering::SeqCst);
        if self.fail.load(Ordering::SeqCst) {
            return messages
                .iter()
                .map(|_| Err(QueueError("memory queue set unavailable".to_owned())))
                .collect();
        }
        let mut stored = self.lock();
        messages
            .iter()
            .map(|message| {
                stored.push(SentMessage {
                    body: message.body().to_owned(),
                    provider: message.provider().to_owned(),
                    event_type: message.event_type().to_owned(),
                    group_id: message.group_id().to_owned(),
                    dedup_id: message.dedup_id().to_owned(),
                    fallback: message.fallback().map(str::to_owned),
                    origin: message.origin(),
                });
                Ok(())
            })
            .collect()
    }
}

//! The end-to-end stack the test command starts: functions served by `cargo lambda
//! watch`, configured from `events/<function>/local.env`, writing to one table and FIFO queue.

use crate::api_gateway_event::Delivery;
use crate::emulator::{Emulator, ReceivedMessage};
use crate::local_stack::LOCAL_TABLE;
use crate::replay;
use crate::stack_presence::stack_variable;
use tokio::sync::{Mutex, MutexGuard};

pub struct E2eStack {
    pub watch_url: String,
    pub queue_url: String,
    pub emulator: Emulator,
    pub client: reqwest::Client,
    /// This test's turn on the shared stack, held until the test drops it.
    _turn: MutexGuard<'static, ()>,
}

/// The tests over HTTP share one table and one queue, and each drains what it sent: one
/// at a time (the emulator tests, on their own tables and queues, run alongside).
static SHARED_STACK: Mutex<()> = Mutex::const_new(());

impl E2eStack {
    /// The stack `make test` started; `None` (the test skips) without one, see
    /// [`crate::stack_presence`].
    /// Waits for the other tests on the shared stack to finish.
    pub async fn from_env() -> Option<Self> {
        let watch_url = stack_variable("BROKERHOOKS_WATCH_URL")?;
        let queue_url = stack_variable("BROKERHOOKS_E2E_QUEUE_URL")?;
        let emulator = Emulator::from_env().await?;
        Some(E2eStack {
            watch_url,
            queue_url,
            emulator,
            client: reqwest::Client::new(),
            _turn: SHARED_STACK.lock().await,
        })
    }

    /// POSTs (or whatever the delivery's method is) over HTTP; returns status and body.
    pub async fn send(&self, provider: &str, delivery: &Delivery) -> (u16, String) {
        replay::send(&self.client, &self.watch_url, provider, delivery)
            .await
            .unwrap_or_else(|e| panic!("{provider}: {e}"))
    }

    /// Envelopes now on the queue (received and deleted), parsed.
    pub async fn drain(&self) -> Vec<serde_json::Value> {
        self.drain_messages()
            .await
            .iter()
            .map(|m| serde_json::from_str(&m.body).expect("envelope is JSON"))
            .collect()
    }

    /// Messages now on the queue (received and deleted), with their attributes.
    pub async fn drain_messages(&self) -> Vec<ReceivedMessage> {
        self.emulator.drain(&self.queue_url).await
    }

    pub async fn table_len(&self) -> usize {
        self.emulator.table_items(LOCAL_TABLE).await.len()
    }

    /// The table's items whose key starts with `prefix`: key → `marked_by`, when set.
    pub async fn items_under(&self, prefix: &str) -> Vec<(String, Option<String>)> {
        let mut items: Vec<(String, Option<String>)> = self
            .emulator
            .scan_raw(LOCAL_TABLE)
            .await
            .into_iter()
            .filter_map(|item| {
                let key = item.get("pk")?.as_s().ok()?.clone();
                let marked_by = item
                    .get("marked_by")
                    .and_then(|value| value.as_s().ok())
                    .cloned();
                key.starts_with(prefix).then_some((key, marked_by))
            })
            .collect();
        items.sort();
        items
    }
}

/// `(envelope id, fallback attribute)` of every message that carries the attribute, sorted.
pub fn fallbacks(messages: &[ReceivedMessage]) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = messages
        .iter()
        .filter_map(|m| {
            let fallback = m.attributes.get("fallback")?;
            let envelope: serde_json::Value = serde_json::from_str(&m.body).ok()?;
            Some((envelope["id"].as_str()?.to_owned(), fallback.clone()))
        })
        .collect();
    found.sort();
    found
}

/// The envelopes of drained messages, parsed.
pub fn envelopes_of(messages: &[ReceivedMessage]) -> Vec<serde_json::Value> {
    messages
        .iter()
        .map(|m| serde_json::from_str(&m.body).expect("envelope is JSON"))
        .collect()
}

//! The end-to-end stack the test command starts: functions served by `cargo lambda
//! watch`, configured from `events/local.env`, writing to one table and FIFO queue.

use crate::api_gateway_event::Delivery;
use crate::emulator::{Emulator, ReceivedMessage};
use crate::local_stack::LOCAL_TABLE;
use crate::replay;
use crate::stack_presence::stack_variable;

pub struct E2eStack {
    pub watch_url: String,
    pub queue_url: String,
    pub emulator: Emulator,
    pub client: reqwest::Client,
}

impl E2eStack {
    /// The stack `make test` started; `None` (the test skips) without one, see
    /// [`crate::stack_presence`].
    pub async fn from_env() -> Option<Self> {
        Some(E2eStack {
            watch_url: stack_variable("BROKERHOOKS_WATCH_URL")?,
            queue_url: stack_variable("BROKERHOOKS_E2E_QUEUE_URL")?,
            emulator: Emulator::from_env().await?,
            client: reqwest::Client::new(),
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

//! The resources the local stack creates: the same key schema, TTL attribute and queue
//! type as `infra/template.yaml` (tests/tests/infra_template.rs checks they agree).

/// Partition key of the events table (String).
pub const TABLE_PARTITION_KEY: &str = "pk";
/// TTL attribute of the events table (epoch seconds).
pub const TABLE_TTL_ATTRIBUTE: &str = "expires_at";
/// The reconciler's sessions table's partition key (its TTL attribute is `expires_at` too).
pub const SESSIONS_PARTITION_KEY: &str = "user_id";
/// The local Kite reconciler's sessions table.
pub const LOCAL_SESSIONS_TABLE: &str = "brokerhooks-kite-sessions";
/// The local stand-in for Kite's order API serves this book (`local-stack fake-kite`).
pub const LOCAL_ORDER_BOOK: &str = "reconcilers/kite/local-order-book.json";
/// The local table's name.
pub const LOCAL_TABLE: &str = "brokerhooks-events";
/// The local queue's name: FIFO, like the template's default.
pub const LOCAL_QUEUE: &str = "brokerhooks-events.fifo";
/// The local queue's dead-letter queue (FIFO, like the template's).
pub const LOCAL_DEAD_LETTER_QUEUE: &str = "brokerhooks-events-dlq.fifo";
/// Receives before SQS moves a message to the dead-letter queue: the template's
/// `DeadLetterMaxReceiveCount` default.
pub const LOCAL_MAX_RECEIVE_COUNT: u32 = 5;
/// The example consumer's idempotency table (same key schema and TTL attribute).
pub const LOCAL_CONSUMER_TABLE: &str = "brokerhooks-consumer";
/// The example consumer's binary (`consumer/example/`).
pub const EXAMPLE_CONSUMER: &str = "example-consumer";
/// The local URL for a provider under `cargo lambda watch` (which strips `/lambda-url/<fn>`).
pub fn webhook_url(base: &str, provider: &str) -> String {
    format!(
        "{}/lambda-url/{provider}/webhooks/{provider}",
        base.trim_end_matches('/')
    )
}

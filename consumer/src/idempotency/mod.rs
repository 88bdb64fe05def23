//! Consumer-side idempotency on the envelope `id`: an event is processed once, however
//! often SQS delivers it (Lambda retries, at-least-once corners of the receiver, DLQ
//! redrives).
//!
//! One item per event, keyed `pk = "<prefix>#<provider>#<id>"` (prefix `consumer` by
//! default): `status` (`IN_PROGRESS` or `COMPLETED`), `claim_token`, `lease_expires_at`
//! and `expires_at` (epoch seconds; the table's TTL attribute). The same rules as the
//! receiver's claims:
//!
//! 1. **Claim** before the handler runs: one conditional PutItem that succeeds when no
//!    item exists, the item has expired (checked in the condition: TTL deletion lags by
//!    up to two days), or it is an in-progress claim whose lease has run out. A
//!    `COMPLETED` item means a duplicate (handled, the handler does not run); an
//!    unexpired in-progress one means another invocation is on it (the record fails and
//!    comes back after the visibility timeout).
//! 2. **Complete** after the handler succeeded: conditional UpdateItem to `COMPLETED`.
//! 3. **Release** when the handler failed: conditional DeleteItem, so the retry can
//!    claim it at once.
//!
//! The prefix is configurable because the mark means "*this consumer* processed it":
//! two consumers sharing one table each need their own, or each would skip the events
//! the other completed.

mod dynamodb;
mod memory;

use std::future::Future;

use brokerhooks_models::Envelope;
use time::OffsetDateTime;

pub use dynamodb::DynamoDbStore;
pub use memory::{MemoryStore, StoredMark};

pub const STATUS_IN_PROGRESS: &str = "IN_PROGRESS";
pub const STATUS_COMPLETED: &str = "COMPLETED";

/// The key prefix when none is configured.
pub const DEFAULT_KEY_PREFIX: &str = "consumer";
/// How long a completed event is remembered when nothing else is configured (30 days:
/// longer than an event can sit in the queue and then in its dead-letter queue, 14 days
/// each at most, so a redrive is still recognised).
pub const DEFAULT_TTL_SECONDS: i64 = 30 * 24 * 3600;
/// The lease when the invocation has no deadline (outside Lambda).
pub const DEFAULT_LEASE_SECONDS: i64 = 30;

/// One invocation's claim on one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// `<prefix>#<provider>#<id>`.
    pub key: String,
    /// Unique per claim attempt; only its holder may complete or release it.
    pub token: String,
    /// Epoch seconds at claim time.
    pub now: i64,
    /// Until when (epoch seconds) this claim blocks other invocations.
    pub lease_expires_at: i64,
    /// When (epoch seconds) the mark is forgotten.
    pub expires_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimOutcome {
    /// This invocation now owns the event and runs the handler.
    Claimed,
    /// The event was processed before: a duplicate.
    AlreadyCompleted,
    /// Another invocation holds an unexpired lease on it.
    InProgress,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("idempotency store unavailable: {0}")]
    Unavailable(String),
    /// Our lease ran out and another invocation claimed the event before we completed it.
    #[error("claim was taken over by another invocation")]
    ClaimLost,
}

/// Storage for processed-event marks. Implemented for DynamoDB and in memory.
pub trait IdempotencyStore: Send + Sync {
    /// One conditional write; see the module documentation.
    fn claim(&self, claim: &Claim)
    -> impl Future<Output = Result<ClaimOutcome, StoreError>> + Send;

    /// Marks the event completed, if `claim` still holds it.
    fn complete(&self, claim: &Claim) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Deletes the claim, if `claim` still holds it and it is in progress.
    fn release(&self, claim: &Claim) -> impl Future<Output = Result<(), StoreError>> + Send;
}

impl<T: IdempotencyStore> IdempotencyStore for std::sync::Arc<T> {
    fn claim(
        &self,
        claim: &Claim,
    ) -> impl Future<Output = Result<ClaimOutcome, StoreError>> + Send {
        (**self).claim(claim)
    }
    fn complete(&self, claim: &Claim) -> impl Future<Output = Result<(), StoreError>> + Send {
        (**self).complete(claim)
    }
    fn release(&self, claim: &Claim) -> impl Future<Output = Result<(), StoreError>> + Send {
        (**self).release(claim)
    }
}

type Clock = Box<dyn Fn() -> OffsetDateTime + Send + Sync>;

/// A store plus the rules: key prefix, how long marks live, the clock.
pub struct Idempotency<S> {
    store: S,
    key_prefix: String,
    ttl_seconds: i64,
    clock: Clock,
}

impl<S: IdempotencyStore> Idempotency<S> {
    /// Prefix [`DEFAULT_KEY_PREFIX`], marks kept [`DEFAULT_TTL_SECONDS`], system clock.
    pub fn new(store: S) -> Self {
        Idempotency {
            store,
            key_prefix: DEFAULT_KEY_PREFIX.to_owned(),
            ttl_seconds: DEFAULT_TTL_SECONDS,
            clock: Box::new(OffsetDateTime::now_utc),
        }
    }

    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = prefix.into();
        self
    }

    pub fn ttl_seconds(mut self, seconds: i64) -> Self {
        self.ttl_seconds = seconds;
        self
    }

    /// A clock other than the system's (tests move time to expire leases and marks).
    pub fn clock(mut self, clock: impl Fn() -> OffsetDateTime + Send + Sync + 'static) -> Self {
        self.clock = Box::new(clock);
        self
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    /// The item key of an envelope's event.
    pub fn key(&self, envelope: &Envelope) -> String {
        format!("{}#{}#{}", self.key_prefix, envelope.provider, envelope.id)
    }

    /// Claims the event until the invocation's `deadline` (so a claim of an invocation
    /// that crashed or timed out frees as soon as it is over), or for
    /// [`DEFAULT_LEASE_SECONDS`] without one.
    pub async fn claim(
        &self,
        envelope: &Envelope,
        deadline: Option<OffsetDateTime>,
    ) -> Result<(Claim, ClaimOutcome), StoreError> {
        let now = (self.clock)().unix_timestamp();
        let lease_expires_at = deadline
            .map(|deadline| deadline.unix_timestamp() + 1)
            .filter(|&until| until > now)
            .unwrap_or(now + DEFAULT_LEASE_SECONDS);
        let claim = Claim {
            key: self.key(envelope),
            token: new_claim_token(),
            now,
            lease_expires_at,
            expires_at: now.saturating_add(self.ttl_seconds),
        };
        let outcome = self.store.claim(&claim).await?;
        Ok((claim, outcome))
    }

    pub async fn complete(&self, claim: &Claim) -> Result<(), StoreError> {
        self.store.complete(claim).await
    }

    pub async fn release(&self, claim: &Claim) -> Result<(), StoreError> {
        self.store.release(claim).await
    }
}

/// Unique per claim attempt: 128 random bits drawn once per process, then a counter.
/// Falls back to the start time if the OS refuses randomness, which keeps tokens unique
/// per process.
fn new_claim_token() -> String {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    static PROCESS: OnceLock<String> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let process = PROCESS.get_or_init(|| {
        let mut bytes = [0u8; 16];
        if getrandom::fill(&mut bytes).is_err() {
            bytes = OffsetDateTime::now_utc()
                .unix_timestamp_nanos()
                .to_le_bytes();
        }
        hex::encode(bytes)
    });
    format!("{process}{:016x}", COUNTER.fetch_add(1, Ordering::Relaxed))
}

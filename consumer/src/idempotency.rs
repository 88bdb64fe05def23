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
//!
//! The store is any [`ClaimStore`] of `brokerhooks-claims` (the receiver's claims use
//! the same crate): `DynamoDbClaims` (feature `idempotency`, on by default) or, in tests,
//! [`MemoryClaims`].

use brokerhooks_models::Envelope;
use time::OffsetDateTime;

#[cfg(feature = "idempotency")]
pub use brokerhooks_claims::DynamoDbClaims;
pub use brokerhooks_claims::{
    Claim, ClaimOutcome, ClaimStore, MemoryClaims, STATUS_COMPLETED, STATUS_IN_PROGRESS,
    StoreError, StoredClaim,
};

/// The key prefix when none is configured.
pub const DEFAULT_KEY_PREFIX: &str = "consumer";
/// How long a completed event is remembered when nothing else is configured (30 days:
/// longer than an event can sit in the queue and then in its dead-letter queue, 14 days
/// each at most, so a redrive is still recognised).
pub const DEFAULT_TTL_SECONDS: i64 = 30 * 24 * 3600;
/// The lease when the invocation has no deadline (outside Lambda).
pub const DEFAULT_LEASE_SECONDS: i64 = 30;

type Clock = Box<dyn Fn() -> OffsetDateTime + Send + Sync>;

/// The store type of a [`BatchProcessor`](crate::BatchProcessor) without idempotency. It
/// has no values, so nothing is ever claimed through it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoIdempotency {}

impl ClaimStore for NoIdempotency {
    async fn claim(&self, _: &Claim) -> Result<ClaimOutcome, StoreError> {
        match *self {}
    }
    async fn complete(&self, _: &Claim) -> Result<(), StoreError> {
        match *self {}
    }
    async fn release(&self, _: &Claim) -> Result<(), StoreError> {
        match *self {}
    }
}

/// A store plus the rules: key prefix, how long marks live, the clock.
pub struct Idempotency<S> {
    store: S,
    key_prefix: String,
    ttl_seconds: i64,
    clock: Clock,
}

impl<S: ClaimStore> Idempotency<S> {
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
            token: brokerhooks_claims::new_claim_token(),
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

//! The provider's own record, as a reconciler reads it: the port a provider with a
//! poll-able order (or activity) API implements. Kite's order book is the first
//! (`providers::kite::order_book` reads its answers, `http::kite_api` fetches them).

use std::future::Future;

use serde_json::value::RawValue;
use time::OffsetDateTime;

/// A session the reconciler may use to read one user's record. The credentials never
/// appear in `Debug` or logs; the user is logged as a short hash ([`Session::label`]).
#[derive(Clone)]
pub struct Session {
    /// The user whose record this is (Kite's `user_id`).
    pub user_id: String,
    pub api_key: String,
    pub access_token: String,
    /// Epoch seconds after which the provider no longer accepts it.
    pub expires_at: i64,
}

impl Session {
    /// What the logs and metrics say instead of the user id: the first 12 hex digits of
    /// its SHA-256.
    pub fn label(&self) -> String {
        use sha2::{Digest, Sha256};
        hex::encode(&Sha256::digest(self.user_id.as_bytes())[..6])
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("user", &self.label())
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// One order state the record proves, which a delivery (a postback) should have reported.
#[derive(Debug, Clone)]
pub struct RecordedState {
    pub order_id: String,
    /// The state's identity, shared with the deliveries' state marks.
    pub state_key: String,
    /// The status as the record says it: the envelope `type`.
    pub status: String,
    /// When the exchange (or the provider) last changed the order: the envelope's
    /// `occurred_at`, and what the grace period is counted from.
    pub occurred_at: Option<OffsetDateTime>,
    /// Whether earlier states of the order may hold what this one does not (fills on
    /// the way): its history is read then.
    pub may_have_earlier_states: bool,
    /// The record's entry, exactly as received: the envelope `payload`.
    pub entry: Box<RawValue>,
}

/// What one read of the record gave.
#[derive(Debug, Clone, Default)]
pub struct RecordPage {
    /// Orders read, recoverable or not.
    pub orders_read: usize,
    /// Each order's latest state, where it is one a delivery should have reported.
    pub recoverable: Vec<RecordedState>,
}

/// Why a session's record could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// The provider refused the session (Kite: 403 `TokenException`, an expired or
    /// revoked access token): only the app's login flow can renew it.
    #[error("session rejected")]
    Rejected,
    /// The provider kept answering 429 or 5xx, or could not be reached, for the whole
    /// retry budget.
    #[error("record unavailable: {0}")]
    Unavailable(String),
    /// An answer that is not what the provider documents.
    #[error("record answer not understood: {0}")]
    Invalid(String),
}

/// A record a reconciler function builds from its configuration at cold start.
pub trait RecordFromConfig: OrderRecord + Sized {
    /// Every variable `from_config` reads (the template sets them).
    const VARIABLES: &'static [&'static str];

    fn from_config(
        config: &crate::config::ConfigSource,
    ) -> Result<Self, crate::config::ConfigError>;
}

/// A provider's own record of orders.
pub trait OrderRecord: Send + Sync {
    /// The provider's name: the envelope `provider`, and the key prefix of its marks.
    fn provider(&self) -> &'static str;

    /// Every order of the session's record (Kite: the day's order book), with the latest
    /// state of those whose state a delivery should have reported.
    fn orders(
        &self,
        session: &Session,
    ) -> impl Future<Output = Result<RecordPage, RecordError>> + Send;

    /// Every recoverable state of one order, oldest first (Kite: the order's history).
    fn history(
        &self,
        session: &Session,
        order_id: &str,
    ) -> impl Future<Output = Result<Vec<RecordedState>, RecordError>> + Send;

    /// Requests made to the provider so far (for the run's report).
    fn requests_made(&self) -> u64;
}

//! What every scheme's check yields, and the key rule they share: a leaf the schemes and
//! their dispatcher ([`super::scheme`]) both use.

use time::OffsetDateTime;

/// The shortest HMAC key accepted (`hmac` secrets, Standard Webhooks keys). Standard
/// Webhooks asks for 24 to 64 bytes; 16 keeps keys senders already issued working.
pub const MIN_KEY_BYTES: usize = 16;

/// A delivery that passed its scheme's check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated {
    /// Position (never the value) of the secret that matched.
    pub matched_secret: usize,
    /// The id the scheme signs for the delivery (Standard Webhooks' `webhook-id`): the
    /// envelope id unless the mapping names another.
    pub delivery_id: Option<String>,
    /// The timestamp the scheme signs, when it signs one: claims are kept past it.
    pub signed_at: Option<OffsetDateTime>,
}

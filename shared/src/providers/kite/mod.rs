//! Zerodha Kite Connect order postbacks.
//!
//! Authentication: the body's `checksum` must equal the lowercase hex
//! SHA-256 of `order_id + order_timestamp + api_secret` (plain SHA-256, not HMAC).
//! The checksum covers neither status nor quantities, so each postback is identified
//! by its whole content (canonical JSON), and several postbacks per order are distinct.
//!
//! Kite never retries, so an authentic postback is never refused for its shape: a
//! missing `status` or an `order_timestamp` in another format is enqueued with a
//! fallback (see `crate::pipeline::fallback`).
//!
//! Two ways a captured checksum could say more than it signs are closed: a second
//! `order_id`, `order_timestamp` or `checksum` key (the verifier reads the last, a
//! consumer may read the first) is a 401, and when `order_timestamp` does not read, the
//! freshness rule reads the time the signed string `order_id + order_timestamp` ends
//! with, so moving the boundary between the two fields cannot dodge it.

mod checksum;
pub mod order_book;
pub mod order_state;

pub use checksum::{checksum_hex, checksum_matches};
pub use order_state::OrderState;

use std::time::Duration;

use crate::text::canonical_json::object_content_id;
use crate::config::{ConfigError, ConfigSource};
use crate::text::duplicate_keys::{DUPLICATE_SIGNED_FIELD, duplicates_any};
use crate::pipeline::envelope::{EventDraft, EventOrigin};
use crate::pipeline::error::WebhookError;
use crate::pipeline::fallback::{Fallback, Fallbacks, UNPARSED_TYPE};
use crate::pipeline::ports::provider::{Provider, VerifyContext};
use crate::providers::names::BuiltIn;
use crate::providers::json_body::{optional_str, parse_object, raw_payload, required_str};
use crate::pipeline::request::WebhookRequest;
use crate::config::secret_list::SecretList;
use crate::text::timestamps::{IST, parse_naive_or_rfc3339};
use crate::pipeline::verified::Verified;
use crate::providers::verification::time_at_end;

pub const SECRET_VARIABLE: &str = "KITE_API_SECRET";
/// Every variable `from_config` reads ([`Provider::VARIABLES`]).
pub const VARIABLES: &[&str] = &[SECRET_VARIABLE];
/// The fields the checksum is computed from or compared with: a body carrying one twice is
/// refused.
const SIGNED_FIELDS: &[(&[&str], &str)] = &[
    (&[], "order_id"),
    (&[], "order_timestamp"),
    (&[], "checksum"),
];

/// This provider's verifier, as the registry names it (`providers::<name>::Verifier`).
pub type Verifier = KiteProvider;

#[derive(Debug, Clone)]
pub struct KiteProvider {
    secrets: SecretList,
}

impl KiteProvider {
    pub fn new(secrets: SecretList) -> Self {
        KiteProvider { secrets }
    }
}

impl Provider for KiteProvider {
    const NAME: &'static str = BuiltIn::Kite.name();
    const VARIABLES: &'static [&'static str] = VARIABLES;
    /// 30 days, as before per-provider windows. The signed `order_timestamp` is when the
    /// order was placed, not when the postback was sent, and one order's postbacks can
    /// come days later (an after-market order placed before a long weekend is executed,
    /// and posted back, only when the exchange opens; Kite documents no bound), so a short
    /// window would refuse, and lose (Kite never retries), authentic postbacks.
    const DEFAULT_MAX_EVENT_AGE: Duration = Duration::from_secs(30 * 24 * 60 * 60);
    /// Kite never retries a postback: one invocation rides out an AWS outage of about
    /// 11 s rather than answer 503 and lose it (the function timeout must then be at
    /// least 26 s; the template gives it 29).
    const DEFAULT_AWS_RETRY_SECONDS: u64 = 12;
    /// What Kite calls its webhooks (the reconciler's say `reconciliation`).
    const DELIVERY_ORIGIN: EventOrigin = EventOrigin::Postback;

    fn from_config(config: &ConfigSource) -> Result<Self, ConfigError> {
        Ok(KiteProvider::new(config.secret_list(SECRET_VARIABLE)?))
    }

    fn verify(
        &self,
        request: &WebhookRequest,
        context: &VerifyContext,
    ) -> Result<Verified<Vec<EventDraft>>, WebhookError> {
        // The checksum lives in the body, so a body that is not a JSON object cannot be
        // authenticated at all: that is a 400, before any 401.
        let body = parse_object(&request.body)?;
        let received = optional_str(&body, "checksum")
            .ok_or(WebhookError::Unauthorized("missing checksum"))?;
        let order_id = required_str(&body, "order_id")?;
        let order_timestamp = required_str(&body, "order_timestamp")?;
        let matched = self
            .secrets
            .position_matching(|secret| {
                checksum_matches(order_id, order_timestamp, secret, received)
            })
            .ok_or(WebhookError::Unauthorized("checksum mismatch"))?;
        if duplicates_any(&request.body, SIGNED_FIELDS) {
            return Err(WebhookError::Unauthorized(DUPLICATE_SIGNED_FIELD));
        }

        let mut fallback = Fallbacks::NONE;
        // order_timestamp is covered by the checksum, so it is subject to freshness,
        // whenever it can be read: from the field, or else from the end of the signed
        // string (a re-split body).
        let read = |text: &str| parse_naive_or_rfc3339(text, IST);
        let placed_at = read(order_timestamp);
        let signed_at = placed_at.or_else(|| {
            fallback.insert(Fallback::SignedTimestamp);
            time_at_end(&format!("{order_id}{order_timestamp}"), read)
        });
        if let Some(signed_at) = signed_at {
            context.freshness.check(signed_at, context.now)?;
        }
        let event_type = optional_str(&body, "status").unwrap_or_else(|| {
            fallback.insert(Fallback::EventType);
            UNPARSED_TYPE
        });
        let occurred_at = optional_str(&body, "exchange_update_timestamp")
            .and_then(|t| parse_naive_or_rfc3339(t, IST))
            .or(placed_at)
            .unwrap_or_else(|| {
                fallback.insert(Fallback::OccurredAt);
                context.now
            });
        let draft = EventDraft {
            id: object_content_id(&body),
            event_type: event_type.to_owned(),
            // Needed by the checksum, so always present.
            subject: order_id.to_owned(),
            occurred_at,
            signed_at,
            payload: raw_payload(&request.body)?,
            fallback,
            // The order book's identity of the state it reports: a postback and a
            // reconciled book entry of one state are enqueued once between them.
            state_key: OrderState::of(&body).map(|state| state.key_hex()),
        };
        Ok(Verified::new(vec![draft], matched))
    }
}

#[cfg(test)]
mod tests;

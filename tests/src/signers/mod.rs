//! Signers that turn a payload template into an authentic delivery, the way each
//! provider would send it (`generic`: each configured source's scheme). Test and dev
//! tooling only: never linked into a function.

pub mod generic;
pub mod kite;
pub mod onemetric;
pub mod smallcase;
pub mod snaptrade;
pub mod upvest;

use brokerhooks::providers::BuiltIn;
use serde_json::Value;

use crate::api_gateway_event::Delivery;
use crate::local_secrets::LocalSecrets;

/// Signs `payload` as `provider` would, with the local secrets. One arm per built-in
/// provider: a provider without a signer does not compile.
pub fn sign(
    provider: BuiltIn,
    payload: &Value,
    secrets: &LocalSecrets,
) -> Result<Delivery, String> {
    let secret = |name: &str| {
        secrets
            .primary(name)
            .ok_or_else(|| format!("{name} is not set in events/local.env"))
    };
    match provider {
        BuiltIn::Kite => kite::sign(
            payload,
            secret(brokerhooks::providers::kite::SECRET_VARIABLE)?,
        ),
        BuiltIn::OneMetric => onemetric::sign(
            payload,
            secret(brokerhooks::providers::onemetric::TOKEN_VARIABLE)?,
        ),
        BuiltIn::Smallcase => smallcase::sign(
            payload,
            secret(brokerhooks::providers::smallcase::SECRET_VARIABLE)?,
        ),
        BuiltIn::SnapTrade => snaptrade::sign(
            payload,
            secret(brokerhooks::providers::snaptrade::CONSUMER_KEY_VARIABLE)?,
            secrets.primary(brokerhooks::providers::snaptrade::WEBHOOK_SECRET_VARIABLE),
        ),
        BuiltIn::Upvest => upvest::sign(payload, secrets),
    }
}

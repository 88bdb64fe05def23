//! Many distinct, authentic deliveries per provider, made from the sample templates in
//! `events/<provider>/payloads/` by changing the field that identifies the event, then
//! signing with the local secrets. Used by the duplicate storm and the benchmarks.

use brokerhooks::providers::BuiltIn;
use serde_json::Value;

use crate::api_gateway_event::Delivery;
use crate::local_secrets::{LocalSecrets, repo_root};
use crate::providers::{self, kit};

/// The first payload template of a provider.
pub fn first_template(provider: BuiltIn) -> Result<Value, String> {
    let dir = repo_root()
        .join("events")
        .join(provider.name())
        .join("payloads");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    let path = paths
        .first()
        .ok_or_else(|| format!("no templates in {}", dir.display()))?;
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

/// Makes `template` the `n`-th distinct event of `provider` (distinct id, same shape).
pub fn vary(provider: BuiltIn, template: &Value, n: usize) -> Result<Value, String> {
    (kit(provider).vary)(template, n)
}

/// How many events one delivery made from this template carries.
pub fn events_per_delivery(provider: BuiltIn, template: &Value) -> usize {
    (kit(provider).events_per_delivery)(template)
}

/// `count` distinct signed deliveries of `provider`.
pub fn distinct_deliveries(
    provider: BuiltIn,
    count: usize,
    secrets: &LocalSecrets,
) -> Result<Vec<Delivery>, String> {
    distinct_deliveries_from(provider, 0, count, secrets)
}

/// `count` distinct signed deliveries of `provider`, the `first`-th onwards: a caller
/// that needs events new to a table already holding some starts past them.
pub fn distinct_deliveries_from(
    provider: BuiltIn,
    first: usize,
    count: usize,
    secrets: &LocalSecrets,
) -> Result<Vec<Delivery>, String> {
    let template = first_template(provider)?;
    (first..first + count)
        .map(|n| providers::sign(provider, &vary(provider, &template, n)?, secrets))
        .collect()
}

//! What the testkit knows of each built-in provider ([`ProviderKit`]; each provider's
//! module in [`crate::providers`] has its `KIT`), and what those modules share.

use brokerhooks::WebhookRequest;
use serde_json::Value;

use crate::api_gateway_event::Delivery;
use crate::local_secrets::{LocalSecrets, repo_root};
use crate::negative_matrix::NegativeKit;

/// What the testkit knows of one built-in provider.
pub struct ProviderKit {
    /// Signs a payload template as the provider does, with the local secrets.
    pub sign: fn(&Value, &LocalSecrets) -> Result<Delivery, String>,
    /// The `n`-th distinct event made from a template: the field that identifies the
    /// event changed, the shape kept (the storm, the benches).
    pub vary: fn(&Value, usize) -> Result<Value, String>,
    /// How many events one delivery made from the template carries.
    pub events_per_delivery: fn(&Value) -> usize,
    /// Its row of the negative matrix.
    pub negative: NegativeKit,
    /// Its benchmark case.
    pub bench: fn(&LocalSecrets) -> BenchCase,
    /// Where its timestamps are, for the test of timestamps no envelope can carry.
    pub timestamps: TimestampKit,
}

/// A benchmark delivery: its name, the request, and the events it carries.
pub struct BenchCase {
    pub name: &'static str,
    pub request: WebhookRequest,
    pub events: u64,
}

/// A sample whose every timestamp field can be set, and what reading it then gives.
pub struct TimestampKit {
    /// The payload template, in `events/<name>/payloads/`.
    pub template: &'static str,
    /// Sets every timestamp field of the template to the text given.
    pub set: fn(&mut Value, &str),
    /// The fallback tokens an unreadable timestamp gives each event.
    pub fallback: &'static str,
    /// Whether the freshness rule then reads the time the signed string ends with (Kite
    /// signs `order_id + order_timestamp`): a far-future time there is refused (401).
    pub signed_time_at_the_end: bool,
}

/// The local secret `name`: the first of its list.
pub fn primary<'a>(secrets: &'a LocalSecrets, name: &str) -> Result<&'a str, String> {
    secrets
        .primary(name)
        .ok_or_else(|| format!("{name} is not set in events/<function>/local.env"))
}

/// For providers whose delivery carries one event.
pub fn one_event(_: &Value) -> usize {
    1
}

/// A sample's request, from `events/<provider>/<file>`.
pub fn sample_request(provider: &str, file: &str) -> WebhookRequest {
    let path = repo_root().join("events").join(provider).join(file);
    crate::replay::read_event_file(&path)
        .unwrap_or_else(|e| panic!("{e}"))
        .to_request()
}

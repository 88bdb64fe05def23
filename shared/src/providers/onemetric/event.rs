use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// A OneMetric webhook event, for consumers reading `Envelope::payload`.
///
/// Tolerant: unknown fields are ignored, `details` and `user` may be absent or null
/// (market alerts carry no user), and `details` is kept as an object because its fields
/// vary by type; [`MarketDetails`] reads the documented ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OneMetricEvent {
    pub event_type: String,
    pub sub_type: String,
    /// `YYYY-MM-DD HH:MM:SS`, UTC. Not signed: the envelope's `occurred_at` is the same instant.
    pub time_stamp: String,
    #[serde(default)]
    pub details: Option<Map<String, Value>>,
    #[serde(default)]
    pub user: Option<OneMetricUser>,
}

impl OneMetricEvent {
    /// The documented pair this event is, or `None` for a pair OneMetric added later.
    pub fn kind(&self) -> Option<EventKind> {
        EventKind::from_pair(&self.event_type, &self.sub_type)
    }

    /// The documented `details` fields, each optional.
    pub fn market_details(&self) -> MarketDetails {
        self.details
            .as_ref()
            .and_then(|d| MarketDetails::deserialize(Value::Object(d.clone())).ok())
            .unwrap_or_default()
    }
}

/// The `event_type` / `sub_type` pairs OneMetric documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    PriceAlert,
    VolumeAlert,
    Login,
    Logout,
    NewPurchase,
    Refund,
    StockAdded,
    StockRemoved,
    ProfileDetailsUpdated,
}

impl EventKind {
    pub const ALL: [EventKind; 9] = [
        EventKind::PriceAlert,
        EventKind::VolumeAlert,
        EventKind::Login,
        EventKind::Logout,
        EventKind::NewPurchase,
        EventKind::Refund,
        EventKind::StockAdded,
        EventKind::StockRemoved,
        EventKind::ProfileDetailsUpdated,
    ];

    /// `(event_type, sub_type)` as OneMetric writes them.
    pub fn pair(self) -> (&'static str, &'static str) {
        match self {
            EventKind::PriceAlert => ("MARKET_GENERATED_ALERT", "PRICE_ALERT"),
            EventKind::VolumeAlert => ("MARKET_GENERATED_ALERT", "VOLUME_ALERT"),
            EventKind::Login => ("USER_ACTIVITY", "LOGIN"),
            EventKind::Logout => ("USER_ACTIVITY", "LOGOUT"),
            EventKind::NewPurchase => ("TRANSACTION", "NEW_PURCHASE"),
            EventKind::Refund => ("TRANSACTION", "REFUND"),
            EventKind::StockAdded => ("STOCK_WATCHLIST", "STOCK_ADDED"),
            EventKind::StockRemoved => ("STOCK_WATCHLIST", "STOCK_REMOVED"),
            EventKind::ProfileDetailsUpdated => ("USER_PROFILE", "DETAILS_UPDATED"),
        }
    }

    pub fn from_pair(event_type: &str, sub_type: &str) -> Option<Self> {
        EventKind::ALL
            .into_iter()
            .find(|kind| kind.pair() == (event_type, sub_type))
    }

    /// The envelope `type`: `event_type.sub_type`.
    pub fn envelope_type(self) -> String {
        let (event_type, sub_type) = self.pair();
        format!("{event_type}.{sub_type}")
    }
}

/// The user an event is about. `Debug` shows the id only: name and email are personal
/// data and must not end up in logs by accident.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct OneMetricUser {
    /// A string in OneMetric's examples; a number is read as its decimal text.
    #[serde(default, deserialize_with = "string_or_number")]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

impl fmt::Debug for OneMetricUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OneMetricUser")
            .field("id", &self.id)
            .field("name", &self.name.as_ref().map(|_| "<redacted>"))
            .field("email", &self.email.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// The `details` fields OneMetric documents for alerts and watchlists.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MarketDetails {
    #[serde(default)]
    pub symbol: Option<String>,
    /// Last traded price.
    #[serde(default)]
    pub ltp: Option<f64>,
    #[serde(default)]
    pub close: Option<f64>,
    #[serde(default)]
    pub alert_threshold: Option<f64>,
    #[serde(default)]
    pub price_change_percentage: Option<f64>,
    #[serde(default)]
    pub watchlist_name: Option<String>,
}

/// The id as a string: strings as they are, numbers as their JSON text.
pub(super) fn id_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn string_or_number<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    Ok(Option::<Value>::deserialize(deserializer)?
        .as_ref()
        .and_then(id_text))
}

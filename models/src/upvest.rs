//! Upvest webhook events: one envelope per event of a delivery's `payload` array.
//! Envelope `type` = the event's `type` (`CATEGORY.ACTION`).
//!
//! Tolerant: unknown fields are ignored, optional fields may be absent or null, and the
//! event `type` is an open set: known categories are named, others pass through.
//! Amounts are decimal strings (`"250.00"`), read exactly with their scale.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};

use crate::exact_decimal;
#[cfg(feature = "schema")]
use crate::exact_decimal::DecimalSchema;
use crate::raw_json::RawJson;

use crate::payload_error::ModelMismatch;

/// What [`crate::TypedEvent::Upvest`] holds.
pub type Event = UpvestEvent;

/// Every event of a category Upvest documents reads as an [`UpvestEvent`] (objects of
/// unmodelled categories stay JSON text); other categories have no model.
pub fn route(event_type: &str, payload: &str) -> Option<Result<Event, ModelMismatch>> {
    match EventType::new(event_type).category() {
        EventCategory::Other(_) => None,
        _ => Some(serde_json::from_str(payload).map_err(ModelMismatch::of("UpvestEvent"))),
    }
}

/// This provider's JSON Schema files.
#[cfg(feature = "schema")]
pub fn schemas() -> Vec<crate::schema::file::SchemaFile> {
    use crate::schema::file::SchemaFile;
    vec![SchemaFile::of::<UpvestEvent>("upvest-event.json")]
}

/// One event, with its `object` parsed by the event's category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpvestEvent {
    /// The event id (the envelope `id`).
    pub id: String,
    pub event_type: EventType,
    /// RFC 3339.
    pub created_at: Option<String>,
    /// The subscription that delivered it.
    pub webhook_id: Option<String>,
    /// The full resource the event is about.
    pub object: UpvestObject,
}

/// The resource of an event, by category. Objects of categories without a model here
/// stay as their JSON text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpvestObject {
    /// ORDER events.
    Order(Order),
    /// EXECUTION events.
    Execution(Execution),
    /// USER events.
    User(User),
    /// ACCOUNT events.
    Account(Account),
    /// Any other category: the object's JSON text ([`RawJson::parse`] it into your model).
    Other(RawJson),
}

/// An event type such as `ORDER.FILLED`: `CATEGORY.ACTION`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(transparent)]
pub struct EventType(String);

impl EventType {
    pub fn new(text: impl Into<String>) -> Self {
        EventType(text.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before the first `.`.
    pub fn category(&self) -> EventCategory {
        EventCategory::parse(self.0.split_once('.').map_or(self.0.as_str(), |(c, _)| c))
    }

    /// The part after the first `.` (`FILLED` in `ORDER.FILLED`); empty when there is none.
    pub fn action(&self) -> &str {
        self.0.split_once('.').map_or("", |(_, a)| a)
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

macro_rules! categories {
    ($($variant:ident => $text:literal,)*) => {
        /// The resource category of an event type, as Upvest documents them; `Other`
        /// keeps a category this version does not know.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum EventCategory {
            $($variant,)*
            Other(String),
        }

        impl EventCategory {
            pub fn parse(text: &str) -> Self {
                match text {
                    $($text => EventCategory::$variant,)*
                    other => EventCategory::Other(other.to_owned()),
                }
            }

            pub fn as_str(&self) -> &str {
                match self {
                    $(EventCategory::$variant => $text,)*
                    EventCategory::Other(other) => other,
                }
            }
        }
    };
}

categories! {
    Account => "ACCOUNT",
    AccountGroup => "ACCOUNT_GROUP",
    AccountLiquidation => "ACCOUNT_LIQUIDATION",
    AccountReturns => "ACCOUNT_RETURNS",
    AccountTransfer => "ACCOUNT_TRANSFER",
    AccountValuation => "ACCOUNT_VALUATION",
    Business => "BUSINESS",
    BusinessCheck => "BUSINESS_CHECK",
    CashBalance => "CASH_BALANCE",
    CashTransaction => "CASH_TRANSACTION",
    CorporateAction => "CORPORATE_ACTION",
    CreditFunding => "CREDIT_FUNDING",
    DirectDebit => "DIRECT_DEBIT",
    Execution => "EXECUTION",
    FeeCollection => "FEE_COLLECTION",
    Instrument => "INSTRUMENT",
    IntradayAccountValuation => "INTRADAY_ACCOUNT_VALUATION",
    Order => "ORDER",
    OrderCancellation => "ORDER_CANCELLATION",
    User => "USER",
}

/// The `object` of ORDER events.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Order {
    pub id: String,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(default)]
    pub account_group_id: Option<String>,
    #[serde(default)]
    pub account_id: Option<String>,
    #[serde(default)]
    pub instrument_id: Option<String>,
    #[serde(default)]
    pub instrument_id_type: Option<String>,
    /// BUY or SELL.
    #[serde(default)]
    pub side: Option<String>,
    #[serde(default)]
    pub order_type: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub cash_amount: Option<Decimal>,
    /// Fractional shares are normal.
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub quantity: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub filled_quantity: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub fee: Option<Decimal>,
    /// EUR, GBP, …
    #[serde(default)]
    pub currency: Option<String>,
}

/// The `object` of EXECUTION events.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Execution {
    pub id: String,
    #[serde(default)]
    pub order_id: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(default)]
    pub account_id: Option<String>,
    #[serde(default)]
    pub instrument_id: Option<String>,
    #[serde(default)]
    pub side: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub quantity: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub share_price: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_decimal::optional")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<DecimalSchema>"))]
    pub cash_amount: Option<Decimal>,
    #[serde(default)]
    pub currency: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub transaction_date: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub settlement_date: Option<String>,
}

/// The `object` of USER events: identity and state only. Upvest's user resource also
/// holds personal data (names, addresses, …), deliberately not modelled here.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct User {
    pub id: String,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    /// PENDING, ACTIVE, …
    #[serde(default)]
    pub status: Option<String>,
}

/// The `object` of ACCOUNT events.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Account {
    pub id: String,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(default)]
    pub account_group_id: Option<String>,
    /// e.g. TRADING.
    #[serde(default, rename = "type")]
    pub account_type: Option<String>,
    /// PENDING, ACTIVE, …
    #[serde(default)]
    pub status: Option<String>,
}

/// The event as it arrives, `object` kept as text until the category says which model
/// reads it (so its decimals are parsed from the original text).
#[derive(Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
struct UpvestEventWire {
    id: String,
    /// `CATEGORY.ACTION`, e.g. `ORDER.FILLED`; an open set.
    #[serde(rename = "type")]
    #[cfg_attr(feature = "schema", schemars(with = "String"))]
    event_type: EventType,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default)]
    webhook_id: Option<String>,
    /// The resource the event is about; its model depends on the category of `type`.
    object: RawJson,
}

impl<'de> Deserialize<'de> for UpvestEvent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = UpvestEventWire::deserialize(deserializer)?;
        let object = match wire.event_type.category() {
            EventCategory::Order => UpvestObject::Order(wire.object.parse_within()?),
            EventCategory::Execution => UpvestObject::Execution(wire.object.parse_within()?),
            EventCategory::User => UpvestObject::User(wire.object.parse_within()?),
            EventCategory::Account => UpvestObject::Account(wire.object.parse_within()?),
            _ => UpvestObject::Other(wire.object),
        };
        Ok(UpvestEvent {
            id: wire.id,
            event_type: wire.event_type,
            created_at: wire.created_at,
            webhook_id: wire.webhook_id,
            object,
        })
    }
}

/// The JSON Schema says what the deserializer does: `object` is read by the category of
/// `type`. Code generators cannot see that in a union of object shapes (they pick a shape
/// by its fields), so the event is a `oneOf` of one variant per modelled category, each
/// constraining `type` by a pattern together with its `object` model, plus a variant for
/// every other category; the patterns exclude each other, so exactly one variant fits.
#[cfg(feature = "schema")]
mod event_schema {
    use std::borrow::Cow;
    use std::marker::PhantomData;

    use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

    use super::{Account, EventCategory, Execution, Order, UpvestEvent, UpvestEventWire, User};

    /// The categories whose `object` has a model, in the order of the `oneOf`.
    const MODELLED: [EventCategory; 4] = [
        EventCategory::Order,
        EventCategory::Execution,
        EventCategory::User,
        EventCategory::Account,
    ];

    /// `type` of a category: the category alone or followed by `.` and the action.
    fn category_pattern(category: &EventCategory) -> String {
        format!("^{}(\\.|$)", category.as_str())
    }

    /// `type` of any category but the modelled ones (a lookahead: generators hand it to
    /// an engine that supports it, e.g. pydantic's `python-re`).
    fn other_category_pattern() -> String {
        let names: Vec<&str> = MODELLED.iter().map(EventCategory::as_str).collect();
        format!("^(?!({})(\\.|$))", names.join("|"))
    }

    trait Variant {
        const NAME: &'static str;
        const DESCRIPTION: &'static str;
        fn type_pattern() -> String;
        fn object_schema(generator: &mut SchemaGenerator) -> Schema;
    }

    /// One variant of the event: the wire fields, with `type` and `object` narrowed.
    struct EventVariant<V>(PhantomData<V>);

    impl<V: Variant> JsonSchema for EventVariant<V> {
        fn schema_name() -> Cow<'static, str> {
            V::NAME.into()
        }

        fn json_schema(generator: &mut SchemaGenerator) -> Schema {
            let mut schema = UpvestEventWire::json_schema(generator);
            let object = V::object_schema(generator);
            schema.insert("description".into(), V::DESCRIPTION.into());
            if let Some(properties) = schema
                .get_mut("properties")
                .and_then(serde_json::Value::as_object_mut)
            {
                properties.insert(
                    "type".into(),
                    json_schema!({
                        "type": "string",
                        "pattern": V::type_pattern(),
                        "description": "`CATEGORY.ACTION`, e.g. `ORDER.FILLED`; an open set."
                    })
                    .to_value(),
                );
                properties.insert("object".into(), object.to_value());
            }
            schema
        }
    }

    macro_rules! modelled_variant {
        ($marker:ident, $name:literal, $category:expr, $model:ty, $description:literal) => {
            struct $marker;

            impl Variant for $marker {
                const NAME: &'static str = $name;
                const DESCRIPTION: &'static str = $description;

                fn type_pattern() -> String {
                    category_pattern(&$category)
                }

                fn object_schema(generator: &mut SchemaGenerator) -> Schema {
                    generator.subschema_for::<$model>()
                }
            }
        };
    }

    modelled_variant!(
        OrderVariant,
        "UpvestOrderEvent",
        EventCategory::Order,
        Order,
        "An ORDER event: `object` is the order."
    );
    modelled_variant!(
        ExecutionVariant,
        "UpvestExecutionEvent",
        EventCategory::Execution,
        Execution,
        "An EXECUTION event: `object` is the execution."
    );
    modelled_variant!(
        UserVariant,
        "UpvestUserEvent",
        EventCategory::User,
        User,
        "A USER event: `object` is the user (identity and state only)."
    );
    modelled_variant!(
        AccountVariant,
        "UpvestAccountEvent",
        EventCategory::Account,
        Account,
        "An ACCOUNT event: `object` is the account."
    );

    struct OtherVariant;

    impl Variant for OtherVariant {
        const NAME: &'static str = "UpvestOtherEvent";
        const DESCRIPTION: &'static str = "An event of any other category: `object` is that category's resource, as Upvest documents it.";

        fn type_pattern() -> String {
            other_category_pattern()
        }

        fn object_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({"type": "object"})
        }
    }

    impl JsonSchema for UpvestEvent {
        fn schema_name() -> Cow<'static, str> {
            "UpvestEvent".into()
        }

        fn json_schema(generator: &mut SchemaGenerator) -> Schema {
            json_schema!({
                "description": "One Upvest event. Its `object` is read by the category of `type` (the part before the first `.`): one variant per modelled category, and one for every other category.",
                "oneOf": [
                    generator.subschema_for::<EventVariant<OrderVariant>>(),
                    generator.subschema_for::<EventVariant<ExecutionVariant>>(),
                    generator.subschema_for::<EventVariant<UserVariant>>(),
                    generator.subschema_for::<EventVariant<AccountVariant>>(),
                    generator.subschema_for::<EventVariant<OtherVariant>>(),
                ]
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_splits_into_category_and_action() {
        let order = EventType::new("ORDER.FILLED");
        assert_eq!(order.category(), EventCategory::Order);
        assert_eq!(order.action(), "FILLED");
        let group = EventType::new("ACCOUNT_GROUP.CREATED");
        assert_eq!(group.category(), EventCategory::AccountGroup);
        let later = EventType::new("SAVINGS_PLAN.CREATED");
        assert_eq!(
            later.category(),
            EventCategory::Other("SAVINGS_PLAN".to_owned())
        );
        assert_eq!(later.category().as_str(), "SAVINGS_PLAN");
        assert_eq!(EventType::new("PING").action(), "");
    }

    #[test]
    fn objects_of_unmodelled_categories_stay_text() {
        let event: UpvestEvent = serde_json::from_str(
            r#"{"id":"e1","type":"CASH_BALANCE.UPDATED","object":{"balance":"10.50"}}"#,
        )
        .unwrap();
        match event.object {
            UpvestObject::Other(raw) => assert_eq!(raw.get(), r#"{"balance":"10.50"}"#),
            other => panic!("{other:?}"),
        }
        // An ORDER object that is not an order does not fit.
        assert!(
            serde_json::from_str::<UpvestEvent>(r#"{"id":"e1","type":"ORDER.NEW","object":[]}"#)
                .is_err()
        );
    }
}

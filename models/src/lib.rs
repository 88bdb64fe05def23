//! brokerhooks-models: what a consumer of the brokerhooks events queue needs, and nothing
//! else (serde-level dependencies only).
//!
//! - [`Envelope`]: the queue message (seven keys), its payload kept as the provider's
//!   original JSON text.
//! - [`TypedEvent`]: the one typed entry point, `envelope.typed()?`, over every provider
//!   and kind, with explicit variants for unknown types, `UNPARSED` events and unknown
//!   providers.
//! - One module per provider of the list ([`providers!`]) with its payload models
//!   ([`kite`], [`smallcase`], [`snaptrade`], [`upvest`], [`onemetric`]). Money and quantities are exact
//!   `rust_decimal::Decimal`s (see [`exact_decimal`]).
//! - [`fallback`]: the `fallback` message attribute and the stand-in values.
//! - With the `schema` feature, [`schema`]: JSON Schema of the envelope and every model
//!   (committed under `models/schemas/`).
//!
//! ```
//! use brokerhooks_models::smallcase::SmallcaseEvent;
//! use brokerhooks_models::{Envelope, TypedEvent};
//!
//! fn handle(body: &str) -> Result<(), Box<dyn std::error::Error>> {
//!     let envelope: Envelope = serde_json::from_str(body)?;
//!     match envelope.typed()? {
//!         TypedEvent::Kite(postback) => println!("order {} is {}", postback.order_id, postback.status),
//!         TypedEvent::Smallcase(SmallcaseEvent::SecuritiesOrder(batch)) => {
//!             println!("batch {} bought for {:?}", batch.batch_id, batch.buy_amount)
//!         }
//!         TypedEvent::Smallcase(_) => {}
//!         TypedEvent::SnapTrade(webhook) => println!("{}", webhook.event.event_type()),
//!         TypedEvent::Upvest(event) => println!("{}", event.event_type),
//!         TypedEvent::OneMetric(event) => println!("{:?}", event.kind()),
//!         // Unknown types, `UNPARSED` events, providers this version does not know.
//!         _ => println!("event {} kept for follow-up", envelope.id),
//!     }
//!     Ok(())
//! }
//! # handle(r#"{"id":"e","provider":"kite","type":"OPEN","subject":"1","occurred_at":"2026-11-20T03:45:02Z",
//! #   "received_at":"2026-11-20T03:45:03Z","payload":{"order_id":"1","order_timestamp":"2026-11-20 09:15:02","status":"OPEN"}}"#).unwrap();
//! ```

#[macro_use]
mod provider_list;

pub mod envelope;
pub mod event_origin;
pub mod exact_decimal;
pub mod fallback;
pub mod payload_error;
pub mod provider_name;
pub mod raw_json;
#[cfg(feature = "schema")]
pub mod schema;
pub mod typed_event;

/// One module per provider of the list ([`providers!`]): its payload models, `Event`
/// (what its [`TypedEvent`] variant holds), `route` (which types have a model) and, with
/// the `schema` feature, `schemas` (its JSON Schema files).
macro_rules! provider_modules {
    ($($variant:ident => $name:ident),+ $(,)?) => {
        $(pub mod $name;)+
    };
}
providers!(provider_modules);

pub use envelope::Envelope;
pub use event_origin::{EventOrigin, ORIGIN_ATTRIBUTE};
pub use fallback::{FALLBACK_ATTRIBUTE, Fallback, UNKNOWN_SUBJECT, UNPARSED_TYPE};
pub use payload_error::{ModelMismatch, PayloadError};
pub use provider_name::{CONFIGURED_SOURCES_FUNCTION, ProviderName};
pub use raw_json::RawJson;
pub use rust_decimal::Decimal;
pub use typed_event::TypedEvent;

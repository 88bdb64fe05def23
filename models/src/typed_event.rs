//! One typed entry point: from an [`Envelope`] to the event its provider and type call for.

use std::fmt;

use crate::envelope::Envelope;
use crate::fallback::UNPARSED_TYPE;
use crate::kite::KitePostback;
use crate::onemetric::{OneMetricEvent, OneMetricEventKind};
use crate::smallcase::{SmallcaseEvent, SmallcaseEventKind};
use crate::snaptrade::{KNOWN_EVENT_TYPES, SnapTradeWebhook};
use crate::upvest::{EventCategory, EventType, UpvestEvent};

/// The receiver function that serves configured sources. Its events carry each source's
/// own name as `provider`; every table key it writes starts with `generic#`, as a
/// built-in provider's start with its name.
pub const CONFIGURED_SOURCES_FUNCTION: &str = "generic";

/// The providers this version knows, by their envelope `provider` name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProviderName {
    Kite,
    Smallcase,
    SnapTrade,
    Upvest,
    OneMetric,
}

impl ProviderName {
    pub const ALL: [ProviderName; 5] = [
        ProviderName::Kite,
        ProviderName::Smallcase,
        ProviderName::SnapTrade,
        ProviderName::Upvest,
        ProviderName::OneMetric,
    ];

    /// The envelope `provider` value.
    pub const fn as_str(self) -> &'static str {
        match self {
            ProviderName::Kite => "kite",
            ProviderName::Smallcase => "smallcase",
            ProviderName::SnapTrade => "snaptrade",
            ProviderName::Upvest => "upvest",
            ProviderName::OneMetric => "onemetric",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == name)
    }
}

impl fmt::Display for ProviderName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An envelope's payload, parsed into the model its provider and type call for.
///
/// Every envelope lands in exactly one variant, so a `match` is exhaustive: types a
/// provider adds later arrive as [`TypedEvent::UnknownType`] (never as an error), events
/// whose type the receiver could not read as [`TypedEvent::Unparsed`], and providers this
/// version does not know as [`TypedEvent::UnknownProvider`]. For these three the payload
/// is not parsed; it is in the envelope. Only a payload that does not fit the model of
/// a known type is an error ([`PayloadError`]): fail that record so it reaches the
/// dead-letter queue, and redrive it once the model is fixed.
#[allow(
    clippy::large_enum_variant,
    reason = "built once per record and matched on, rarely moved; unboxed variants keep patterns plain"
)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypedEvent {
    /// Every Kite status (an open set) reads as a postback.
    Kite(KitePostback),
    Smallcase(SmallcaseEvent),
    SnapTrade(SnapTradeWebhook),
    /// Every event of a category Upvest documents (objects of unmodelled categories stay
    /// JSON text).
    Upvest(UpvestEvent),
    OneMetric(OneMetricEvent),
    /// A known provider, a type this version has no model for (format drift or a new
    /// event type): handle it generically and update the models.
    UnknownType {
        provider: ProviderName,
        event_type: String,
    },
    /// The receiver could read no type (`type` is `UNPARSED`; the `fallback` attribute
    /// says which fields were stand-ins).
    Unparsed {
        provider: ProviderName,
    },
    /// A provider name this version does not know (e.g. a source added to the stack later).
    UnknownProvider {
        provider: String,
        event_type: String,
    },
}

impl TypedEvent {
    /// Routes by `provider` then `type`, parsing the payload's original text (exact
    /// decimals).
    pub fn from_envelope(envelope: &Envelope) -> Result<Self, PayloadError> {
        let Some(provider) = ProviderName::from_name(&envelope.provider) else {
            return Ok(TypedEvent::UnknownProvider {
                provider: envelope.provider.clone(),
                event_type: envelope.event_type.clone(),
            });
        };
        if envelope.event_type == UNPARSED_TYPE {
            return Ok(TypedEvent::Unparsed { provider });
        }
        let unknown = || TypedEvent::UnknownType {
            provider,
            event_type: envelope.event_type.clone(),
        };
        let payload = envelope.payload.get();
        let fail = |model: &'static str| {
            move |source: serde_json::Error| PayloadError {
                provider,
                event_type: envelope.event_type.clone(),
                model,
                json_error: source,
            }
        };
        Ok(match provider {
            ProviderName::Kite => {
                TypedEvent::Kite(serde_json::from_str(payload).map_err(fail("KitePostback"))?)
            }
            ProviderName::Smallcase => {
                match SmallcaseEventKind::from_event_type(&envelope.event_type) {
                    Some(kind) => TypedEvent::Smallcase(
                        SmallcaseEvent::parse(kind, payload).map_err(fail(kind.model_name()))?,
                    ),
                    None => unknown(),
                }
            }
            ProviderName::SnapTrade => {
                if KNOWN_EVENT_TYPES.contains(&envelope.event_type.as_str()) {
                    TypedEvent::SnapTrade(
                        serde_json::from_str(payload).map_err(fail("SnapTradeWebhook"))?,
                    )
                } else {
                    unknown()
                }
            }
            ProviderName::Upvest => match EventType::new(envelope.event_type.as_str()).category() {
                EventCategory::Other(_) => unknown(),
                _ => {
                    TypedEvent::Upvest(serde_json::from_str(payload).map_err(fail("UpvestEvent"))?)
                }
            },
            ProviderName::OneMetric => {
                if OneMetricEventKind::from_envelope_type(&envelope.event_type).is_some() {
                    TypedEvent::OneMetric(
                        serde_json::from_str(payload).map_err(fail("OneMetricEvent"))?,
                    )
                } else {
                    unknown()
                }
            }
        })
    }
}

/// A payload that does not fit the model of its (known) type.
///
/// `Display` and `Debug` name the provider, type, model and the position of the
/// mismatch, never payload values: serde_json's own message can quote them (a name, an
/// email), so it is only available through [`PayloadError::detail`].
#[derive(thiserror::Error)]
#[error(
    "{provider} payload of type {event_type} does not fit {model} ({category} error at line {line}, column {column})",
    category = self.category(),
    line = self.json_error.line(),
    column = self.json_error.column()
)]
pub struct PayloadError {
    pub provider: ProviderName,
    pub event_type: String,
    /// The model's type name, e.g. `KitePostback`.
    pub model: &'static str,
    json_error: serde_json::Error,
}

impl PayloadError {
    /// serde_json's message. It may quote payload values: do not log it.
    pub fn detail(&self) -> &serde_json::Error {
        &self.json_error
    }

    fn category(&self) -> &'static str {
        match self.json_error.classify() {
            serde_json::error::Category::Io => "io",
            serde_json::error::Category::Syntax => "syntax",
            serde_json::error::Category::Data => "data",
            serde_json::error::Category::Eof => "eof",
        }
    }
}

impl fmt::Debug for PayloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PayloadError")
            .field("provider", &self.provider)
            .field("event_type", &self.event_type)
            .field("model", &self.model)
            .field("line", &self.json_error.line())
            .field("column", &self.json_error.column())
            .finish()
    }
}

//! Fallbacks: an authentic event is never refused for its shape. When a field the
//! envelope wants cannot be read, the event is enqueued with a stand-in value and the
//! stand-in is named, so format drift is visible (log line, `unparsed` metric, `fallback`
//! message attribute) instead of losing the event.

use std::fmt;

/// Envelope `type` of an event whose type cannot be read.
pub const UNPARSED_TYPE: &str = "UNPARSED";
/// Envelope `subject` of an event whose subject cannot be read.
pub const UNKNOWN_SUBJECT: &str = "unknown";
/// Name of the SQS message attribute that lists an event's fallbacks.
pub const FALLBACK_ATTRIBUTE: &str = "fallback";

/// One envelope field that could not be read from an authentic event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fallback {
    /// No usable provider event id: `id` is the content hash.
    EventId,
    /// No readable type: `type` is [`UNPARSED_TYPE`].
    EventType,
    /// No readable subject: `subject` is [`UNKNOWN_SUBJECT`].
    Subject,
    /// No readable event time: `occurred_at` is the receive time.
    OccurredAt,
    /// The signed timestamp could not be read, so the freshness rule was not applied
    /// (deduplication by id still holds).
    SignedTimestamp,
}

impl Fallback {
    pub const ALL: [Fallback; 5] = [
        Fallback::EventId,
        Fallback::EventType,
        Fallback::Subject,
        Fallback::OccurredAt,
        Fallback::SignedTimestamp,
    ];

    /// The fixed token written to logs and to the `fallback` attribute.
    pub const fn token(self) -> &'static str {
        match self {
            Fallback::EventId => "id",
            Fallback::EventType => "type",
            Fallback::Subject => "subject",
            Fallback::OccurredAt => "occurred_at",
            Fallback::SignedTimestamp => "signed_timestamp",
        }
    }

    const fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// The fallbacks used for one event; empty for an event read as documented.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Fallbacks(u8);

impl Fallbacks {
    pub const NONE: Fallbacks = Fallbacks(0);

    /// This set plus `fallback` (builder style).
    #[must_use]
    pub const fn with(self, fallback: Fallback) -> Self {
        Fallbacks(self.0 | fallback.bit())
    }

    pub fn insert(&mut self, fallback: Fallback) {
        self.0 |= fallback.bit();
    }

    pub const fn contains(self, fallback: Fallback) -> bool {
        self.0 & fallback.bit() != 0
    }

    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// In the fixed order of [`Fallback::ALL`].
    pub fn iter(self) -> impl Iterator<Item = Fallback> {
        Fallback::ALL.into_iter().filter(move |f| self.contains(*f))
    }
}

impl FromIterator<Fallback> for Fallbacks {
    fn from_iter<I: IntoIterator<Item = Fallback>>(iter: I) -> Self {
        iter.into_iter().fold(Fallbacks::NONE, Fallbacks::with)
    }
}

/// The tokens joined by `,` (e.g. `type,subject`): the attribute value and log reason.
impl fmt::Display for Fallbacks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, fallback) in self.iter().enumerate() {
            if index > 0 {
                f.write_str(",")?;
            }
            f.write_str(fallback.token())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_in_fixed_order() {
        let set = Fallbacks::NONE
            .with(Fallback::SignedTimestamp)
            .with(Fallback::EventType)
            .with(Fallback::EventType);
        assert_eq!(set.to_string(), "type,signed_timestamp");
        assert!(set.contains(Fallback::EventType));
        assert!(!set.contains(Fallback::Subject));
        assert_eq!(Fallbacks::NONE.to_string(), "");
        assert!(Fallbacks::NONE.is_empty());
        let all: Fallbacks = Fallback::ALL.into_iter().collect();
        assert_eq!(
            all.to_string(),
            "id,type,subject,occurred_at,signed_timestamp"
        );
    }
}

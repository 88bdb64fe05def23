//! The fallback contract, as consumers see it.
//!
//! The receiver never refuses an authentic delivery for its shape. When it cannot read a
//! field the envelope needs, it enqueues the event with a stand-in value and names the
//! stand-in in the SQS message attribute [`FALLBACK_ATTRIBUTE`], e.g. `type,subject`.
//! Such events are format drift: the provider sent something the models do not know yet.

/// Envelope `type` of an event whose type could not be read.
pub const UNPARSED_TYPE: &str = "UNPARSED";

/// Envelope `subject` of an event whose subject could not be read.
pub const UNKNOWN_SUBJECT: &str = "unknown";

/// Name of the SQS message attribute (String) that lists an event's fallbacks, as
/// [`Fallback::token`]s joined by `,`. Absent when the event was read as documented.
pub const FALLBACK_ATTRIBUTE: &str = "fallback";

/// One envelope field the receiver could not read and replaced with a stand-in.
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
    /// The signed timestamp could not be read, so the receiver's freshness rule was not
    /// applied (deduplication by id still was).
    SignedTimestamp,
}

impl Fallback {
    /// In the order the receiver writes them.
    pub const ALL: [Fallback; 5] = [
        Fallback::EventId,
        Fallback::EventType,
        Fallback::Subject,
        Fallback::OccurredAt,
        Fallback::SignedTimestamp,
    ];

    /// The token in the [`FALLBACK_ATTRIBUTE`] value.
    pub const fn token(self) -> &'static str {
        match self {
            Fallback::EventId => "id",
            Fallback::EventType => "type",
            Fallback::Subject => "subject",
            Fallback::OccurredAt => "occurred_at",
            Fallback::SignedTimestamp => "signed_timestamp",
        }
    }

    pub fn from_token(token: &str) -> Option<Self> {
        Fallback::ALL.into_iter().find(|f| f.token() == token)
    }

    /// Reads a [`FALLBACK_ATTRIBUTE`] value: each token as a [`Fallback`], or `Err` with
    /// the token when this version does not know it (a newer receiver may add some).
    pub fn parse_attribute(value: &str) -> impl Iterator<Item = Result<Fallback, &str>> {
        value
            .split(',')
            .map(str::trim)
            .filter(|token| !token.is_empty())
            .map(|token| Fallback::from_token(token).ok_or(token))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_the_documented_ones() {
        let tokens: Vec<&str> = Fallback::ALL.into_iter().map(Fallback::token).collect();
        assert_eq!(
            tokens,
            ["id", "type", "subject", "occurred_at", "signed_timestamp"]
        );
        for fallback in Fallback::ALL {
            assert_eq!(Fallback::from_token(fallback.token()), Some(fallback));
        }
    }

    #[test]
    fn attribute_values_parse_and_unknown_tokens_are_named() {
        let parsed: Vec<_> = Fallback::parse_attribute("type,subject,later_token").collect();
        assert_eq!(
            parsed,
            [
                Ok(Fallback::EventType),
                Ok(Fallback::Subject),
                Err("later_token")
            ]
        );
        assert_eq!(Fallback::parse_attribute("").count(), 0);
    }
}

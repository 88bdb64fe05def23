//! Fallbacks: an authentic event is never refused for its shape. When a field the
//! envelope wants cannot be read, the event is enqueued with a stand-in value and the
//! stand-in is named, so format drift is visible (log line, `unparsed` metric, `fallback`
//! message attribute) instead of losing the event.

use std::fmt;

// The names consumers see (the `fallback` attribute's tokens, the stand-in values) are
// defined once, in the consumer-facing models crate.
pub use brokerhooks_models::fallback::{
    FALLBACK_ATTRIBUTE, Fallback, UNKNOWN_SUBJECT, UNPARSED_TYPE,
};

const fn bit(fallback: Fallback) -> u8 {
    1 << (fallback as u8)
}

/// The fallbacks used for one event; empty for an event read as documented.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Fallbacks(u8);

impl Fallbacks {
    pub const NONE: Fallbacks = Fallbacks(0);

    /// This set plus `fallback` (builder style).
    #[must_use]
    pub const fn with(self, fallback: Fallback) -> Self {
        Fallbacks(self.0 | bit(fallback))
    }

    pub fn insert(&mut self, fallback: Fallback) {
        self.0 |= bit(fallback);
    }

    pub const fn contains(self, fallback: Fallback) -> bool {
        self.0 & bit(fallback) != 0
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

//! How an event reached the queue: the `origin` message attribute the receiver sets on
//! every message.

/// The message attribute naming how an event reached the queue.
pub const ORIGIN_ATTRIBUTE: &str = "origin";

/// The `origin` attribute's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventOrigin {
    /// A provider's webhook delivery (every provider but Kite).
    Webhook,
    /// A Kite postback.
    Postback,
    /// Recovered from the provider's own record by a reconciler (Kite's order book): a
    /// postback that never arrived, or arrived but never reached the queue.
    Reconciliation,
}

impl EventOrigin {
    pub const ALL: [EventOrigin; 3] = [
        EventOrigin::Webhook,
        EventOrigin::Postback,
        EventOrigin::Reconciliation,
    ];

    /// The attribute's value.
    pub const fn token(self) -> &'static str {
        match self {
            EventOrigin::Webhook => "webhook",
            EventOrigin::Postback => "postback",
            EventOrigin::Reconciliation => "reconciliation",
        }
    }

    /// The origin an attribute value names; `None` for a value this version does not know.
    pub fn parse(token: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|origin| origin.token() == token)
    }
}

impl std::fmt::Display for EventOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.token())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_origin_reads_back_from_its_token() {
        for origin in EventOrigin::ALL {
            assert_eq!(EventOrigin::parse(origin.token()), Some(origin));
        }
        assert_eq!(EventOrigin::parse("Webhook"), None);
        assert_eq!(EventOrigin::parse(""), None);
    }
}

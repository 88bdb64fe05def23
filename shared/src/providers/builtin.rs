//! The built-in providers by name: the list the registry ([`super::registry`]) and
//! every table-driven tool iterate. A leaf module, so that providers (whose `NAME` is
//! read from here) and configured sources (which may not take these names) can use it
//! while the registry imports them all.

/// One built-in provider. Adding one: README, "Adding a provider".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BuiltIn {
    Kite,
    Smallcase,
    SnapTrade,
    Upvest,
    OneMetric,
}

impl BuiltIn {
    /// Every built-in provider, in the order of the template's provider loop.
    pub const ALL: [BuiltIn; 5] = [
        BuiltIn::Kite,
        BuiltIn::Smallcase,
        BuiltIn::SnapTrade,
        BuiltIn::Upvest,
        BuiltIn::OneMetric,
    ];

    /// The provider's name ([`crate::Provider::NAME`]): its `functions/<name>` binary,
    /// `POST /webhooks/<name>` route, `events/<name>` samples, envelope `provider`, metric
    /// dimension and key prefix.
    pub const fn name(self) -> &'static str {
        match self {
            BuiltIn::Kite => "kite",
            BuiltIn::Smallcase => "smallcase",
            BuiltIn::SnapTrade => "snaptrade",
            BuiltIn::Upvest => "upvest",
            BuiltIn::OneMetric => "onemetric",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        BuiltIn::ALL
            .into_iter()
            .find(|provider| provider.name() == name)
    }

    /// Every built-in provider's name.
    pub fn names() -> impl Iterator<Item = &'static str> {
        BuiltIn::ALL.into_iter().map(BuiltIn::name)
    }
}

impl std::fmt::Display for BuiltIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Exhaustive, without a wildcard: a new variant does not compile until it has a
    /// position here, and then this test fails until `ALL` lists it there.
    fn position(provider: BuiltIn) -> usize {
        match provider {
            BuiltIn::Kite => 0,
            BuiltIn::Smallcase => 1,
            BuiltIn::SnapTrade => 2,
            BuiltIn::Upvest => 3,
            BuiltIn::OneMetric => 4,
        }
    }

    #[test]
    fn all_lists_every_provider_once_in_order() {
        for (index, provider) in BuiltIn::ALL.into_iter().enumerate() {
            assert_eq!(position(provider), index, "{provider:?}");
        }
    }

    #[test]
    fn names_are_distinct_plain_and_found_again() {
        let mut names: Vec<&str> = BuiltIn::names().collect();
        for name in &names {
            assert!(
                name.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
                "{name}"
            );
            assert_eq!(BuiltIn::from_name(name).map(BuiltIn::name), Some(*name));
        }
        names.sort();
        names.dedup();
        assert_eq!(names.len(), BuiltIn::ALL.len());
        assert_eq!(BuiltIn::from_name("generic"), None);
        assert_eq!(BuiltIn::from_name("Kite"), None);
    }
}

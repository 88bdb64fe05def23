//! The built-in providers by name, from the one list of providers: what the registry
//! ([`super::registry`]) and every table-driven tool iterate. A leaf module, so that
//! providers (whose `NAME` is read from here) and configured sources (which may not take
//! these names) can use it while the registry imports them all.

macro_rules! built_in {
    ($($variant:ident => $name:ident),+ $(,)?) => {
        /// One built-in provider, from the one list of providers
        /// (`brokerhooks_models::providers!`). Adding one: README, "Adding a provider".
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum BuiltIn {
            $($variant),+
        }

        impl BuiltIn {
            /// Every built-in provider, in the list's order (the template's provider loop).
            pub const ALL: [BuiltIn; [$(stringify!($name)),+].len()] = [$(BuiltIn::$variant),+];

            /// The provider's name ([`crate::Provider::NAME`]): its `functions/<name>`
            /// binary, `POST /webhooks/<name>` route, `events/<name>` samples, envelope
            /// `provider`, metric dimension and key prefix.
            pub const fn name(self) -> &'static str {
                match self {
                    $(BuiltIn::$variant => stringify!($name)),+
                }
            }
        }
    };
}
brokerhooks_models::providers!(built_in);

impl BuiltIn {
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

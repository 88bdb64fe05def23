//! The providers this version knows, by their envelope `provider` name (from the list,
//! [`crate::providers!`]), and the receiver of configured sources.

use std::fmt;

/// The receiver function that serves configured sources. Its events carry each source's
/// own name as `provider`; every table key it writes starts with `generic#`, as a
/// built-in provider's start with its name.
pub const CONFIGURED_SOURCES_FUNCTION: &str = "generic";

macro_rules! provider_name {
    ($($variant:ident => $name:ident),+ $(,)?) => {
        /// A built-in provider, by its envelope `provider` name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ProviderName {
            $($variant),+
        }

        impl ProviderName {
            /// Every built-in provider, in the list's order.
            pub const ALL: [ProviderName; [$(stringify!($name)),+].len()] =
                [$(ProviderName::$variant),+];

            /// The envelope `provider` value.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ProviderName::$variant => stringify!($name)),+
                }
            }
        }
    };
}

crate::providers!(provider_name);

impl ProviderName {
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == name)
    }
}

impl fmt::Display for ProviderName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

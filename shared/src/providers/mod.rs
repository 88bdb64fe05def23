//! One module per provider: its verifier and its payload models; `generic` verifies the
//! sources declared in configuration.

pub mod generic;
pub mod json_body;
pub mod kite;
pub mod onemetric;
pub mod smallcase;
pub mod snaptrade;

use crate::provider::Provider;

/// The variables (secrets included) a provider's `from_config` reads, by provider name.
/// Each provider module declares `pub const VARIABLES: &[&str]` and gets one line here;
/// tests/tests/infra_template.rs checks that `infra/template.yaml` sets every one of them,
/// together with `config::PIPELINE_VARIABLES`.
pub fn variables(provider: &str) -> Option<&'static [&'static str]> {
    match provider {
        kite::KiteProvider::NAME => Some(kite::VARIABLES),
        onemetric::OneMetricProvider::NAME => Some(onemetric::VARIABLES),
        smallcase::SmallcaseProvider::NAME => Some(smallcase::VARIABLES),
        snaptrade::SnapTradeProvider::NAME => Some(snaptrade::VARIABLES),
        upvest::UpvestProvider::NAME => Some(upvest::VARIABLES),
        _ => None,
    }
}

/// The built-in providers' names, which a configured source may not take. Stands in for
/// the provider registry until it exists (it then takes this list's place).
pub fn built_in_names() -> &'static [&'static str] {
    const NAMES: [&str; 5] = [
        kite::KiteProvider::NAME,
        onemetric::OneMetricProvider::NAME,
        smallcase::SmallcaseProvider::NAME,
        snaptrade::SnapTradeProvider::NAME,
        upvest::UpvestProvider::NAME,
    ];
    &NAMES
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ConfigError, ConfigSource};

    fn from_declared<P: Provider>(
        declared: &[&str],
        except: Option<&str>,
    ) -> Result<P, ConfigError> {
        let pairs = declared
            .iter()
            .filter(|name| Some(**name) != except)
            .map(|name| (*name, "declared-value"));
        P::from_config(&ConfigSource::from_pairs(pairs))
    }

    #[test]
    fn kite_declares_the_variables_it_reads() {
        assert_eq!(variables("kite"), Some(&["KITE_API_SECRET"][..]));
        assert!(from_declared::<kite::KiteProvider>(kite::VARIABLES, None).is_ok());
        assert_eq!(
            from_declared::<kite::KiteProvider>(kite::VARIABLES, Some("KITE_API_SECRET"))
                .unwrap_err(),
            ConfigError::Missing("KITE_API_SECRET")
        );
    }

    #[test]
    fn every_built_in_name_is_a_provider_with_variables() {
        assert_eq!(built_in_names().len(), 5);
        for name in built_in_names() {
            assert!(variables(name).is_some(), "{name}");
        }
    }

    #[test]
    fn unknown_providers_declare_nothing() {
        assert_eq!(variables("nobody"), None);
    }
}
pub mod upvest;

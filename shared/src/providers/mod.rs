//! One module per provider: its verifier and its payload models; `generic` verifies the
//! sources declared in configuration.

pub mod generic;
pub mod json_body;
pub mod kite;
pub mod onemetric;
pub mod smallcase;
pub mod snaptrade;

use std::time::Duration;

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

/// Each provider's default `MAX_EVENT_AGE_SECONDS` ([`Provider::DEFAULT_MAX_EVENT_AGE`]),
/// by provider name; tests/tests/infra_template.rs checks the template's per-function
/// defaults against it.
pub fn default_max_event_age(provider: &str) -> Option<Duration> {
    match provider {
        kite::KiteProvider::NAME => Some(kite::KiteProvider::DEFAULT_MAX_EVENT_AGE),
        onemetric::OneMetricProvider::NAME => {
            Some(onemetric::OneMetricProvider::DEFAULT_MAX_EVENT_AGE)
        }
        smallcase::SmallcaseProvider::NAME => {
            Some(smallcase::SmallcaseProvider::DEFAULT_MAX_EVENT_AGE)
        }
        snaptrade::SnapTradeProvider::NAME => {
            Some(snaptrade::SnapTradeProvider::DEFAULT_MAX_EVENT_AGE)
        }
        upvest::UpvestProvider::NAME => Some(upvest::UpvestProvider::DEFAULT_MAX_EVENT_AGE),
        _ => None,
    }
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
        assert_eq!(default_max_event_age("nobody"), None);
    }

    #[test]
    fn each_provider_has_its_own_age_window_within_the_default_dedupe_ttl() {
        let hours = |h: u64| Some(Duration::from_secs(h * 3600));
        let windows = ["kite", "smallcase", "snaptrade", "upvest", "onemetric"]
            .map(|name| (name, default_max_event_age(name)));
        assert_eq!(
            windows,
            [
                ("kite", hours(30 * 24)),
                ("smallcase", hours(4 * 24)),
                ("snaptrade", hours(24)),
                ("upvest", hours(1)),
                ("onemetric", hours(24)),
            ]
        );
        let ttl = Duration::from_secs(crate::config::DEFAULT_DEDUPE_TTL_SECONDS);
        assert!(windows.iter().all(|(_, window)| window.unwrap() <= ttl));
    }
}
pub mod upvest;

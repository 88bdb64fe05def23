//! The registry of built-in providers: from a [`BuiltIn`] to its [`Provider`] type.
//!
//! [`BuiltIn::visit`] is the one `match` from a name to a type. Everything that runs
//! every provider (the testkit's in-memory pipeline, signers, storm and benchmarks, the
//! template checks) iterates [`BuiltIn::ALL`] and visits, so a provider cannot be left
//! out of one of them: a new variant does not compile until it has an arm here.

use std::time::Duration;

use super::builtin::BuiltIn;
use super::kite::KiteProvider;
use super::onemetric::OneMetricProvider;
use super::smallcase::SmallcaseProvider;
use super::snaptrade::SnapTradeProvider;
use super::upvest::UpvestProvider;
use crate::provider::Provider;

/// Code that runs for one provider type: `BuiltIn::visit` calls `visit::<P>()` with the
/// provider's type.
pub trait ProviderVisitor {
    type Output;
    fn visit<P: Provider>(self) -> Self::Output;
}

/// [`Provider::VARIABLES`] of the visited type (for `BuiltIn` and `Receiver` alike).
pub(super) struct Variables;

impl ProviderVisitor for Variables {
    type Output = &'static [&'static str];
    fn visit<P: Provider>(self) -> Self::Output {
        P::VARIABLES
    }
}

/// [`Provider::DEFAULT_MAX_EVENT_AGE`] of the visited type.
pub(super) struct DefaultMaxEventAge;

impl ProviderVisitor for DefaultMaxEventAge {
    type Output = Duration;
    fn visit<P: Provider>(self) -> Self::Output {
        P::DEFAULT_MAX_EVENT_AGE
    }
}

/// [`Provider::DEFAULT_AWS_RETRY_SECONDS`] of the visited type.
pub(super) struct DefaultAwsRetrySeconds;

impl ProviderVisitor for DefaultAwsRetrySeconds {
    type Output = u64;
    fn visit<P: Provider>(self) -> Self::Output {
        P::DEFAULT_AWS_RETRY_SECONDS
    }
}

impl BuiltIn {
    /// Runs `visitor` with this provider's type.
    pub fn visit<V: ProviderVisitor>(self, visitor: V) -> V::Output {
        match self {
            BuiltIn::Kite => visitor.visit::<KiteProvider>(),
            BuiltIn::Smallcase => visitor.visit::<SmallcaseProvider>(),
            BuiltIn::SnapTrade => visitor.visit::<SnapTradeProvider>(),
            BuiltIn::Upvest => visitor.visit::<UpvestProvider>(),
            BuiltIn::OneMetric => visitor.visit::<OneMetricProvider>(),
        }
    }

    /// The variables (secrets included) the provider reads ([`Provider::VARIABLES`]).
    pub fn variables(self) -> &'static [&'static str] {
        self.visit(Variables)
    }

    /// The provider's own age window ([`Provider::DEFAULT_MAX_EVENT_AGE`]).
    pub fn default_max_event_age(self) -> Duration {
        self.visit(DefaultMaxEventAge)
    }

    /// The provider's own AWS retry budget ([`Provider::DEFAULT_AWS_RETRY_SECONDS`]).
    pub fn default_aws_retry_seconds(self) -> u64 {
        self.visit(DefaultAwsRetrySeconds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ConfigError, ConfigSource};

    struct Name;
    impl ProviderVisitor for Name {
        type Output = &'static str;
        fn visit<P: Provider>(self) -> Self::Output {
            P::NAME
        }
    }

    /// Builds the provider from its declared variables with plain values, one left out.
    struct FromDeclared {
        except: Option<&'static str>,
    }
    impl ProviderVisitor for FromDeclared {
        type Output = Result<(), ConfigError>;
        fn visit<P: Provider>(self) -> Self::Output {
            let pairs = P::VARIABLES
                .iter()
                .filter(|name| Some(**name) != self.except)
                .map(|name| (*name, "declared-value"));
            P::from_config(&ConfigSource::from_pairs(pairs)).map(|_| ())
        }
    }

    #[test]
    fn each_provider_type_has_its_registry_name() {
        for provider in BuiltIn::ALL {
            assert_eq!(provider.visit(Name), provider.name());
        }
    }

    #[test]
    fn kite_declares_the_variables_it_reads() {
        assert_eq!(BuiltIn::Kite.variables(), ["KITE_API_SECRET"]);
        assert_eq!(BuiltIn::Kite.visit(FromDeclared { except: None }), Ok(()));
        assert_eq!(
            BuiltIn::Kite.visit(FromDeclared {
                except: Some("KITE_API_SECRET")
            }),
            Err(ConfigError::Missing("KITE_API_SECRET"))
        );
        for provider in BuiltIn::ALL {
            assert!(!provider.variables().is_empty(), "{provider:?}");
        }
    }

    #[test]
    fn each_provider_has_its_own_age_window_within_the_default_dedupe_ttl() {
        let hours = |h: u64| Duration::from_secs(h * 3600);
        let windows =
            BuiltIn::ALL.map(|provider| (provider.name(), provider.default_max_event_age()));
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
        assert!(windows.iter().all(|(_, window)| *window <= ttl));
    }

    #[test]
    fn kite_rides_out_an_outage_the_others_answer_503_and_are_retried() {
        let budgets = BuiltIn::ALL.map(|p| (p.name(), p.default_aws_retry_seconds()));
        assert_eq!(
            budgets,
            [
                ("kite", 12),
                ("smallcase", 5),
                ("snaptrade", 5),
                ("upvest", 5),
                ("onemetric", 5),
            ]
        );
    }
}

//! The registry: from a [`BuiltIn`] to its [`Provider`] type, and every receiver
//! function ([`Receiver`]: the built-in providers and `generic`).
//!
//! Both come from the one list of providers (`brokerhooks_models::providers!`):
//! [`BuiltIn::visit`] runs a visitor with `providers::<name>::Verifier`, and
//! [`Receiver::ALL`] is every built-in provider then `generic`. Everything that runs every
//! provider (the testkit's in-memory pipeline, signers, storm and benchmarks, the template
//! checks) iterates one of them and visits, so no provider can be left out.

use std::time::Duration;

use super::generic::{self, GenericProvider};
use super::names::BuiltIn;
use crate::pipeline::ports::provider::Provider;

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

macro_rules! registry {
    ($($variant:ident => $name:ident),+ $(,)?) => {
        impl BuiltIn {
            /// Runs `visitor` with this provider's type (`providers::<name>::Verifier`).
            pub fn visit<V: ProviderVisitor>(self, visitor: V) -> V::Output {
                match self {
                    $(BuiltIn::$variant => visitor.visit::<super::$name::Verifier>()),+
                }
            }
        }

        impl Receiver {
            /// Every receiver: the built-in providers in [`BuiltIn::ALL`]'s order, then
            /// `generic`.
            pub const ALL: [Receiver; [$(stringify!($name)),+].len() + 1] =
                [$(Receiver::BuiltIn(BuiltIn::$variant)),+, Receiver::Generic];
        }
    };
}
brokerhooks_models::providers!(registry);

/// One receiver function: one per built-in provider ([`BuiltIn`]) and `generic`, which
/// serves every configured source. What concerns functions rather than providers iterates
/// [`Receiver::ALL`]: `functions/<name>`, the template's function loop, its routes and
/// `dynamodb:LeadingKeys`, the local stack's samples and replay. What only a built-in
/// provider has (its signer and fixtures, the AWS-call counts, the benches) iterates
/// [`BuiltIn::ALL`]; `generic` has per-scheme counterparts instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Receiver {
    BuiltIn(BuiltIn),
    /// Configured sources (`providers::generic`).
    Generic,
}

impl Receiver {
    /// The function's name ([`Provider::NAME`](crate::pipeline::ports::provider::Provider::NAME)): its `functions/<name>` binary,
    /// `events/<name>` samples and the prefix of every table key it writes.
    pub const fn name(self) -> &'static str {
        match self {
            Receiver::BuiltIn(provider) => provider.name(),
            Receiver::Generic => generic::NAME,
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Receiver::ALL
            .into_iter()
            .find(|receiver| receiver.name() == name)
    }

    pub fn names() -> impl Iterator<Item = &'static str> {
        Receiver::ALL.into_iter().map(Receiver::name)
    }

    /// The API route's path: `/webhooks/<name>`, or for `generic`
    /// `/webhooks/generic/{source}` (one route, the source a path parameter).
    pub fn route_path(self) -> String {
        match self {
            Receiver::BuiltIn(provider) => format!("/webhooks/{}", provider.name()),
            Receiver::Generic => format!("/webhooks/{}/{{source}}", generic::NAME),
        }
    }

    /// The `dynamodb:LeadingKeys` pattern the function's role is confined to:
    /// `<name>#*` (a configured source's keys are `generic#<source>#…`).
    pub fn leading_keys(self) -> String {
        format!("{}#*", self.name())
    }

    /// Runs `visitor` with this receiver's provider type.
    pub fn visit<V: ProviderVisitor>(self, visitor: V) -> V::Output {
        match self {
            Receiver::BuiltIn(provider) => provider.visit(visitor),
            Receiver::Generic => visitor.visit::<GenericProvider>(),
        }
    }

    /// The variables (secrets included) the function reads ([`Provider::VARIABLES`](crate::pipeline::ports::provider::Provider::VARIABLES)).
    pub fn variables(self) -> &'static [&'static str] {
        self.visit(Variables)
    }

    /// The function's own age window ([`Provider::DEFAULT_MAX_EVENT_AGE`](crate::pipeline::ports::provider::Provider::DEFAULT_MAX_EVENT_AGE)).
    pub fn default_max_event_age(self) -> Duration {
        self.visit(DefaultMaxEventAge)
    }

    /// The function's own AWS retry budget ([`Provider::DEFAULT_AWS_RETRY_SECONDS`](crate::pipeline::ports::provider::Provider::DEFAULT_AWS_RETRY_SECONDS)).
    pub fn default_aws_retry_seconds(self) -> u64 {
        self.visit(DefaultAwsRetrySeconds)
    }
}

impl From<BuiltIn> for Receiver {
    fn from(provider: BuiltIn) -> Self {
        Receiver::BuiltIn(provider)
    }
}

impl std::fmt::Display for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
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
        assert_eq!(
            Receiver::from(BuiltIn::Kite).variables(),
            ["KITE_API_SECRET"]
        );
        assert_eq!(BuiltIn::Kite.visit(FromDeclared { except: None }), Ok(()));
        assert_eq!(
            BuiltIn::Kite.visit(FromDeclared {
                except: Some("KITE_API_SECRET")
            }),
            Err(ConfigError::Missing("KITE_API_SECRET"))
        );
        for provider in BuiltIn::ALL {
            assert!(
                !Receiver::from(provider).variables().is_empty(),
                "{provider:?}"
            );
        }
    }

    /// Each provider's own values are in its tests; here what holds for every one.
    #[test]
    fn each_provider_has_its_own_age_window_within_the_default_dedupe_ttl() {
        let ttl = Duration::from_secs(crate::config::DEFAULT_DEDUPE_TTL_SECONDS);
        for provider in BuiltIn::ALL {
            let window = Receiver::from(provider).default_max_event_age();
            assert!(
                window > Duration::ZERO && window <= ttl,
                "{provider}: {window:?}"
            );
        }
    }

    #[test]
    fn each_providers_aws_budget_fits_two_calls_and_the_completion_in_api_gateways_30_s() {
        for provider in BuiltIn::ALL {
            let seconds = Receiver::from(provider).default_aws_retry_seconds();
            assert!(
                (1..=crate::config::MAX_AWS_RETRY_SECONDS).contains(&seconds),
                "{provider}: {seconds}"
            );
        }
    }

    #[test]
    fn every_built_in_provider_then_generic_each_with_its_type() {
        let built_in: Vec<Receiver> = BuiltIn::ALL.into_iter().map(Receiver::from).collect();
        let count = BuiltIn::ALL.len();
        assert_eq!(Receiver::ALL[..count], built_in[..]);
        assert_eq!(Receiver::ALL[count..], [Receiver::Generic]);
        for receiver in Receiver::ALL {
            assert_eq!(receiver.visit(Name), receiver.name());
            assert_eq!(Receiver::from_name(receiver.name()), Some(receiver));
        }
        assert_eq!(Receiver::from_name("acme"), None);
    }

    #[test]
    fn generic_has_one_route_with_the_source_as_a_parameter_and_its_own_keys() {
        for provider in BuiltIn::ALL {
            assert_eq!(
                Receiver::from(provider).route_path(),
                format!("/webhooks/{provider}")
            );
        }
        assert_eq!(Receiver::Generic.route_path(), "/webhooks/generic/{source}");
        assert_eq!(Receiver::Generic.leading_keys(), "generic#*");
        assert_eq!(Receiver::Generic.variables(), ["GENERIC_SOURCES"]);
    }

    /// Each source's tolerance is minutes; the function's window only caps it, at a day,
    /// within the default dedupe TTL (so claims outlive every accepted signed time).
    #[test]
    fn generic_caps_configured_tolerances_at_a_day() {
        let window = Receiver::Generic.default_max_event_age();
        assert_eq!(window, Duration::from_secs(86_400));
        assert!(window > generic::DEFAULT_TOLERANCE);
        assert!(window <= Duration::from_secs(crate::config::DEFAULT_DEDUPE_TTL_SECONDS));
    }
}

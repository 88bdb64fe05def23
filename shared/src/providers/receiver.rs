//! Every webhook receiver function: one per built-in provider ([`BuiltIn`]) and
//! `generic`, which serves every configured source. The list the tools iterate that
//! concern functions rather than providers: `functions/<name>`, the template's function
//! loop, its routes and `dynamodb:LeadingKeys`, the local stack's samples and replay.
//!
//! What only a built-in provider has (one signer per provider type, the storm's and the
//! negative matrix's per-provider fixtures, the AWS-call counts, the benches) iterates
//! [`BuiltIn::ALL`]; `generic` has its per-scheme counterparts in
//! `providers::generic`'s tests and the testkit's generic tests instead.

use std::time::Duration;

use super::builtin::BuiltIn;
use super::generic::{self, GenericProvider};
use super::registry::{DefaultAwsRetrySeconds, DefaultMaxEventAge, ProviderVisitor, Variables};

/// One receiver function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Receiver {
    BuiltIn(BuiltIn),
    /// Configured sources (`providers::generic`).
    Generic,
}

impl Receiver {
    /// Every receiver: the built-in providers in [`BuiltIn::ALL`]'s order, then `generic`.
    pub const ALL: [Receiver; 6] = [
        Receiver::BuiltIn(BuiltIn::Kite),
        Receiver::BuiltIn(BuiltIn::Smallcase),
        Receiver::BuiltIn(BuiltIn::SnapTrade),
        Receiver::BuiltIn(BuiltIn::Upvest),
        Receiver::BuiltIn(BuiltIn::OneMetric),
        Receiver::Generic,
    ];

    /// The function's name ([`Provider::NAME`](crate::provider::Provider::NAME)): its `functions/<name>` binary,
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

    /// The variables (secrets included) the function reads ([`Provider::VARIABLES`](crate::provider::Provider::VARIABLES)).
    pub fn variables(self) -> &'static [&'static str] {
        self.visit(Variables)
    }

    /// The function's own age window ([`Provider::DEFAULT_MAX_EVENT_AGE`](crate::provider::Provider::DEFAULT_MAX_EVENT_AGE)).
    pub fn default_max_event_age(self) -> Duration {
        self.visit(DefaultMaxEventAge)
    }

    /// The function's own AWS retry budget ([`Provider::DEFAULT_AWS_RETRY_SECONDS`](crate::provider::Provider::DEFAULT_AWS_RETRY_SECONDS)).
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
    use crate::provider::Provider;

    struct Name;
    impl ProviderVisitor for Name {
        type Output = &'static str;
        fn visit<P: Provider>(self) -> Self::Output {
            P::NAME
        }
    }

    #[test]
    fn every_built_in_provider_then_generic_each_with_its_type() {
        let built_in: Vec<Receiver> = BuiltIn::ALL.into_iter().map(Receiver::from).collect();
        assert_eq!(Receiver::ALL[..5], built_in[..]);
        assert_eq!(Receiver::ALL[5], Receiver::Generic);
        for receiver in Receiver::ALL {
            assert_eq!(receiver.visit(Name), receiver.name());
            assert_eq!(Receiver::from_name(receiver.name()), Some(receiver));
        }
        assert_eq!(Receiver::from_name("acme"), None);
    }

    #[test]
    fn generic_has_one_route_with_the_source_as_a_parameter_and_its_own_keys() {
        assert_eq!(
            Receiver::ALL.map(Receiver::route_path),
            [
                "/webhooks/kite",
                "/webhooks/smallcase",
                "/webhooks/snaptrade",
                "/webhooks/upvest",
                "/webhooks/onemetric",
                "/webhooks/generic/{source}",
            ]
        );
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

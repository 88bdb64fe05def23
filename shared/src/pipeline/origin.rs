//! Whom a delivery's events are from, as the pipeline writes it: the envelope's
//! `provider`, the log and metric field, the FIFO group prefix, and the prefix of every
//! table key (which IAM's `dynamodb:LeadingKeys` condition confines each function to).

use std::borrow::Cow;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    name: Cow<'static, str>,
    /// The function's provider (`generic` for a configured source).
    function: &'static str,
    key_prefix: String,
}

impl Origin {
    /// A provider with one name: it names the events; keys are `<name>#…`.
    pub fn provider(name: &'static str) -> Self {
        Origin {
            name: Cow::Borrowed(name),
            function: name,
            key_prefix: format!("{name}#"),
        }
    }

    /// One of several named sources one provider serves (configured sources): the source
    /// names the events; keys are `<provider>#<source>#…`, so they still start with the
    /// provider's own prefix.
    pub fn source(provider: &'static str, source: &str) -> Self {
        Origin {
            name: Cow::Owned(source.to_owned()),
            function: provider,
            key_prefix: format!("{provider}#{source}#"),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The provider whose function serves these events: the name itself, or for a
    /// configured source `generic` (the metrics' `function` dimension, which its alarms use).
    pub fn function(&self) -> &'static str {
        self.function
    }

    /// Whether this is one of several named sources of one function.
    pub fn is_source(&self) -> bool {
        self.name != self.function
    }

    /// What every table key of these events starts with (ends with `#`).
    pub fn key_prefix(&self) -> &str {
        &self.key_prefix
    }

    /// The claim key of one event.
    pub fn event_key(&self, event_id: &str) -> String {
        format!("{}{event_id}", self.key_prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_keeps_its_providers_key_prefix() {
        let kite = Origin::provider("kite");
        assert_eq!(
            (kite.name(), kite.event_key("e1").as_str()),
            ("kite", "kite#e1")
        );
        let source = Origin::source("generic", "acme");
        assert_eq!(source.name(), "acme");
        assert_eq!(source.key_prefix(), "generic#acme#");
        assert_eq!(source.event_key("e1"), "generic#acme#e1");
        assert_eq!((kite.function(), kite.is_source()), ("kite", false));
        assert_eq!((source.function(), source.is_source()), ("generic", true));
    }
}

//! Provider secrets with rotation: a comma-separated list, any of which may match.

use std::fmt;

/// One or more secret values for a provider, in configured order.
///
/// `Debug` never prints the values, so a config struct holding one can be logged.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretList {
    values: Vec<String>,
}

impl SecretList {
    /// Splits a comma-separated list, trimming whitespace and dropping empty items.
    /// `None` when no value remains.
    pub fn parse(raw: &str) -> Option<Self> {
        let values: Vec<String> = raw
            .split(',')
            .map(str::trim)
            .filter(|value| !value.is_empty())
            .map(str::to_owned)
            .collect();
        (!values.is_empty()).then_some(SecretList { values })
    }

    /// A list from values given one by one (e.g. a JSON array), kept as they are: a
    /// secret may then contain a comma. `None` when there is none or one is empty.
    pub fn from_values(values: impl IntoIterator<Item = String>) -> Option<Self> {
        let values: Vec<String> = values.into_iter().collect();
        (!values.is_empty() && values.iter().all(|value| !value.is_empty()))
            .then_some(SecretList { values })
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Iterates the secrets in configured order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.values.iter().map(String::as_str)
    }

    /// Position of the first secret for which `matches` is true.
    ///
    /// Every secret is tried even after a match, so the time taken does not tell which
    /// position matched; `matches` itself must compare in constant time.
    pub fn position_matching(&self, mut matches: impl FnMut(&str) -> bool) -> Option<usize> {
        let mut found = None;
        for (index, secret) in self.values.iter().enumerate() {
            if matches(secret) && found.is_none() {
                found = Some(index);
            }
        }
        found
    }
}

impl fmt::Debug for SecretList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretList({} redacted)", self.values.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rotation_lists() {
        let list = SecretList::parse(" old , new ,,").expect("two secrets");
        assert_eq!(list.iter().collect::<Vec<_>>(), ["old", "new"]);
        assert_eq!(list.position_matching(|s| s == "new"), Some(1));
        assert_eq!(list.position_matching(|s| s == "other"), None);
        assert_eq!(SecretList::parse(" , "), None);
        assert_eq!(SecretList::parse(""), None);
    }

    #[test]
    fn values_given_one_by_one_keep_commas_and_spaces() {
        let list = SecretList::from_values(["a,b".to_owned(), " c ".to_owned()]).unwrap();
        assert_eq!(list.iter().collect::<Vec<_>>(), ["a,b", " c "]);
        assert_eq!(SecretList::from_values(Vec::new()), None);
        assert_eq!(
            SecretList::from_values(["a".to_owned(), String::new()]),
            None
        );
    }

    #[test]
    fn debug_never_shows_values() {
        let list = SecretList::parse("s3cr3t").expect("one secret");
        assert_eq!(format!("{list:?}"), "SecretList(1 redacted)");
    }
}

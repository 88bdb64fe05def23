//! The local test secrets, one file per function: `events/<function>/local.env` (never
//! real secrets). The dev stack configures the functions with all of them, and the
//! signers sign sample events with them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The name of each function's local secrets file, in `events/<function>/`.
pub const LOCAL_ENV_FILE: &str = "local.env";

/// The repository root (parent of this crate).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// `NAME=value` lines; `#` comments and blank lines skipped; values are taken verbatim,
/// except that a value wrapped in single quotes (dotenv's literal form, needed for JSON
/// such as `UPVEST_VERIFY_KEYS`) loses the quotes.
#[derive(Debug, Clone, Default)]
pub struct LocalSecrets {
    values: HashMap<String, String>,
}

impl LocalSecrets {
    pub fn load(path: &Path) -> std::io::Result<Self> {
        Ok(Self::parse(&std::fs::read_to_string(path)?))
    }

    /// Every function's local secrets of this repository (`events/*/local.env`).
    pub fn load_default() -> std::io::Result<Self> {
        Self::load_dir(&repo_root().join("events"))
    }

    /// Every `<events_dir>/*/local.env`, merged. A variable set in two of them is an error:
    /// the functions share one environment locally.
    pub fn load_dir(events_dir: &Path) -> std::io::Result<Self> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(events_dir)?
            .filter_map(Result::ok)
            .map(|entry| entry.path().join(LOCAL_ENV_FILE))
            .filter(|path| path.is_file())
            .collect();
        files.sort();
        let mut merged = LocalSecrets::default();
        for file in files {
            for (name, value) in Self::load(&file)?.values {
                if merged.values.insert(name.clone(), value).is_some() {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        format!("{name} is set twice (again in {})", file.display()),
                    ));
                }
            }
        }
        Ok(merged)
    }

    pub fn parse(text: &str) -> Self {
        let values = text
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .filter_map(|line| line.split_once('='))
            .map(|(k, v)| (k.trim().to_owned(), unquote(v).to_owned()))
            .collect();
        LocalSecrets { values }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// The first value of a comma-separated list: what the signers sign with.
    pub fn primary(&self, name: &str) -> Option<&str> {
        self.get(name)?
            .split(',')
            .map(str::trim)
            .find(|s| !s.is_empty())
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

fn unquote(value: &str) -> &str {
    value
        .strip_prefix('\'')
        .and_then(|rest| rest.strip_suffix('\''))
        .unwrap_or(value)
}

/// `NAME=value` for an env file read by dotenv-style parsers (`cargo lambda watch
/// --env-file`): a value with quotes, `#`, `\\` or whitespace is written in single quotes,
/// which those parsers take literally.
pub fn env_file_line(name: &str, value: &str) -> String {
    let needs_quotes = value
        .chars()
        .any(|c| matches!(c, '"' | '\'' | '#' | '\\' | '$') || c.is_whitespace());
    if needs_quotes && !value.contains('\'') {
        format!("{name}='{value}'")
    } else {
        format!("{name}={value}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_json_survives_a_round_trip() {
        let text = "# c\nPLAIN=a,b\nJSON='{\"keys\":[{\"kid\":\"k\"}]}'\nLONE='\n";
        let secrets = LocalSecrets::parse(text);
        assert_eq!(secrets.get("PLAIN"), Some("a,b"));
        assert_eq!(secrets.get("JSON"), Some(r#"{"keys":[{"kid":"k"}]}"#));
        assert_eq!(secrets.get("LONE"), Some("'"));
        assert_eq!(env_file_line("PLAIN", "a,b"), "PLAIN=a,b");
        assert_eq!(
            env_file_line("JSON", r#"{"keys":[]}"#),
            r#"JSON='{"keys":[]}'"#
        );
        let line = env_file_line("JSON", r#"{"keys":[{"kid":"k"}]}"#);
        assert_eq!(
            LocalSecrets::parse(&line).get("JSON"),
            Some(r#"{"keys":[{"kid":"k"}]}"#)
        );
    }
}

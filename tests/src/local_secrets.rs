//! The local test secrets in `events/local.env` (never real secrets): the dev stack
//! configures the functions with them and the signers sign sample events with them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// `events/local.env` of this repository.
pub fn default_path() -> PathBuf {
    repo_root().join("events").join("local.env")
}

/// The repository root (parent of this crate).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// `NAME=value` lines; `#` comments and blank lines skipped; values are taken verbatim.
#[derive(Debug, Clone, Default)]
pub struct LocalSecrets {
    values: HashMap<String, String>,
}

impl LocalSecrets {
    pub fn load(path: &Path) -> std::io::Result<Self> {
        Ok(Self::parse(&std::fs::read_to_string(path)?))
    }

    pub fn load_default() -> std::io::Result<Self> {
        Self::load(&default_path())
    }

    pub fn parse(text: &str) -> Self {
        let values = text
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .filter_map(|line| line.split_once('='))
            .map(|(k, v)| (k.trim().to_owned(), v.to_owned()))
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

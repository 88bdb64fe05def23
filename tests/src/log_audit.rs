//! Finds secrets, signature values and payload e-mail addresses in captured logs.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use brokerhooks::providers::generic::SOURCES_VARIABLE;

use crate::api_gateway_event::Delivery;
use crate::local_secrets::LocalSecrets;

/// Variables in events/<function>/local.env that hold public material, not secrets.
const PUBLIC_VARIABLES: &[&str] = &[
    "UPVEST_VERIFY_KEYS",
    "ONEMETRIC_ALLOWED_IPS",
    "UPVEST_SIGNATURE_GRACE_SECONDS",
    "UPVEST_WEBHOOK_IDS",
];
/// Header names whose values are signatures (and any name ending in `-signature`, as
/// configured sources' headers do: `webhook-signature`, `x-acme-signature`).
const SIGNATURE_HEADERS: &[&str] = &["signature", "signature-input", "digest"];
/// Body fields whose values are checksums or shared secrets.
const SECRET_FIELDS: &[&str] = &["checksum", "webhookSecret"];

/// What must never appear in a log, each with a label saying what it is.
#[derive(Debug, Default)]
pub struct Forbidden {
    pub needles: BTreeSet<(String, String)>,
}

impl Forbidden {
    pub fn add(&mut self, label: &str, value: &str) {
        // Very short values (e.g. "1") would match by accident and prove nothing.
        if value.len() >= 8 {
            self.needles.insert((label.to_owned(), value.to_owned()));
        }
    }

    /// Secret values from the local env file (every item of a comma-separated list).
    pub fn add_secrets(&mut self, secrets: &LocalSecrets) {
        for (name, value) in secrets.iter() {
            if PUBLIC_VARIABLES.contains(&name) {
                continue;
            }
            if name == SOURCES_VARIABLE {
                self.add_source_secrets(value);
                continue;
            }
            for item in value.split(',') {
                self.add(&format!("secret {name}"), item.trim());
            }
        }
    }

    /// The configured sources' secrets: every item of each source's `secrets` list (the
    /// rest of the document is configuration, not secret).
    fn add_source_secrets(&mut self, document: &str) {
        let Ok(document) = serde_json::from_str::<Value>(document) else {
            return;
        };
        let sources = document["sources"].as_object().into_iter().flatten();
        for (name, entry) in sources {
            let secrets = entry["secrets"].as_array().into_iter().flatten();
            for secret in secrets.filter_map(Value::as_str) {
                self.add(&format!("secret of source {name}"), secret);
            }
        }
    }

    /// Signature headers, checksum fields and e-mail addresses of one delivery.
    pub fn add_delivery(&mut self, delivery: &Delivery) {
        for (name, value) in &delivery.headers {
            if SIGNATURE_HEADERS.contains(&name.as_str()) || name.ends_with("-signature") {
                self.add(&format!("header {name}"), value);
            }
        }
        if let Ok(body) = serde_json::from_slice::<Value>(&delivery.body) {
            self.add_from_value(&body);
        }
    }

    fn add_from_value(&mut self, value: &Value) {
        match value {
            Value::Object(map) => {
                for (key, item) in map {
                    if let (true, Some(text)) =
                        (SECRET_FIELDS.contains(&key.as_str()), item.as_str())
                    {
                        self.add(&format!("field {key}"), text);
                    }
                    self.add_from_value(item);
                }
            }
            Value::Array(items) => items.iter().for_each(|item| self.add_from_value(item)),
            Value::String(text) if looks_like_email(text) => self.add("e-mail", text),
            _ => {}
        }
    }

    /// Every (label, value) that occurs in `text`.
    pub fn findings(&self, text: &str) -> Vec<(String, String)> {
        self.needles
            .iter()
            .filter(|(_, needle)| text.contains(needle.as_str()))
            .cloned()
            .collect()
    }
}

fn looks_like_email(text: &str) -> bool {
    match text.split_once('@') {
        Some((user, domain)) => !user.is_empty() && domain.contains('.') && !text.contains(' '),
        None => false,
    }
}

/// Everything the sample events under `events/` must keep out of logs.
pub fn forbidden_from_events(events_dir: &Path) -> Forbidden {
    let mut forbidden = Forbidden::default();
    if let Ok(secrets) = LocalSecrets::load_dir(events_dir) {
        forbidden.add_secrets(&secrets);
    }
    let providers = std::fs::read_dir(events_dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok);
    for provider in providers.filter(|entry| entry.path().is_dir()) {
        let name = provider.file_name().to_string_lossy().into_owned();
        for file in crate::replay::event_files(events_dir, &name) {
            if let Ok(delivery) = crate::replay::read_event_file(&file) {
                forbidden.add_delivery(&delivery);
            }
        }
    }
    forbidden
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_what_it_is_told_to() {
        let mut forbidden = Forbidden::default();
        forbidden.add_secrets(&LocalSecrets::parse(
            "KITE_API_SECRET=first-secret, second-secret\nUPVEST_VERIFY_KEYS={\"keys\":[]}",
        ));
        let delivery = Delivery::post(
            "/",
            r#"{"checksum":"abcdef0123456789","user":{"email":"a.b@example.com"}}"#,
        )
        .with_header("signature", "sig1=:c2lnbmF0dXJl:");
        forbidden.add_delivery(&delivery);
        let log =
            r#"{"msg":"x second-secret"} a.b@example.com abcdef0123456789 sig1=:c2lnbmF0dXJl:"#;
        let labels: Vec<String> = forbidden
            .findings(log)
            .into_iter()
            .map(|(l, _)| l)
            .collect();
        assert_eq!(
            labels,
            [
                "e-mail",
                "field checksum",
                "header signature",
                "secret KITE_API_SECRET"
            ]
        );
        assert!(forbidden.findings(r#"{"msg":"first-secre"}"#).is_empty());
        assert!(!forbidden.needles.iter().any(|(l, _)| l.contains("UPVEST")));
    }

    #[test]
    fn configured_sources_give_their_secrets_and_signature_headers() {
        let mut forbidden = Forbidden::default();
        forbidden.add_secrets(&LocalSecrets::parse(
            r#"GENERIC_SOURCES='{"sources":{"a":{"scheme":"hmac","secrets":["secret-of-a-1","secret-of-a-2"]}}}'"#,
        ));
        forbidden.add_delivery(
            &Delivery::post("/", "{}").with_header("X-Acme-Signature", "sha256=0123456789"),
        );
        let needles: Vec<(&str, &str)> = forbidden
            .needles
            .iter()
            .map(|(l, v)| (l.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            needles,
            [
                ("header x-acme-signature", "sha256=0123456789"),
                ("secret of source a", "secret-of-a-1"),
                ("secret of source a", "secret-of-a-2"),
            ]
        );
    }
}

//! The sources document: the three failure outcomes, precise value-free reasons, names.

use super::*;
use crate::config::{ConfigError, ConfigSource};
use crate::providers::BuiltIn;

const WHSEC: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const HMAC_SECRET: &str = "hmac-secret-do-not-print";
const TOKEN: &str = "token-do-not-print-0123456789";

fn hmac_entry() -> Value {
    json!({"scheme": "hmac", "secrets": [HMAC_SECRET], "header": "x-sig", "algorithm": "sha256", "encoding": "hex"})
}

fn document_error(document: &str) -> String {
    Sources::parse(document).unwrap_err().to_string()
}

#[test]
fn a_document_that_does_not_parse_refuses_the_whole_function() {
    let cases = [
        (
            format!(r#"{{"sources": {{"a": {{"secrets": ["{HMAC_SECRET}"]"#),
            "not valid JSON (it ends too early) at line 1, column 58".to_owned(),
        ),
        (
            format!(r#"{{"sources": {{"a": {{"secrets": [{HMAC_SECRET}]}}}}}}"#),
            "not valid JSON at line 1, column 32".to_owned(),
        ),
        (
            r#"{"sources": {"a": {}, "a": {}}}"#.to_owned(),
            "a key repeated in one object at line 1, column 25".to_owned(),
        ),
        (
            "[]".to_owned(),
            "the document: must be a JSON object".to_owned(),
        ),
        ("{}".to_owned(), "/sources: is required".to_owned()),
        (
            r#"{"sources": []}"#.to_owned(),
            "/sources: must be a JSON object of sources by name".to_owned(),
        ),
        (
            r#"{"sources": {}, "source": {}}"#.to_owned(),
            "the document: has an unknown field (allowed here: sources)".to_owned(),
        ),
    ];
    for (document, expected) in cases {
        assert_eq!(document_error(&document), expected, "{document}");
        let config = ConfigSource::from_pairs([(SOURCES_VARIABLE, document.as_str())]);
        assert_eq!(
            Sources::from_config(&config).unwrap_err(),
            ConfigError::Invalid {
                name: "GENERIC_SOURCES",
                reason: expected.clone(),
            }
        );
        assert!(!expected.contains(HMAC_SECRET));
    }
    assert_eq!(
        Sources::from_config(&ConfigSource::from_pairs([(SOURCES_VARIABLE, " ")])).unwrap_err(),
        ConfigError::Missing("GENERIC_SOURCES")
    );
    assert_eq!(
        Sources::from_config(&ConfigSource::default())
            .unwrap_err()
            .to_string(),
        "required variable GENERIC_SOURCES is missing or empty"
    );
}

#[test]
fn one_invalid_source_answers_500_while_the_others_serve_and_unknown_is_404() {
    let document = json!({"sources": {
        "good": hmac_entry(),
        "broken": {"scheme": "hmac", "secrets": [HMAC_SECRET], "header": "x-sig", "algorithm": "md5", "encoding": "hex"},
        "also-good": {"scheme": "url-token", "secrets": [TOKEN]}
    }})
    .to_string();
    let config = ConfigSource::from_pairs([(SOURCES_VARIABLE, document)]);
    let sources = Sources::from_config(&config).unwrap();
    let mut valid: Vec<&str> = sources.valid().keys().map(String::as_str).collect();
    valid.sort_unstable();
    assert_eq!(valid, ["also-good", "good"]);
    assert_eq!(sources.lookup("good").unwrap().name(), "good");
    assert_eq!(
        sources.lookup("also-good").unwrap().scheme().name(),
        "url-token"
    );
    let broken = sources.lookup("broken").unwrap_err();
    assert_eq!(
        (broken.status(), broken),
        (500, WebhookError::Misconfigured)
    );
    assert_eq!(
        sources.invalid()["broken"].to_string(),
        "/sources/broken/algorithm: must be one of \"sha256\", \"sha512\""
    );
    let unknown = sources.lookup("nobody").unwrap_err();
    assert_eq!((unknown.status(), unknown), (404, WebhookError::NotFound));
    assert_eq!(sources.lookup("").unwrap_err(), WebhookError::NotFound);
    assert_eq!(sources.lookup("GOOD").unwrap_err(), WebhookError::NotFound);
}

#[test]
fn no_sources_is_valid_and_everything_is_404() {
    let sources = Sources::parse(r#"{"sources": {}}"#).unwrap();
    assert!(sources.valid().is_empty() && sources.invalid().is_empty());
    assert_eq!(sources.lookup("acme").unwrap_err(), WebhookError::NotFound);
}

#[test]
fn a_receiver_name_is_refused() {
    for name in BuiltIn::names().chain(["generic"]) {
        let document = json!({"sources": {name: hmac_entry(), "mine": hmac_entry()}}).to_string();
        let sources = Sources::parse(&document).unwrap();
        assert_eq!(
            sources.invalid()[name].to_string(),
            format!(
                "/sources/{name}: a source may not take a receiver's name (a built-in provider or generic)"
            )
        );
        assert_eq!(
            sources.lookup(name).unwrap_err(),
            WebhookError::Misconfigured
        );
        assert!(sources.lookup("mine").is_ok());
    }
}

#[test]
fn a_name_that_is_not_plain_is_refused_and_not_printed() {
    let document = json!({"sources": {
        "Acme": hmac_entry(),
        "acme_orders": hmac_entry(),
        HMAC_SECRET.to_owned() + "+/=": hmac_entry(),
    }})
    .to_string();
    let sources = Sources::parse(&document).unwrap();
    let reason = "a source name must be 1 to 64 characters of a-z, 0-9 and -";
    assert_eq!(
        sources.invalid()["Acme"].to_string(),
        format!("/sources/*: {reason}")
    );
    assert_eq!(
        sources.invalid()["acme_orders"].to_string(),
        format!("/sources/*: {reason}")
    );
    assert_eq!(
        sources.invalid()[&(HMAC_SECRET.to_owned() + "+/=")].to_string(),
        format!("/sources/*: {reason}")
    );
}

#[test]
fn each_invalid_field_is_named_with_a_fixed_reason() {
    let hmac = |extra: Value| {
        let mut entry = hmac_entry();
        if let (Some(entry), Some(extra)) = (entry.as_object_mut(), extra.as_object()) {
            entry.extend(extra.clone());
        }
        entry
    };
    let cases = [
        (json!([]), "/sources/acme: must be a JSON object"),
        (
            json!({"secrets": [HMAC_SECRET]}),
            "/sources/acme/scheme: is required",
        ),
        (
            json!({"scheme": "basic", "secrets": [HMAC_SECRET]}),
            "/sources/acme/scheme: must be one of \"standard-webhooks\", \"hmac\", \"url-token\"",
        ),
        (
            json!({"scheme": "url-token"}),
            "/sources/acme/secrets: is required",
        ),
        (
            json!({"scheme": "url-token", "secrets": []}),
            "/sources/acme/secrets: must be a list of one or more secrets",
        ),
        (
            json!({"scheme": "url-token", "secrets": TOKEN}),
            "/sources/acme/secrets: must be a list of one or more secrets",
        ),
        (
            json!({"scheme": "url-token", "secrets": [TOKEN, ""]}),
            "/sources/acme/secrets/1: must be a non-empty string",
        ),
        (
            json!({"scheme": "url-token", "secrets": [TOKEN, 7]}),
            "/sources/acme/secrets/1: must be a non-empty string",
        ),
        (
            json!({"scheme": "url-token", "secrets": ["short-token"]}),
            "/sources/acme/secrets/0: a token must be at least 16 characters (e.g. openssl rand -hex 32)",
        ),
        (
            json!({"scheme": "url-token", "secrets": [TOKEN], "parameter": ""}),
            "/sources/acme/parameter: must be a non-empty string",
        ),
        (
            json!({"scheme": "url-token", "secrets": [TOKEN], "header": "x-sig"}),
            "/sources/acme: has an unknown field (allowed here: scheme, secrets, envelope, parameter)",
        ),
        (
            json!({"scheme": "standard-webhooks", "secrets": [WHSEC, "whsec_%%%"]}),
            "/sources/acme/secrets/1: must be whsec_ followed by the base64 of a key of at least 16 bytes",
        ),
        (
            json!({"scheme": "standard-webhooks", "secrets": ["whsec_"]}),
            "/sources/acme/secrets/0: must be whsec_ followed by the base64 of a key of at least 16 bytes",
        ),
        (
            // 15 bytes of key: guessable offline from one captured delivery.
            json!({"scheme": "standard-webhooks", "secrets": [WHSEC, "whsec_MDEyMzQ1Njc4OWFiY2Rl"]}),
            "/sources/acme/secrets/1: must be whsec_ followed by the base64 of a key of at least 16 bytes",
        ),
        (
            json!({"scheme": "hmac", "secrets": [HMAC_SECRET, "s"], "header": "x-sig", "algorithm": "sha256", "encoding": "hex"}),
            "/sources/acme/secrets/1: an hmac secret must be at least 16 bytes (e.g. openssl rand -hex 32)",
        ),
        (
            json!({"scheme": "hmac", "secrets": ["0123456789abcde"], "header": "x-sig", "algorithm": "sha256", "encoding": "hex"}),
            "/sources/acme/secrets/0: an hmac secret must be at least 16 bytes (e.g. openssl rand -hex 32)",
        ),
        (
            // Whoever holds the URL could pre-empt a genuine event with a forged one of its id.
            json!({"scheme": "url-token", "secrets": [TOKEN], "envelope": {"id": "/id"}}),
            "/sources/acme/envelope/id: a url-token source signs nothing, so its events are keyed by their content: map no id",
        ),
        (
            json!({"scheme": "standard-webhooks", "secrets": [WHSEC], "tolerance_seconds": 0}),
            "/sources/acme/tolerance_seconds: must be a whole number of at least 1",
        ),
        (
            json!({"scheme": "standard-webhooks", "secrets": [WHSEC], "tolerance_seconds": "300"}),
            "/sources/acme/tolerance_seconds: must be a whole number of at least 1",
        ),
        (
            json!({"scheme": "hmac", "secrets": [HMAC_SECRET], "algorithm": "sha256", "encoding": "hex"}),
            "/sources/acme/header: is required",
        ),
        (
            hmac(json!({"header": "x sig"})),
            "/sources/acme/header: must be an HTTP header name",
        ),
        (
            hmac(json!({"algorithm": null})),
            "/sources/acme/algorithm: must be a string",
        ),
        (
            hmac(json!({"encoding": "base64url"})),
            "/sources/acme/encoding: must be one of \"hex\", \"base64\"",
        ),
        (
            hmac(json!({"prefix": "sha256=,"})),
            "/sources/acme/prefix: must be visible ASCII without commas",
        ),
        (
            hmac(json!({"prefix": ""})),
            "/sources/acme/prefix: must be a non-empty string",
        ),
        (
            hmac(json!({"signed": "headers"})),
            "/sources/acme/signed: must be one of \"body\", \"timestamp\"",
        ),
        (
            hmac(json!({"separator": ":"})),
            "/sources/acme/separator: only allowed with \"signed\": \"timestamp\"",
        ),
        (
            hmac(json!({"tolerance_seconds": 60})),
            "/sources/acme/tolerance_seconds: only allowed with \"signed\": \"timestamp\"",
        ),
        (
            hmac(json!({"signed": "timestamp"})),
            "/sources/acme/timestamp_header: is required",
        ),
        (
            hmac(json!({"signed": "timestamp", "timestamp_header": "x-ts", "separator": 1})),
            "/sources/acme/separator: must be a string",
        ),
        (
            hmac(json!({"envelope": "order_id"})),
            "/sources/acme/envelope: must be a JSON object",
        ),
        (
            hmac(json!({"envelope": {"event_id": "/id"}})),
            "/sources/acme/envelope: has an unknown field (allowed here: id, type, subject, occurred_at)",
        ),
        (
            hmac(json!({"envelope": {"id": "order_id"}})),
            "/sources/acme/envelope/id: must be a JSON pointer (RFC 6901): empty, or starting with /, with ~ only as ~0 or ~1",
        ),
        (
            hmac(json!({"envelope": {"subject": "/a~2"}})),
            "/sources/acme/envelope/subject: must be a JSON pointer (RFC 6901): empty, or starting with /, with ~ only as ~0 or ~1",
        ),
        (
            hmac(json!({"envelope": {"occurred_at": "/ts"}})),
            "/sources/acme/envelope/occurred_at: must be a JSON object",
        ),
        (
            hmac(json!({"envelope": {"occurred_at": {"pointer": "/ts"}}})),
            "/sources/acme/envelope/occurred_at/format: is required",
        ),
        (
            hmac(json!({"envelope": {"occurred_at": {"format": "rfc3339"}}})),
            "/sources/acme/envelope/occurred_at/pointer: is required",
        ),
        (
            hmac(json!({"envelope": {"occurred_at": {"pointer": "/ts", "format": "iso8601"}}})),
            "/sources/acme/envelope/occurred_at/format: must be one of \"rfc3339\", \"unix_seconds\", \"unix_millis\"",
        ),
    ];
    for (entry, expected) in cases {
        assert_eq!(entry_error(entry.clone()), expected, "{entry}");
    }
}

#[test]
fn errors_never_contain_a_secret() {
    let secrets = [WHSEC, HMAC_SECRET, TOKEN];
    // Secrets in every place a mistake could put them.
    let entries = [
        json!({"scheme": "hmac", "secrets": HMAC_SECRET}),
        json!({"scheme": "hmac", "secrets": [HMAC_SECRET], "header": HMAC_SECRET, "algorithm": "md5", "encoding": "hex"}),
        json!({"scheme": "hmac", "secrets": [HMAC_SECRET], "header": HMAC_SECRET.to_owned() + " ", "algorithm": "sha256", "encoding": "hex"}),
        json!({"scheme": "hmac", "secrets": [HMAC_SECRET], "header": "x", "algorithm": HMAC_SECRET, "encoding": "hex"}),
        json!({"scheme": "hmac", "secrets": [HMAC_SECRET], "header": "x", "algorithm": "sha256", "encoding": "hex", "prefix": HMAC_SECRET.to_owned() + " "}),
        json!({"scheme": "hmac", "secrets": {HMAC_SECRET: true}}),
        json!({"scheme": "hmac", WHSEC: HMAC_SECRET}),
        json!({"scheme": "url-token", "secrets": [TOKEN], TOKEN: 1}),
        json!({"scheme": "url-token", "secrets": [TOKEN], "envelope": {HMAC_SECRET: "/a"}}),
        json!({"scheme": TOKEN, "secrets": [TOKEN]}),
        json!({"scheme": "url-token", "secrets": [TOKEN[..10].to_owned()]}),
        json!({"scheme": "url-token", "secrets": [TOKEN], "parameter": [TOKEN]}),
        json!({"scheme": "standard-webhooks", "secrets": [WHSEC.to_owned() + "!"]}),
        json!({"scheme": "standard-webhooks", "secrets": [WHSEC], "envelope": {"id": WHSEC}}),
        json!({"scheme": "standard-webhooks", "secrets": [WHSEC], "tolerance_seconds": WHSEC}),
        json!({"scheme": "standard-webhooks", "secrets": [WHSEC], "envelope": {"occurred_at": {"pointer": "/t", "format": TOKEN}}}),
    ];
    for entry in entries {
        let reason = entry_error(entry.clone());
        for secret in secrets {
            assert!(!reason.contains(secret), "{reason} (entry {entry})");
            assert!(!reason.contains(&secret[..10]), "{reason} (entry {entry})");
        }
    }
    // A secret pasted as a source name.
    let sources = Sources::parse(&json!({"sources": {WHSEC: hmac_entry()}}).to_string()).unwrap();
    assert_eq!(
        sources.invalid()[WHSEC].to_string(),
        "/sources/*: a source name must be 1 to 64 characters of a-z, 0-9 and -"
    );
    // A valid source's Debug form (what a log of the struct would print) holds none.
    let sources = Sources::parse(
        &json!({"sources": {
            "a": {"scheme": "standard-webhooks", "secrets": [WHSEC]},
            "b": hmac_entry(),
            "c": {"scheme": "url-token", "secrets": [TOKEN]},
        }})
        .to_string(),
    )
    .unwrap();
    let debug = format!("{sources:?}");
    for secret in secrets {
        assert!(!debug.contains(&secret[6..]), "{debug}");
    }
    assert_eq!(sources.lookup("c").unwrap().secret_count(), 1);
}

#[test]
fn a_valid_document_reads_every_setting() {
    let sources = Sources::parse(
        &json!({"sources": {
            "svix-sender": {"scheme": "standard-webhooks", "secrets": [WHSEC, WHSEC], "tolerance_seconds": 120,
                            "envelope": {"type": "/type", "occurred_at": {"pointer": "/timestamp", "format": "rfc3339"}}},
            "kyc": {"scheme": "url-token", "secrets": [TOKEN]},
        }})
        .to_string(),
    )
    .unwrap();
    let svix = sources.lookup("svix-sender").unwrap();
    assert_eq!(
        svix.scheme(),
        &Scheme::StandardWebhooks(StandardWebhooks {
            tolerance: Duration::from_secs(120)
        })
    );
    assert_eq!(svix.secret_count(), 2);
    assert_eq!(
        svix.mapping(),
        &EnvelopeMapping {
            id: None,
            event_type: JsonPointer::parse("/type"),
            subject: None,
            occurred_at: Some((
                JsonPointer::parse("/timestamp").unwrap(),
                TimeFormat::Rfc3339
            )),
        }
    );
    assert_eq!(
        sources.lookup("kyc").unwrap().scheme(),
        &Scheme::UrlToken(UrlToken {
            parameter: "token".to_owned()
        })
    );
    let defaults = Sources::parse(
        &json!({"sources": {"s": {"scheme": "standard-webhooks", "secrets": [WHSEC]}}}).to_string(),
    )
    .unwrap();
    assert_eq!(
        defaults.lookup("s").unwrap().scheme(),
        &Scheme::StandardWebhooks(StandardWebhooks::default())
    );
    assert_eq!(
        StandardWebhooks::default().tolerance,
        Duration::from_secs(300)
    );
}

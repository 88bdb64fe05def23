//! `hmac`: GitHub's published example as a known answer, then the negative matrix, for
//! a body-signing and a timestamp-signing source.

use time::macros::datetime;

use super::*;
use crate::pipeline::fallback::Fallbacks;

const NOW: OffsetDateTime = datetime!(2026-11-22 12:00:00 UTC);
const SECRET: &str = "postback-secret-1";
const OLD_SECRET: &str = "postback-secret-0";
const ORDER: &str = r#"{"order_id":"ORD-1","status":"COMPLETE","account_id":"ACC-9","quantity":"10","updated_at":"2026-11-22T17:29:58+05:30"}"#;

/// A broker's order postback: GitHub-style `sha256=<hex>` of the raw body.
fn broker(secrets: &[&str]) -> Source {
    source(
        "acme-broker",
        json!({
            "scheme": "hmac",
            "secrets": secrets,
            "header": "X-Acme-Signature",
            "algorithm": "sha256",
            "encoding": "hex",
            "prefix": "sha256=",
            "envelope": {
                "id": "/order_id",
                "type": "/status",
                "subject": "/account_id",
                "occurred_at": {"pointer": "/updated_at", "format": "rfc3339"}
            }
        }),
    )
}

fn scheme(source: &Source) -> &HmacSignature {
    match source.scheme() {
        Scheme::Hmac(scheme) => scheme,
        other => panic!("not hmac: {other:?}"),
    }
}

fn postback(signature: &str, body: &str) -> WebhookRequest {
    WebhookRequest::post("/webhooks/generic/acme-broker", body)
        .with_header("x-acme-signature", signature)
}

fn signed(secret: &str, body: &str) -> String {
    scheme(&broker(&[SECRET]))
        .sign(secret, "", body.as_bytes())
        .unwrap()
}

#[test]
fn githubs_published_example_is_reproduced() {
    // docs.github.com, "Validating webhook deliveries": secret "It's a Secret to
    // Everybody", payload "Hello, World!".
    let expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    let github = source(
        "github",
        json!({"scheme": "hmac", "secrets": ["It's a Secret to Everybody"], "header": "X-Hub-Signature-256",
               "algorithm": "sha256", "encoding": "hex", "prefix": "sha256="}),
    );
    assert_eq!(
        scheme(&github)
            .sign("It's a Secret to Everybody", "", b"Hello, World!")
            .as_deref(),
        Some(expected)
    );
    // Its payload is not JSON: authentic, but not something the queue can carry.
    let request =
        WebhookRequest::post("/", "Hello, World!").with_header("X-Hub-Signature-256", expected);
    assert_eq!(
        refused(github.verify(&request, &context_at(NOW))),
        (400, "body is not valid JSON".to_owned())
    );
    let request = WebhookRequest::post("/", r#"{"hello":"world"}"#)
        .with_header("X-Hub-Signature-256", expected);
    assert_eq!(
        refused(github.verify(&request, &context_at(NOW))),
        unauthorized("signature mismatch")
    );
}

#[test]
fn an_order_postback_verifies_and_maps_its_envelope() {
    let (draft, matched) = accepted(
        broker(&[SECRET]).verify(&postback(&signed(SECRET, ORDER), ORDER), &context_at(NOW)),
    );
    assert_eq!(matched, 0);
    assert_eq!(draft.id, "ORD-1");
    assert_eq!(draft.event_type, "COMPLETE");
    assert_eq!(draft.subject, "ACC-9");
    assert_eq!(draft.occurred_at, datetime!(2026-11-22 11:59:58 UTC));
    assert_eq!(draft.payload.get(), ORDER);
    assert_eq!(draft.fallback, Fallbacks::NONE);
}

#[test]
fn upper_case_hex_and_a_rotated_secret_are_accepted() {
    let source = broker(&[OLD_SECRET, SECRET]);
    let upper = format!(
        "sha256={}",
        signed(SECRET, ORDER)["sha256=".len()..].to_uppercase()
    );
    let (_, matched) = accepted(source.verify(&postback(&upper, ORDER), &context_at(NOW)));
    assert_eq!(matched, 1);
    let (_, matched) = accepted(source.verify(
        &postback(&signed(OLD_SECRET, ORDER), ORDER),
        &context_at(NOW),
    ));
    assert_eq!(matched, 0);
}

#[test]
fn several_signatures_in_one_header_any_may_match() {
    let source = broker(&[SECRET]);
    let wrong = signed(OLD_SECRET, ORDER);
    let right = signed(SECRET, ORDER);
    for header in [
        format!("{wrong},{right}"),
        format!("{wrong} {right}"),
        format!("{right}, {wrong}"),
    ] {
        assert!(
            source
                .verify(&postback(&header, ORDER), &context_at(NOW))
                .is_ok(),
            "{header}"
        );
    }
    // The header sent twice arrives joined by ", ".
    let request = postback(&wrong, ORDER).with_header("x-acme-signature", &right);
    assert!(source.verify(&request, &context_at(NOW)).is_ok());
    assert_eq!(
        refused(source.verify(
            &postback(&format!("{wrong},{wrong}"), ORDER),
            &context_at(NOW)
        )),
        unauthorized("signature mismatch")
    );
}

#[test]
fn the_body_negative_matrix() {
    let source = broker(&[SECRET]);
    let context = context_at(NOW);
    let right = signed(SECRET, ORDER);
    let tampered = ORDER.replace(r#""quantity":"10""#, r#""quantity":"100""#);
    assert_eq!(
        refused(source.verify(&postback(&right, &tampered), &context)),
        unauthorized("signature mismatch")
    );
    assert_eq!(
        refused(source.verify(&postback(&right, &format!(" {ORDER}")), &context)),
        unauthorized("signature mismatch")
    );
    assert_eq!(
        refused(source.verify(&postback(&signed(OLD_SECRET, ORDER), ORDER), &context)),
        unauthorized("signature mismatch")
    );
    assert_eq!(
        refused(source.verify(&WebhookRequest::post("/", ORDER), &context)),
        unauthorized("missing signature header")
    );
    assert_eq!(
        refused(source.verify(&postback("  ", ORDER), &context)),
        unauthorized("missing signature header")
    );
    let other_header = WebhookRequest::post("/", ORDER).with_header("x-signature", &right);
    assert_eq!(
        refused(source.verify(&other_header, &context)),
        unauthorized("missing signature header")
    );
    let bare_hex = &right["sha256=".len()..];
    assert_eq!(
        refused(source.verify(&postback(bare_hex, ORDER), &context)),
        unauthorized("signature lacks the configured prefix")
    );
    assert_eq!(
        refused(source.verify(
            &postback(&right.replace("sha256=", "SHA256="), ORDER),
            &context
        )),
        unauthorized("signature lacks the configured prefix")
    );
    // The same tag in base64: not hex of a SHA-256 tag.
    let base64 = format!(
        "sha256={}",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            hex::decode(bare_hex).unwrap()
        )
    );
    assert_eq!(
        refused(source.verify(&postback(&base64, ORDER), &context)),
        unauthorized("signature is not in the configured encoding")
    );
    // Hex of the right length for SHA-512, or cut short.
    assert_eq!(
        refused(source.verify(&postback(&format!("{right}{bare_hex}"), ORDER), &context)),
        unauthorized("signature is not in the configured encoding")
    );
    assert_eq!(
        refused(source.verify(&postback(&right[..40], ORDER), &context)),
        unauthorized("signature is not in the configured encoding")
    );
}

/// A payment-style sender: base64 SHA-512 of `timestamp:body`, the timestamp in its own
/// header, no prefix.
fn timestamped(tolerance: Option<u64>) -> Source {
    let mut entry = json!({
        "scheme": "hmac",
        "secrets": [SECRET],
        "header": "x-pay-signature",
        "algorithm": "sha512",
        "encoding": "base64",
        "signed": "timestamp",
        "timestamp_header": "x-pay-timestamp",
        "separator": ":"
    });
    if let Some(seconds) = tolerance {
        entry["tolerance_seconds"] = json!(seconds);
    }
    source("pay", entry)
}

fn timestamped_delivery(signature: &str, timestamp: &str, body: &str) -> WebhookRequest {
    WebhookRequest::post("/webhooks/generic/pay", body)
        .with_header("x-pay-signature", signature)
        .with_header("x-pay-timestamp", timestamp)
}

#[test]
fn a_timestamped_signature_covers_timestamp_separator_and_body() {
    let source = timestamped(None);
    let timestamp = NOW.unix_timestamp().to_string();
    let signature = scheme(&source)
        .sign(SECRET, &timestamp, ORDER.as_bytes())
        .unwrap();
    // Independently: base64 of HMAC-SHA512 over "<timestamp>:<body>".
    let expected = MacAlgorithm::Sha512
        .tag(
            SECRET.as_bytes(),
            &[format!("{timestamp}:{ORDER}").as_bytes()],
        )
        .unwrap();
    assert_eq!(
        signature,
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &expected)
    );
    let (draft, matched) = accepted(source.verify(
        &timestamped_delivery(&signature, &timestamp, ORDER),
        &context_at(NOW),
    ));
    assert_eq!(matched, 0);
    // No mapping: the content hash, UNPARSED, unknown, the receive time; no fallback.
    let body: Value = serde_json::from_str(ORDER).unwrap();
    assert_eq!(draft.id, crate::text::canonical_json::content_id(&body));
    assert_eq!(
        (draft.event_type.as_str(), draft.subject.as_str()),
        ("UNPARSED", "unknown")
    );
    assert_eq!(draft.occurred_at, NOW);
    assert_eq!(draft.fallback, Fallbacks::NONE);
    // Unpadded base64 is the same signature.
    let unpadded = signature.trim_end_matches('=');
    assert_ne!(unpadded, signature);
    assert!(
        source
            .verify(
                &timestamped_delivery(unpadded, &timestamp, ORDER),
                &context_at(NOW)
            )
            .is_ok()
    );
}

#[test]
fn the_timestamp_negative_matrix() {
    let source = timestamped(None);
    let context = context_at(NOW);
    let sign = |timestamp: &str, body: &str| {
        scheme(&source)
            .sign(SECRET, timestamp, body.as_bytes())
            .unwrap()
    };
    let now = NOW.unix_timestamp().to_string();
    let signature = sign(&now, ORDER);
    let later = (NOW.unix_timestamp() + 1).to_string();
    assert_eq!(
        refused(source.verify(&timestamped_delivery(&signature, &later, ORDER), &context)),
        unauthorized("signature mismatch")
    );
    let tampered = ORDER.replace("ORD-1", "ORD-2");
    assert_eq!(
        refused(source.verify(&timestamped_delivery(&signature, &now, &tampered), &context)),
        unauthorized("signature mismatch")
    );
    let missing = WebhookRequest::post("/", ORDER).with_header("x-pay-signature", &signature);
    assert_eq!(
        refused(source.verify(&missing, &context)),
        unauthorized("missing timestamp header")
    );
    for malformed in ["soon", "1.5", "-5"] {
        assert_eq!(
            refused(source.verify(
                &timestamped_delivery(&sign(malformed, ORDER), malformed, ORDER),
                &context
            )),
            unauthorized("timestamp header is not a Unix time in seconds")
        );
    }
    // Hex where base64 is configured: not 64 bytes once decoded.
    let hex_tag = hex::encode(
        MacAlgorithm::Sha512
            .tag(SECRET.as_bytes(), &[format!("{now}:{ORDER}").as_bytes()])
            .unwrap(),
    );
    assert_eq!(
        refused(source.verify(&timestamped_delivery(&hex_tag, &now, ORDER), &context)),
        unauthorized("signature is not in the configured encoding")
    );
    let stale = (NOW.unix_timestamp() - 301).to_string();
    assert_eq!(
        refused(source.verify(
            &timestamped_delivery(&sign(&stale, ORDER), &stale, ORDER),
            &context
        )),
        unauthorized("signed timestamp is too old")
    );
    let future = (NOW.unix_timestamp() + 301).to_string();
    assert_eq!(
        refused(source.verify(
            &timestamped_delivery(&sign(&future, ORDER), &future, ORDER),
            &context
        )),
        unauthorized("signed timestamp is in the future")
    );
    let edge = (NOW.unix_timestamp() - 300).to_string();
    assert!(
        source
            .verify(
                &timestamped_delivery(&sign(&edge, ORDER), &edge, ORDER),
                &context
            )
            .is_ok()
    );
}

#[test]
fn the_timestamp_tolerance_is_configurable() {
    let source = timestamped(Some(30));
    let context = context_at(NOW);
    let sign = |timestamp: &str| {
        scheme(&source)
            .sign(SECRET, timestamp, ORDER.as_bytes())
            .unwrap()
    };
    let edge = (NOW.unix_timestamp() - 30).to_string();
    assert!(
        source
            .verify(&timestamped_delivery(&sign(&edge), &edge, ORDER), &context)
            .is_ok()
    );
    let stale = (NOW.unix_timestamp() - 31).to_string();
    assert_eq!(
        refused(source.verify(
            &timestamped_delivery(&sign(&stale), &stale, ORDER),
            &context
        )),
        unauthorized("signed timestamp is too old")
    );
}

#[test]
fn defaults_are_the_body_and_a_dot_separator() {
    let body_only = source(
        "plain",
        json!({"scheme": "hmac", "secrets": [SECRET], "header": "x-sig", "algorithm": "sha256", "encoding": "base64"}),
    );
    assert_eq!(
        scheme(&body_only),
        &HmacSignature {
            header: "x-sig".to_owned(),
            algorithm: MacAlgorithm::Sha256,
            encoding: SignatureEncoding::Base64,
            prefix: None,
            signed: SignedContent::Body,
        }
    );
    let dotted = source(
        "dotted",
        json!({"scheme": "hmac", "secrets": [SECRET], "header": "x-sig", "algorithm": "sha256",
               "encoding": "hex", "signed": "timestamp", "timestamp_header": "X-Time"}),
    );
    assert_eq!(
        scheme(&dotted).signed,
        SignedContent::Timestamp {
            header: "x-time".to_owned(),
            separator: ".".to_owned(),
            tolerance: Duration::from_secs(300),
        }
    );
}

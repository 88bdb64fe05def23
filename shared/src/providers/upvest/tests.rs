use std::time::Duration;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P521_SHA512_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use sha2::{Digest, Sha512};
use time::macros::datetime;

use super::verify_keys::ecdsa_checks;
use super::*;
use crate::pipeline::fallback::{Fallback, Fallbacks, UNKNOWN_SUBJECT, UNPARSED_TYPE};
use crate::pipeline::FreshnessPolicy;
use brokerhooks_models::upvest::{EventCategory, UpvestEvent, UpvestObject};

// upvest-signatures.md §10: a test key generated for this project, not an Upvest key.
const VECTOR_KID: &str = "3f0e8c2a-6b1d-4c5e-9a7f-2d4b6c8e0a13";
const VECTOR_JWKS: &str = r#"{"keys":[{"kid":"3f0e8c2a-6b1d-4c5e-9a7f-2d4b6c8e0a13","kty":"EC","crv":"P-521","x":"AW5w8VQ4phrRuTD2XoWOJ3cdT2zwvsrr67XaJQjA8OoHUnMdSQr6Ou-A3YgMQOdkHonYxifcPddR8oDC5nkzuzUa","y":"AGwL39-zoKV-bacPYXLKiSpOw4gkgrUtxDcXE6lixsRAf_WVFMjj90qQVFY8GNHH-XxZMsqdFVZIdYpH3ayWwr4G"}]}"#;
/// The §10 private scalar (from its SEC1 PEM), for signing further test requests.
const VECTOR_SCALAR_HEX: &str = "01a745ca3cede02a80a7aa016c74868c350c5a63af391d68e18aac5f5f2944f45838044cc97e97bfe155e221c3964d23e36e73ca4f9087dccbbbdd592fff5e06b814";
const VECTOR_BODY: &str = r#"{"payload":[{"id":"2f6b1c9e-7a40-4d8e-9c1b-5e3f7a2d4c60","created_at":"2026-01-01T00:00:00.000Z","type":"ORDER.FILLED","object":{"id":"8c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f","account_id":"1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d","cash_amount":"100.00","currency":"EUR","side":"BUY","status":"FILLED"},"webhook_id":"5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a"}]}"#;
const VECTOR_DIGEST: &str = "SHA-256=0uZN+DT5YUukFmgOZQwUaYHs1hSQMQGYd3e9zDecpLI=";
const VECTOR_INPUT: &str = r#"sig1=("@method" "@path" "content-type" "content-length" "digest");keyid="3f0e8c2a-6b1d-4c5e-9a7f-2d4b6c8e0a13";created=1767225600;expires=1767225660;nonce="SLJYoaB3L7b7XbDX""#;
const VECTOR_SIGNATURE_DER: &str = "sig1=:MIGHAkFsgLnMWXOY/73pfZsv8WEMn+yL9g3HHHFrUONhmEJz0XqevijTGKzoJzgINmH6tgpsbhOkI06kJBixEkDx0JaRxQJCAOlPKBX5db9b8ql1uB5kyyNBjzbe/2krru2NintjuROzXr1KJ/zixnfzNT2qR0YL9RNuulPlg0EK/znmJMhipAGz:";
const VECTOR_SIGNATURE_RAW: &str = "sig1=:AGyAucxZc5j/vel9my/xYQyf7Iv2DccccWtQ42GYQnPRep6+KNMYrOgnOAg2Yfq2CmxuE6QjTqQkGLESQPHQlpHFAOlPKBX5db9b8ql1uB5kyyNBjzbe/2krru2NintjuROzXr1KJ/zixnfzNT2qR0YL9RNuulPlg0EK/znmJMhipAGz:";
const VECTOR_BASE: &str = "@method: POST\n@path: /webhooks/upvest\ncontent-type: application/json\ncontent-length: 351\ndigest: SHA-256=0uZN+DT5YUukFmgOZQwUaYHs1hSQMQGYd3e9zDecpLI=\n@signature-params: (\"@method\" \"@path\" \"content-type\" \"content-length\" \"digest\");keyid=\"3f0e8c2a-6b1d-4c5e-9a7f-2d4b6c8e0a13\";created=1767225600;expires=1767225660;nonce=\"SLJYoaB3L7b7XbDX\"";
const VECTOR_BASE_SHA512: &str = "accc05edd9bfc5638702b5ec49b2093caec75b723f9c732d59a1154f787712893a1c79c027728731548f6b6ad0a0d16edfc3a116be1b5c028567acd766861ca0";
const CREATED: i64 = 1_767_225_600;

fn provider_with(jwks: &str, grace_seconds: u64) -> UpvestProvider {
    UpvestProvider::new(
        VerifyKeys::parse_jwks(jwks).unwrap(),
        Duration::from_secs(grace_seconds),
    )
}

fn provider() -> UpvestProvider {
    provider_with(VECTOR_JWKS, DEFAULT_GRACE_SECONDS)
}

fn context_at(unix: i64) -> VerifyContext {
    VerifyContext {
        now: time::OffsetDateTime::from_unix_timestamp(unix).unwrap(),
        freshness: FreshnessPolicy::new(Some(Duration::from_secs(30 * 86400))),
    }
}

/// The §10 request exactly as signed.
struct Parts {
    method: &'static str,
    path: &'static str,
    query: Option<&'static str>,
    headers: Vec<(&'static str, String)>,
    body: String,
}

impl Parts {
    fn vector(signature: &str) -> Self {
        Parts {
            method: "POST",
            path: "/webhooks/upvest",
            query: None,
            headers: vec![
                ("content-type", "application/json".to_owned()),
                ("content-length", "351".to_owned()),
                ("digest", VECTOR_DIGEST.to_owned()),
                ("signature-input", VECTOR_INPUT.to_owned()),
                ("signature", signature.to_owned()),
            ],
            body: VECTOR_BODY.to_owned(),
        }
    }

    fn set(mut self, name: &'static str, value: &str) -> Self {
        self.headers.retain(|(n, _)| *n != name);
        self.headers.push((name, value.to_owned()));
        self
    }

    fn without(mut self, name: &str) -> Self {
        self.headers.retain(|(n, _)| *n != name);
        self
    }

    fn request(&self) -> WebhookRequest {
        let mut request = WebhookRequest::post(self.path, self.body.clone());
        request.method = self.method.to_owned();
        request.query = self.query.map(str::to_owned);
        for (name, value) in &self.headers {
            request = request.with_header(name, value);
        }
        request
    }
}

fn verify_at(
    provider: &UpvestProvider,
    parts: &Parts,
    now: i64,
) -> Result<Vec<EventDraft>, WebhookError> {
    provider
        .verify(&parts.request(), &context_at(now))
        .map(Verified::into_value)
}

fn unauthorized(reason: &'static str) -> Result<(), WebhookError> {
    Err(WebhookError::Unauthorized(reason))
}

#[test]
fn vector_base_is_reproduced_exactly() {
    let request = Parts::vector(VECTOR_SIGNATURE_DER).request();
    let inputs = parse_signature_input(VECTOR_INPUT).unwrap();
    assert_eq!(inputs.len(), 1);
    assert_eq!(inputs[0].keyid.as_deref(), Some(VECTOR_KID));
    assert_eq!(inputs[0].created, Some(CREATED));
    assert_eq!(inputs[0].expires, Some(CREATED + 60));
    let base = signature_base(&request, &inputs[0].components, &inputs[0].raw_params).unwrap();
    assert_eq!(base, VECTOR_BASE);
    assert_eq!(base.len(), 337);
    assert_eq!(
        hex::encode(Sha512::digest(base.as_bytes())),
        VECTOR_BASE_SHA512
    );
    assert_eq!(VECTOR_BODY.len(), 351);
    assert_eq!(digest_header(VECTOR_BODY.as_bytes()), VECTOR_DIGEST);
    let signatures = parse_signature(VECTOR_SIGNATURE_DER).unwrap();
    assert_eq!(signatures[0].bytes.len(), 138);
    assert_eq!(
        parse_signature(VECTOR_SIGNATURE_RAW).unwrap()[0]
            .bytes
            .len(),
        132
    );
}

#[test]
fn vector_verifies_in_der_and_raw_form_and_normalizes() {
    for signature in [VECTOR_SIGNATURE_DER, VECTOR_SIGNATURE_RAW] {
        let verified = provider()
            .verify(&Parts::vector(signature).request(), &context_at(CREATED))
            .unwrap();
        assert_eq!(verified.matched_secret(), 0);
        let drafts = verified.into_value();
        assert_eq!(drafts.len(), 1);
        let draft = &drafts[0];
        assert_eq!(draft.id, "2f6b1c9e-7a40-4d8e-9c1b-5e3f7a2d4c60");
        assert_eq!(draft.event_type, "ORDER.FILLED");
        assert_eq!(draft.subject, "8c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f");
        assert_eq!(draft.occurred_at, datetime!(2026-01-01 00:00:00 UTC));
        // The signature's `created`: what the claim's retention counts from.
        assert_eq!(
            draft.signed_at,
            Some(time::OffsetDateTime::from_unix_timestamp(CREATED).unwrap())
        );
        let event_text = &VECTOR_BODY[r#"{"payload":["#.len()..VECTOR_BODY.len() - 2];
        assert_eq!(draft.payload.get(), event_text);

        // What a consumer reads from it (the models crate), decimals exact.
        let event: UpvestEvent = serde_json::from_str(draft.payload.get()).unwrap();
        assert_eq!(event.event_type.category(), EventCategory::Order);
        assert_eq!(event.event_type.action(), "FILLED");
        let UpvestObject::Order(order) = event.object else {
            panic!("{:?}", event.object);
        };
        assert_eq!(
            order.cash_amount.map(|a| a.to_string()).as_deref(),
            Some("100.00")
        );
        assert_eq!(order.side.as_deref(), Some("BUY"));
    }
}

/// upvest-signatures.md §10, "Expected outcomes", all at now = created.
#[test]
fn vector_expected_outcomes() {
    let tampered_body = VECTOR_BODY.replace("100.00", "900.00");
    let mut body_changed = Parts::vector(VECTOR_SIGNATURE_DER);
    body_changed.body = tampered_body.clone();
    let mut body_and_digest_changed =
        Parts::vector(VECTOR_SIGNATURE_DER).set("digest", &digest_header(tampered_body.as_bytes()));
    body_and_digest_changed.body = tampered_body;
    let mut other_path = Parts::vector(VECTOR_SIGNATURE_DER);
    other_path.path = "/webhooks/other";
    let mut put = Parts::vector(VECTOR_SIGNATURE_DER);
    put.method = "PUT";
    let mut with_query = Parts::vector(VECTOR_SIGNATURE_DER);
    with_query.query = Some("a=b");
    let tampered_signature = VECTOR_SIGNATURE_DER.replace("MIGHAkFsgLn", "MIGHAkFsgLm");

    let cases: Vec<(&str, Parts, i64, Result<(), WebhookError>)> = vec![
        ("none", Parts::vector(VECTOR_SIGNATURE_DER), CREATED, Ok(())),
        (
            "raw r||s",
            Parts::vector(VECTOR_SIGNATURE_RAW),
            CREATED,
            Ok(()),
        ),
        (
            "body byte changed, digest unchanged",
            body_changed,
            CREATED,
            unauthorized("digest mismatch"),
        ),
        (
            "body changed, digest recomputed",
            body_and_digest_changed,
            CREATED,
            unauthorized("signature mismatch"),
        ),
        (
            "content-type changed",
            Parts::vector(VECTOR_SIGNATURE_DER).set("content-type", "text/plain"),
            CREATED,
            unauthorized("signature mismatch"),
        ),
        (
            "content-type removed",
            Parts::vector(VECTOR_SIGNATURE_DER).without("content-type"),
            CREATED,
            unauthorized("covered header is absent"),
        ),
        (
            "other path",
            other_path,
            CREATED,
            unauthorized("signature mismatch"),
        ),
        (
            "method PUT",
            put,
            CREATED,
            unauthorized("signature mismatch"),
        ),
        (
            "query added",
            with_query,
            CREATED,
            unauthorized("@query not covered"),
        ),
        (
            "created changed",
            Parts::vector(VECTOR_SIGNATURE_DER).set(
                "signature-input",
                &VECTOR_INPUT.replace("created=1767225600", "created=1767225599"),
            ),
            CREATED,
            unauthorized("signature mismatch"),
        ),
        (
            "keyid not in the JWKS",
            Parts::vector(VECTOR_SIGNATURE_DER).set(
                "signature-input",
                &VECTOR_INPUT.replace(VECTOR_KID, "another-kid"),
            ),
            CREATED,
            unauthorized("unknown keyid"),
        ),
        (
            "expired, grace 300 s",
            Parts::vector(VECTOR_SIGNATURE_DER),
            1_767_226_000,
            unauthorized("signature expired"),
        ),
        // Further tampering the issue lists.
        (
            "digest header changed",
            Parts::vector(VECTOR_SIGNATURE_DER).set("digest", &digest_header(b"{}")),
            CREATED,
            unauthorized("digest mismatch"),
        ),
        (
            "covered content-length changed",
            Parts::vector(VECTOR_SIGNATURE_DER).set("content-length", "352"),
            CREATED,
            unauthorized("signature mismatch"),
        ),
        (
            "signature changed",
            Parts::vector(&tampered_signature),
            CREATED,
            unauthorized("signature mismatch"),
        ),
        (
            "signature of another label",
            Parts::vector(&VECTOR_SIGNATURE_DER.replace("sig1=", "sig2=")),
            CREATED,
            unauthorized("no signature matches a signature-input label"),
        ),
        (
            "missing signature",
            Parts::vector(VECTOR_SIGNATURE_DER).without("signature"),
            CREATED,
            unauthorized("missing signature"),
        ),
        (
            "missing signature-input",
            Parts::vector(VECTOR_SIGNATURE_DER).without("signature-input"),
            CREATED,
            unauthorized("missing signature-input"),
        ),
        (
            "missing digest",
            Parts::vector(VECTOR_SIGNATURE_DER).without("digest"),
            CREATED,
            unauthorized("missing digest"),
        ),
        (
            "signature not base64",
            Parts::vector("sig1=:!!!:"),
            CREATED,
            unauthorized("malformed signature"),
        ),
        (
            "alg other than P-521",
            Parts::vector(VECTOR_SIGNATURE_DER).set(
                "signature-input",
                &format!("{VECTOR_INPUT};alg=\"rsa-pss-sha512\""),
            ),
            CREATED,
            unauthorized("unsupported alg"),
        ),
    ];
    for (name, parts, now, expected) in cases {
        let result = verify_at(&provider(), &parts, now).map(|_| ());
        assert_eq!(result, expected, "case: {name}");
    }
}

#[test]
fn a_missing_signature_is_a_401_before_the_body_is_read() {
    let mut parts = Parts::vector(VECTOR_SIGNATURE_DER).without("signature");
    parts.body = "not json".to_owned();
    assert_eq!(
        verify_at(&provider(), &parts, CREATED).map(|_| ()),
        unauthorized("missing signature")
    );
}

#[test]
fn expiry_grace_and_created_window() {
    let strict = provider_with(VECTOR_JWKS, 0);
    let parts = Parts::vector(VECTOR_SIGNATURE_DER);
    let expires = CREATED + 60;
    assert!(verify_at(&strict, &parts, expires).is_ok());
    assert_eq!(
        verify_at(&strict, &parts, expires + 1).map(|_| ()),
        unauthorized("signature expired")
    );
    // Default grace: accepted until expires + 300.
    assert!(verify_at(&provider(), &parts, expires + 300).is_ok());
    assert_eq!(
        verify_at(&provider(), &parts, expires + 301).map(|_| ()),
        unauthorized("signature expired")
    );
    // created more than 5 minutes ahead of the clock.
    assert_eq!(
        verify_at(&provider(), &parts, CREATED - 301).map(|_| ()),
        unauthorized("signed timestamp is in the future")
    );
    assert!(verify_at(&provider(), &parts, CREATED - 300).is_ok());
    // created older than the contract's maximum age, whatever the grace.
    let forever = provider_with(VECTOR_JWKS, u64::MAX);
    let mut context = context_at(CREATED + 3600);
    context.freshness = FreshnessPolicy::new(Some(Duration::from_secs(3599)));
    assert_eq!(
        forever.verify(&parts.request(), &context).map(|_| ()),
        unauthorized("signed timestamp is too old")
    );
    context.freshness = FreshnessPolicy::new(Some(Duration::from_secs(3600)));
    assert!(forever.verify(&parts.request(), &context).is_ok());
}

#[test]
fn keys_are_chosen_by_keyid_and_reported_by_position() {
    let point = local_jwk();
    let other = json!({"kid": "other", "kty": "EC", "crv": "P-521",
        "x": point["x"], "y": point["y"]});
    let vector: Value = serde_json::from_str(VECTOR_JWKS).unwrap();
    let rsa = json!({"kid": "rsa", "kty": "RSA", "n": "AQAB", "e": "AQAB"});
    let jwks = json!({"keys": [other, rsa, vector["keys"][0]]}).to_string();
    let provider = provider_with(&jwks, 300);
    let verified = provider
        .verify(
            &Parts::vector(VECTOR_SIGNATURE_DER).request(),
            &context_at(CREATED),
        )
        .unwrap();
    assert_eq!(verified.matched_secret(), 2);
    // The signature does not verify under another key, even one that is configured.
    let misdirected = Parts::vector(VECTOR_SIGNATURE_DER).set(
        "signature-input",
        &VECTOR_INPUT.replace(VECTOR_KID, "other"),
    );
    assert_eq!(
        verify_at(&provider, &misdirected, CREATED).map(|_| ()),
        unauthorized("signature mismatch")
    );
}

/// Another P-521 public key, to have a second valid JWK.
fn local_jwk() -> Value {
    let key = EcdsaKeyPair::generate(&ECDSA_P521_SHA512_ASN1_SIGNING).unwrap();
    let point = key.public_key().as_ref();
    let b64 = |b: &[u8]| URL_SAFE_NO_PAD.encode(b);
    json!({"x": b64(&point[1..67]), "y": b64(&point[67..133])})
}

#[test]
fn configuration() {
    let config = |jwks: &str| ConfigSource::from_pairs([(VERIFY_KEYS_VARIABLE, jwks)]);
    assert!(UpvestProvider::from_config(&config(VECTOR_JWKS)).is_ok());
    assert_eq!(
        UpvestProvider::from_config(&ConfigSource::default()).unwrap_err(),
        ConfigError::Missing("UPVEST_VERIFY_KEYS")
    );
    let invalid = |reason: &str| ConfigError::Invalid {
        name: "UPVEST_VERIFY_KEYS",
        reason: reason.to_owned(),
    };
    let cases = [
        ("not json", "not a JWKS document ({\"keys\": [...]})"),
        ("[]", "not a JWKS document ({\"keys\": [...]})"),
        (r#"{"keys":[]}"#, "no EC P-521 key"),
        (
            r#"{"keys":[{"kid":"a","kty":"EC","crv":"P-256","x":"AA","y":"AA"}]}"#,
            "no EC P-521 key",
        ),
        (
            r#"{"keys":[{"kty":"EC","crv":"P-521","x":"AA","y":"AA"}]}"#,
            "key 0 has no kid",
        ),
        (
            r#"{"keys":[{"kid":"a","kty":"EC","crv":"P-521","x":"AA","y":"AA"}]}"#,
            "key 0 is not a valid P-521 public key",
        ),
    ];
    for (jwks, reason) in cases {
        assert_eq!(
            UpvestProvider::from_config(&config(jwks)).unwrap_err(),
            invalid(reason),
            "{jwks}"
        );
    }
    let vector: Value = serde_json::from_str(VECTOR_JWKS).unwrap();
    let twice = json!({"keys": [vector["keys"][0], vector["keys"][0]]}).to_string();
    assert_eq!(
        UpvestProvider::from_config(&config(&twice)).unwrap_err(),
        invalid("key 1 repeats a kid")
    );
    // A point off the curve.
    let off_curve = VECTOR_JWKS.replace("AW5w8VQ4", "AW5w8VQ5");
    assert_eq!(
        UpvestProvider::from_config(&config(&off_curve)).unwrap_err(),
        invalid("key 0 is not a valid P-521 public key")
    );
    let grace = ConfigSource::from_pairs([
        (VERIFY_KEYS_VARIABLE, VECTOR_JWKS),
        (GRACE_VARIABLE, "soon"),
    ]);
    assert_eq!(
        UpvestProvider::from_config(&grace).unwrap_err(),
        ConfigError::Invalid {
            name: "UPVEST_SIGNATURE_GRACE_SECONDS",
            reason: "expected a whole number".to_owned()
        }
    );
}

/// The §10 key pair, for signing further test requests.
fn vector_key() -> EcdsaKeyPair {
    let jwks: Value = serde_json::from_str(VECTOR_JWKS).unwrap();
    let coordinate = |name: &str| {
        URL_SAFE_NO_PAD
            .decode(jwks["keys"][0][name].as_str().unwrap())
            .unwrap()
    };
    let point = [vec![0x04], coordinate("x"), coordinate("y")].concat();
    EcdsaKeyPair::from_private_key_and_public_key(
        &ECDSA_P521_SHA512_ASN1_SIGNING,
        &hex::decode(VECTOR_SCALAR_HEX).unwrap(),
        &point,
    )
    .unwrap()
}

/// Signs `parts` with the §10 key over `components` (named as Upvest's v6 signer names
/// them), the base built from the request as the verifier sees it.
fn sign_parts(mut parts: Parts, components: &[&str]) -> Parts {
    let list: Vec<String> = components.iter().map(|c| format!("\"{c}\"")).collect();
    let params = format!(
        "({});keyid=\"{VECTOR_KID}\";created={CREATED};nonce=\"0123456789\";expires={}",
        list.join(" "),
        CREATED + 60
    );
    parts
        .headers
        .retain(|(n, _)| *n != "signature" && *n != "signature-input");
    let names: Vec<String> = components.iter().map(|c| (*c).to_owned()).collect();
    let base = signature_base(&parts.request(), &names, &params).unwrap();
    let signature = vector_key()
        .sign(&SystemRandom::new(), base.as_bytes())
        .unwrap();
    let b64 = STANDARD.encode(signature.as_ref());
    parts
        .set("signature-input", &format!("sig1={params}"))
        .set("signature", &format!("sig1=:{b64}:"))
}

/// Signs a request with the §10 key, the way Upvest's v6 signer does.
fn signed(
    components: &[&str],
    body: &str,
    query: Option<&'static str>,
    digest: Option<String>,
) -> Parts {
    let mut parts = Parts {
        method: "POST",
        path: "/webhooks/upvest",
        query,
        headers: vec![("content-type", "application/json".to_owned())],
        body: body.to_owned(),
    };
    if let Some(digest) = digest {
        parts.headers.push(("digest", digest));
    }
    sign_parts(parts, components)
}

fn signed_body(body: &str) -> Parts {
    signed(
        &["content-type", "@method", "digest", "@path"],
        body,
        None,
        Some(digest_header(body.as_bytes())),
    )
}

#[test]
fn body_shape_after_authentication() {
    let bad = |reason: &str| Err(WebhookError::bad_request(reason));
    let cases = [
        ("not json", bad("body is not valid JSON")),
        ("[1]", bad("body has no payload array")),
        (r#"{"events":[]}"#, bad("body has no payload array")),
        (r#"{"payload":{}}"#, bad("body has no payload array")),
        (r#"{"payload":null}"#, bad("body has no payload array")),
    ];
    for (body, expected) in cases {
        assert_eq!(
            verify_at(&provider(), &signed_body(body), CREATED).map(|_| ()),
            expected,
            "{body}"
        );
    }
    let drafts = verify_at(
        &provider(),
        &signed_body(r#"{"payload":[],"extra":1}"#),
        CREATED,
    )
    .unwrap();
    assert!(drafts.is_empty());
}

#[test]
fn unreadable_fields_fall_back_and_the_rest_is_read_normally() {
    let events = [
        r#"{"created_at":"2026-01-01T00:00:00Z","type":"ORDER.NEW","object":{"id":"o1"}}"#,
        r#"{"id":"e2","object":{"id":"o2"}}"#,
        r#"{"id":42,"type":"ORDER.NEW"}"#,
        r#""just a string""#,
        "[1, 2]",
        r#"{"id":"e6","type":"USER.CREATED","created_at":"yesterday","object":{}}"#,
        r#"{"id":"e7", "type":"CASH_BALANCE.UPDATED", "created_at":"2025-12-31T23:59:00.5+01:00", "object":{"id":"cb7"}}"#,
    ];
    let body = format!(r#"{{"payload":[{}]}}"#, events.join(","));
    let now = datetime!(2026-01-01 00:00:00 UTC);
    let drafts = verify_at(&provider(), &signed_body(&body), CREATED).unwrap();
    assert_eq!(drafts.len(), 7);
    let hash = |index: usize| {
        crate::text::canonical_json::content_id(&serde_json::from_str::<Value>(events[index]).unwrap())
    };
    let all = |list: &[Fallback]| list.iter().copied().collect::<Fallbacks>();
    let expected = [
        (
            hash(0),
            "ORDER.NEW",
            "o1",
            datetime!(2026-01-01 00:00:00 UTC),
            all(&[Fallback::EventId]),
        ),
        (
            "e2".to_owned(),
            UNPARSED_TYPE,
            "o2",
            now,
            all(&[Fallback::EventType, Fallback::OccurredAt]),
        ),
        (
            hash(2),
            "ORDER.NEW",
            UNKNOWN_SUBJECT,
            now,
            all(&[Fallback::EventId, Fallback::Subject, Fallback::OccurredAt]),
        ),
        (
            hash(3),
            UNPARSED_TYPE,
            UNKNOWN_SUBJECT,
            now,
            all(&Fallback::ALL[..4]),
        ),
        (
            hash(4),
            UNPARSED_TYPE,
            UNKNOWN_SUBJECT,
            now,
            all(&Fallback::ALL[..4]),
        ),
        // Without object.id the subject is the event's own id: documented, no fallback.
        (
            "e6".to_owned(),
            "USER.CREATED",
            "e6",
            now,
            all(&[Fallback::OccurredAt]),
        ),
        (
            "e7".to_owned(),
            "CASH_BALANCE.UPDATED",
            "cb7",
            datetime!(2025-12-31 22:59:00.5 UTC),
            Fallbacks::NONE,
        ),
    ];
    for (index, (draft, (id, event_type, subject, occurred_at, fallback))) in
        drafts.iter().zip(expected).enumerate()
    {
        assert_eq!(draft.id, id, "{index}");
        assert_eq!(draft.event_type, event_type, "{index}");
        assert_eq!(draft.subject, subject, "{index}");
        assert_eq!(draft.occurred_at, occurred_at, "{index}");
        assert_eq!(draft.fallback, fallback, "{index}");
        assert_eq!(draft.payload.get(), events[index]);
    }
    // An over-long id cannot be a key: the content hash stands in, the type is kept.
    let long = format!(
        r#"{{"payload":[{{"id":"{}","type":"ORDER.NEW"}}]}}"#,
        "x".repeat(513)
    );
    let drafts = verify_at(&provider(), &signed_body(&long), CREATED).unwrap();
    assert_eq!(drafts[0].event_type, "ORDER.NEW");
    assert_eq!(drafts[0].id.len(), 64);
    assert_eq!(drafts[0].subject, UNKNOWN_SUBJECT);
    assert_eq!(
        drafts[0].fallback,
        all(&[Fallback::EventId, Fallback::Subject, Fallback::OccurredAt])
    );
}

#[test]
fn component_policy() {
    let body = r#"{"payload":[]}"#;
    let digest = || Some(digest_header(body.as_bytes()));
    let cases: Vec<(&str, Parts, Result<(), WebhookError>)> = vec![
        (
            "method missing",
            signed(&["@path", "digest"], body, None, digest()),
            unauthorized("@method not covered"),
        ),
        (
            "path missing",
            signed(&["@method", "digest"], body, None, digest()),
            unauthorized("@path not covered"),
        ),
        (
            "digest missing",
            signed(&["@method", "@path"], body, None, digest()),
            unauthorized("digest not covered"),
        ),
        (
            "query covered",
            signed(
                &["@method", "@path", "digest", "@query"],
                body,
                Some("a=1&b=%20"),
                digest(),
            ),
            Ok(()),
        ),
        (
            "query not covered",
            signed(&["@method", "@path", "digest"], body, Some("a=1"), digest()),
            unauthorized("@query not covered"),
        ),
        (
            "sha-512 digest",
            signed(
                &["@method", "@path", "digest"],
                body,
                None,
                Some(
                    "SHA-512=".to_owned()
                        + &{
                            use base64::Engine;
                            base64::engine::general_purpose::STANDARD
                                .encode(Sha512::digest(body.as_bytes()))
                        },
                ),
            ),
            Ok(()),
        ),
        (
            "empty body, no digest",
            signed(&["@method", "@path"], "", None, None),
            Err(WebhookError::bad_request("body is not valid JSON")),
        ),
    ];
    for (name, parts, expected) in cases {
        assert_eq!(
            verify_at(&provider(), &parts, CREATED).map(|_| ()),
            expected,
            "{name}"
        );
    }
    // An unsupported derived component fails closed even when signed.
    let mut parts = signed(&["@method", "@path", "digest"], body, None, digest());
    let input = parts
        .headers
        .iter()
        .find(|(n, _)| *n == "signature-input")
        .unwrap()
        .1
        .clone();
    parts = parts.set(
        "signature-input",
        &input.replace("(\"@method\"", "(\"@scheme\" \"@method\""),
    );
    assert_eq!(
        verify_at(&provider(), &parts, CREATED).map(|_| ()),
        unauthorized("unsupported component")
    );
}

#[test]
fn any_label_that_verifies_is_enough() {
    let input = format!(
        "sig0=(\"@method\" \"@path\" \"digest\");keyid=\"unknown\";created={CREATED}, {}",
        &VECTOR_INPUT
    );
    let parts = Parts::vector(&format!("sig0=:AAAA:, {VECTOR_SIGNATURE_DER}"))
        .set("signature-input", &input);
    assert_eq!(verify_at(&provider(), &parts, CREATED).unwrap().len(), 1);
}

/// Labels with a keyid nobody configured are never tried, however many there are.
#[test]
fn only_labels_with_a_known_keyid_are_tried_and_only_one() {
    let decoys: Vec<String> = (0..50)
        .map(|n| {
            format!(
                "d{n}=(\"@method\" \"@path\" \"digest\");keyid=\"unknown-{n}\";created={CREATED}"
            )
        })
        .collect();
    let decoy_signatures: Vec<String> = (0..50).map(|n| format!("d{n}=:AAAA:")).collect();
    let keys = VerifyKeys::parse_jwks(VECTOR_JWKS).unwrap();
    let tried = |input: &str, signature: &str| -> Result<Vec<String>, WebhookError> {
        let inputs = parse_signature_input(input).unwrap();
        let signatures = parse_signature(signature).unwrap();
        labels_to_try(&inputs, &signatures, &keys)
            .map(|list| list.iter().map(|c| c.input.label.clone()).collect())
    };

    // Only decoys: refused without any ECDSA verification.
    let only_decoys =
        Parts::vector(&decoy_signatures.join(", ")).set("signature-input", &decoys.join(", "));
    let before = ecdsa_checks::so_far();
    assert_eq!(
        verify_at(&provider(), &only_decoys, CREATED).map(|_| ()),
        unauthorized("unknown keyid")
    );
    assert_eq!(ecdsa_checks::so_far(), before);
    assert_eq!(
        tried(&decoys.join(", "), &decoy_signatures.join(", ")),
        Err(WebhookError::Unauthorized("unknown keyid"))
    );

    // Decoys around the genuine label: only the genuine one is tried, once.
    let input = format!(
        "{}, {VECTOR_INPUT}, {}",
        decoys[..25].join(", "),
        decoys[25..].join(", ")
    );
    let signature = format!("{}, {VECTOR_SIGNATURE_DER}", decoy_signatures.join(", "));
    assert_eq!(tried(&input, &signature), Ok(vec!["sig1".to_owned()]));
    let parts = Parts::vector(&signature).set("signature-input", &input);
    let before = ecdsa_checks::so_far();
    assert!(verify_at(&provider(), &parts, CREATED).is_ok());
    assert_eq!(ecdsa_checks::so_far(), before + 1);

    // Two labels with a known keyid: the first is tried, the second never.
    let forged = VECTOR_INPUT.replace("sig1=", "sig0=");
    let input = format!("{forged}, {VECTOR_INPUT}");
    let signature = format!("sig0=:AAAA:, {VECTOR_SIGNATURE_DER}");
    assert_eq!(tried(&input, &signature), Ok(vec!["sig0".to_owned()]));
    let parts = Parts::vector(&signature).set("signature-input", &input);
    let before = ecdsa_checks::so_far();
    assert_eq!(
        verify_at(&provider(), &parts, CREATED).map(|_| ()),
        unauthorized("signature mismatch")
    );
    assert_eq!(ecdsa_checks::so_far(), before + 1);

    // A known keyid without a signature of its label, or no keyid at all.
    assert_eq!(
        tried(VECTOR_INPUT, "other=:AAAA:"),
        Err(WebhookError::Unauthorized(
            "no signature matches a signature-input label"
        ))
    );
    assert_eq!(
        tried(r#"sig1=("@method");created=1"#, "sig1=:AAAA:"),
        Err(WebhookError::Unauthorized("missing keyid"))
    );
}

/// A signed request whose covered headers are structured values, with the components
/// Upvest's v6 signer names for them.
fn structured_delivery(body: &str) -> Parts {
    let parts = Parts {
        method: "POST",
        path: "/webhooks/upvest",
        query: None,
        headers: vec![
            ("content-type", "application/json".to_owned()),
            ("cache-control", "max-age=0, no-transform=1".to_owned()),
            ("accept", "application/json, text/plain".to_owned()),
            ("upvest-trace", "(a, \"b, c\", d)".to_owned()),
            ("digest", digest_header(body.as_bytes())),
        ],
        body: body.to_owned(),
    };
    sign_parts(
        parts,
        &[
            "content-type",
            "cache-control:no-transform",
            "cache-control:max-age",
            "accept",
            "upvest-trace:0",
            "upvest-trace:1",
            "upvest-trace:2",
            "upvest-trace:3",
            "@method",
            "@path",
            "digest",
        ],
    )
}

#[test]
fn structured_covered_headers_verify_and_tampering_is_refused() {
    let body = VECTOR_BODY;
    let good = structured_delivery(body);
    assert_eq!(
        verify_at(&provider(), &good, CREATED).map(|d| d.len()),
        Ok(1)
    );
    // What the signer leaves uncovered may change: the text after the first ", " of a
    // plain value, anything after an inner list's closing parenthesis.
    let uncovered = structured_delivery(body)
        .set("accept", "application/json, */*")
        .set("content-type", "application/json, text/plain")
        .set("upvest-trace", "(a, \"b, c\", d);p=1");
    assert_eq!(
        verify_at(&provider(), &uncovered, CREATED).map(|d| d.len()),
        Ok(1)
    );
    let tampered = |name: &'static str, value: &str| {
        verify_at(
            &provider(),
            &structured_delivery(body).set(name, value),
            CREATED,
        )
        .map(|_| ())
    };
    let cases = [
        (
            "cache-control",
            "max-age=1, no-transform=1",
            "signature mismatch",
        ),
        (
            "cache-control",
            "max-age=0, no-transform=2",
            "signature mismatch",
        ),
        ("cache-control", "max-age=0", "covered component is absent"),
        ("cache-control", "no-cache", "covered component is absent"),
        (
            "accept",
            "text/plain, application/json",
            "signature mismatch",
        ),
        (
            "upvest-trace",
            "(a, \"b, c\")",
            "covered component is absent",
        ),
        ("upvest-trace", "(a, \"b, c\", e)", "signature mismatch"),
        (
            "upvest-trace",
            "(a, \"b, c\", d",
            "covered header cannot be normalised",
        ),
        ("content-type", "application/xml", "signature mismatch"),
    ];
    for (name, value, reason) in cases {
        assert_eq!(
            tampered(name, value),
            unauthorized(reason),
            "{name}: {value}"
        );
    }
    let mut forged_body = structured_delivery(body);
    forged_body.body = body.replace("100.00", "900.00");
    assert_eq!(
        verify_at(&provider(), &forged_body, CREATED).map(|_| ()),
        unauthorized("digest mismatch")
    );
}

/// An unsigned second digest entry appended after ", " that matches a forged body must not
/// authenticate it: only the digest text the signature covers is compared with the body.
#[test]
fn an_unsigned_second_digest_entry_never_authenticates_a_body() {
    let forged = VECTOR_BODY.replace("100.00", "900.00");
    let forged_sha256 = digest_header(forged.as_bytes());
    let forged_sha512 = format!(
        "SHA-512={}",
        STANDARD.encode(Sha512::digest(forged.as_bytes()))
    );
    for appended in [forged_sha256.clone(), forged_sha512] {
        // Appended to the header value, or as a second field line.
        let mut joined = Parts::vector(VECTOR_SIGNATURE_DER)
            .set("digest", &format!("{VECTOR_DIGEST}, {appended}"));
        joined.body = forged.clone();
        let mut second_line = Parts::vector(VECTOR_SIGNATURE_DER);
        second_line.headers.push(("digest", appended.clone()));
        second_line.body = forged.clone();
        for parts in [joined, second_line] {
            assert_eq!(
                verify_at(&provider(), &parts, CREATED).map(|_| ()),
                unauthorized("digest mismatch"),
                "{appended}"
            );
        }
    }
    // The same headers with the genuine body: the appended entry is simply not covered.
    let genuine = Parts::vector(VECTOR_SIGNATURE_DER)
        .set("digest", &format!("{VECTOR_DIGEST}, {forged_sha256}"));
    assert!(verify_at(&provider(), &genuine, CREATED).is_ok());
}

/// `digest: sha-256=…` (lower case) is a dictionary for Upvest's signer: it is covered as
/// `digest:sha-256`, which must then be the body's digest.
#[test]
fn a_dictionary_digest_is_covered_by_its_members() {
    let body = VECTOR_BODY;
    let b64 = |bytes: &[u8]| STANDARD.encode(bytes);
    let sha256 = b64(&sha2::Sha256::digest(body.as_bytes()));
    let sha512 = b64(&Sha512::digest(body.as_bytes()));
    let forged = body.replace("100.00", "900.00");
    let forged_sha256 = b64(&sha2::Sha256::digest(forged.as_bytes()));
    let delivery = |digest: &str, components: &[&str]| {
        let parts = Parts {
            method: "POST",
            path: "/webhooks/upvest",
            query: None,
            headers: vec![
                ("content-type", "application/json".to_owned()),
                ("digest", digest.to_owned()),
            ],
            body: body.to_owned(),
        };
        sign_parts(parts, components)
    };
    let both = format!("sha-256={sha256}, sha-512={sha512}");
    let cases: Vec<(&str, Parts, Result<(), WebhookError>)> = vec![
        (
            "sha-256 member",
            delivery(
                &format!("sha-256={sha256}"),
                &["@method", "@path", "digest:sha-256"],
            ),
            Ok(()),
        ),
        (
            "both members covered",
            delivery(
                &both,
                &["digest:sha-512", "@method", "@path", "digest:sha-256"],
            ),
            Ok(()),
        ),
        (
            "one of two members covered",
            delivery(&both, &["@method", "@path", "digest:sha-512"]),
            Ok(()),
        ),
        (
            "a covered member that does not match",
            delivery(
                &format!("sha-256={sha256}, sha-512={forged_sha256}"),
                &["@method", "@path", "digest:sha-256", "digest:sha-512"],
            ),
            unauthorized("digest mismatch"),
        ),
        (
            "only an unknown algorithm covered",
            delivery(
                &format!("md5=abc, sha-256={sha256}"),
                &["@method", "@path", "digest:md5"],
            ),
            unauthorized("digest mismatch"),
        ),
        (
            "the plain name does not cover a dictionary",
            delivery(
                &format!("sha-256={sha256}"),
                &["@method", "@path", "content-type"],
            ),
            unauthorized("digest not covered"),
        ),
    ];
    for (name, parts, expected) in cases {
        assert_eq!(
            verify_at(&provider(), &parts, CREATED).map(|_| ()),
            expected,
            "{name}"
        );
    }
    // `digest` itself is not a component of a dictionary header.
    let mut plain_name = Parts::vector(VECTOR_SIGNATURE_DER);
    plain_name = plain_name.set("digest", &format!("sha-256={sha256}"));
    assert_eq!(
        verify_at(&provider(), &plain_name, CREATED).map(|_| ()),
        unauthorized("covered component is absent")
    );
    // Forged body with an uncovered member that matches it.
    let mut forged_parts = delivery(
        &format!("sha-256={sha256}"),
        &["@method", "@path", "digest:sha-256"],
    );
    forged_parts = forged_parts.set(
        "digest",
        &format!(
            "sha-256={sha256}, sha-512={}",
            b64(&Sha512::digest(forged.as_bytes()))
        ),
    );
    forged_parts.body = forged.clone();
    assert_eq!(
        verify_at(&provider(), &forged_parts, CREATED).map(|_| ()),
        unauthorized("digest mismatch")
    );
    // A repeated member keeps its last value, as in the signer: the base changes.
    let mut repeated = delivery(
        &format!("sha-256={sha256}"),
        &["@method", "@path", "digest:sha-256"],
    );
    repeated = repeated.set(
        "digest",
        &format!("sha-256={sha256}, sha-256={forged_sha256}"),
    );
    repeated.body = forged;
    assert_eq!(
        verify_at(&provider(), &repeated, CREATED).map(|_| ()),
        unauthorized("signature mismatch")
    );
}

#[test]
fn events_of_another_webhook_subscription_are_refused_when_ours_are_configured() {
    let ours = "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a";
    let configured =
        |ids: &str| provider().with_subscriptions(WebhookSubscriptions::only(ids.split(',')));
    let vector = Parts::vector(VECTOR_SIGNATURE_DER);
    assert_eq!(
        verify_at(&configured(ours), &vector, CREATED).map(|d| d.len()),
        Ok(1)
    );
    assert_eq!(
        verify_at(&configured(&format!("other,{ours}")), &vector, CREATED).map(|d| d.len()),
        Ok(1)
    );
    assert_eq!(
        verify_at(&configured("other"), &vector, CREATED).map(|_| ()),
        unauthorized("event for another webhook subscription")
    );
    assert_eq!(
        verify_at(&provider(), &vector, CREATED).map(|d| d.len()),
        Ok(1)
    );
    // One foreign event refuses the batch; an event without webhook_id does not.
    let body = format!(
        r#"{{"payload":[{{"id":"a","type":"T","webhook_id":"{ours}"}},{{"id":"b","type":"T"}},{{"id":"c","type":"T","webhook_id":"theirs"}}]}}"#
    );
    assert_eq!(
        verify_at(&configured(ours), &signed_body(&body), CREATED).map(|_| ()),
        unauthorized("event for another webhook subscription")
    );
    let without_foreign = body.replace(r#",{"id":"c","type":"T","webhook_id":"theirs"}"#, "");
    assert_eq!(
        verify_at(&configured(ours), &signed_body(&without_foreign), CREATED).map(|d| d.len()),
        Ok(2)
    );
    // From configuration.
    let config = ConfigSource::from_pairs([
        (VERIFY_KEYS_VARIABLE, VECTOR_JWKS),
        (WEBHOOK_IDS_VARIABLE, "other-1, other-2"),
    ]);
    let from_config = UpvestProvider::from_config(&config).unwrap();
    assert_eq!(
        verify_at(&from_config, &vector, CREATED).map(|_| ()),
        unauthorized("event for another webhook subscription")
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn arbitrary_requests_never_panic(
            body in proptest::collection::vec(any::<u8>(), 0..256),
            input in "[ -~]{0,200}",
            signature in "[ -~]{0,200}",
            digest in "[ -~]{0,80}",
        ) {
            let request = WebhookRequest::post("/webhooks/upvest", body)
                .with_header("signature-input", &input)
                .with_header("signature", &signature)
                .with_header("digest", &digest);
            let _ = provider().verify(&request, &context_at(CREATED));
        }

        #[test]
        fn signed_garbage_bodies_never_panic(body in "[ -~]{0,300}") {
            let _ = verify_at(&provider(), &signed_body(&body), CREATED);
        }

        #[test]
        fn any_single_byte_change_to_signed_material_is_rejected(
            which in 0usize..3, position in any::<prop::sample::Index>(), delta in 1u8..=255,
        ) {
            let mut parts = Parts::vector(VECTOR_SIGNATURE_DER);
            match which {
                0 => {
                    let mut bytes = parts.body.clone().into_bytes();
                    let i = position.index(bytes.len());
                    bytes[i] = bytes[i].wrapping_add(delta);
                    parts.body = String::from_utf8_lossy(&bytes).into_owned();
                }
                1 => {
                    let mut bytes = VECTOR_INPUT.as_bytes().to_vec();
                    let i = position.index(bytes.len());
                    bytes[i] = bytes[i].wrapping_add(delta);
                    parts = parts.set("signature-input", &String::from_utf8_lossy(&bytes));
                }
                _ => {
                    use base64::Engine;
                    let mut bytes = parse_signature(VECTOR_SIGNATURE_DER).unwrap().remove(0).bytes;
                    let i = position.index(bytes.len());
                    bytes[i] = bytes[i].wrapping_add(delta);
                    let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
                    parts = parts.set("signature", &format!("sig1=:{b64}:"));
                }
            }
            prop_assert!(verify_at(&provider(), &parts, CREATED).is_err());
        }

        #[test]
        fn valid_deliveries_always_verify(
            ids in proptest::collection::vec("[a-z0-9-]{1,36}", 0..5),
            category in "(ORDER|EXECUTION|USER|ACCOUNT|FUTURE_THING)",
            amount in "[0-9]{1,6}\\.[0-9]{2}",
        ) {
            let events: Vec<Value> = ids.iter().map(|id| json!({
                "id": id, "type": format!("{category}.UPDATED"), "created_at": "2026-01-01T00:00:00Z",
                "object": {"id": format!("obj-{id}"), "cash_amount": amount}, "webhook_id": "w",
            })).collect();
            let body = json!({"payload": events}).to_string();
            let drafts = verify_at(&provider(), &signed_body(&body), CREATED).unwrap();
            prop_assert_eq!(drafts.len(), ids.len());
            for (draft, id) in drafts.iter().zip(&ids) {
                prop_assert_eq!(&draft.id, id);
                prop_assert_eq!(&draft.subject, &format!("obj-{id}"));
                let event: UpvestEvent = serde_json::from_str(draft.payload.get()).unwrap();
                let parsed = event.event_type.category();
                prop_assert_eq!(parsed.as_str(), category.as_str());
            }
        }
    }
}

/// Its own windows: Upvest signs every retry anew, so a genuine `created` is seconds old.
#[test]
fn its_age_window_and_aws_budget_are_its_own() {
    assert_eq!(
        UpvestProvider::DEFAULT_MAX_EVENT_AGE,
        std::time::Duration::from_secs(3600)
    );
    assert_eq!(UpvestProvider::DEFAULT_AWS_RETRY_SECONDS, 5);
}

use std::time::Duration;

use time::macros::datetime;

use super::*;
use crate::pipeline::fallback::Fallbacks;
use crate::pipeline::limits::MAX_EVENT_ID_BYTES;
use crate::pipeline::FreshnessPolicy;

/// The USER_REGISTERED sample as SnapTrade's docs print it (key order and indentation kept).
const DOC_USER_REGISTERED: &str = r#"{
  "webhookId": "dbaee13a-1184-4677-9741-b6845e60ee3a",
  "clientId": "phjBdpKfpN",
  "eventTimestamp": "2022-05-31T11:16:54.658533+00:00",
  "userId": "qQYISR9xcmR8ZtVHNgg1lbYgSQcxafPqPW0ZbE0yaA6ham6n54",
  "eventType": "USER_REGISTERED",
  "webhookSecret": "lgCQWztweEFcHvjdLhHc"
}"#;

/// The self-generated vector of providers.md §3.2 (not from SnapTrade): its canonical
/// form and the signature under the key `CONSUMER_KEY`.
const VECTOR_CANONICAL: &str = r#"{"clientId":"phjBdpKfpN","eventTimestamp":"2022-05-31T11:16:54.658533+00:00","eventType":"USER_REGISTERED","userId":"qQYISR9xcmR8ZtVHNgg1lbYgSQcxafPqPW0ZbE0yaA6ham6n54","webhookId":"dbaee13a-1184-4677-9741-b6845e60ee3a","webhookSecret":"lgCQWztweEFcHvjdLhHc"}"#;
const VECTOR_SIGNATURE: &str = "6E3YbAOqD8pEDvN+B5jBBPwtEwadotgyvPB0zElVmQg=";
const KEY: &str = "CONSUMER_KEY";
const LEGACY: &str = "lgCQWztweEFcHvjdLhHc";

fn provider(keys: Option<&str>, legacy: Option<&str>) -> SnapTradeProvider {
    SnapTradeProvider::new(
        keys.map(|k| SecretList::parse(k).unwrap()),
        legacy.map(|s| SecretList::parse(s).unwrap()),
    )
    .unwrap()
}

fn keyed() -> SnapTradeProvider {
    provider(Some(KEY), None)
}

fn context() -> VerifyContext {
    VerifyContext {
        now: datetime!(2022-05-31 11:20:00 UTC),
        freshness: FreshnessPolicy::new(Some(Duration::from_secs(30 * 86400))),
    }
}

fn unsigned(body: &str) -> WebhookRequest {
    WebhookRequest::post("/webhooks/snaptrade", body)
}

fn with_signature(body: &str, signature: &str) -> WebhookRequest {
    unsigned(body).with_header("Signature", signature)
}

/// Signed over the raw body.
fn signed(body: &str, key: &str) -> WebhookRequest {
    with_signature(body, &signature_base64(key, body.as_bytes()))
}

fn verify(
    provider: &SnapTradeProvider,
    request: &WebhookRequest,
) -> Result<Verified<Vec<EventDraft>>, WebhookError> {
    provider.verify(request, &context())
}

fn outcome(provider: &SnapTradeProvider, request: &WebhookRequest) -> Result<usize, WebhookError> {
    verify(provider, request).map(|v| v.matched_secret())
}

fn only_draft(verified: Verified<Vec<EventDraft>>) -> EventDraft {
    let mut drafts = verified.into_value();
    assert_eq!(drafts.len(), 1);
    drafts.remove(0)
}

fn unauthorized(reason: &'static str) -> Result<usize, WebhookError> {
    Err(WebhookError::Unauthorized(reason))
}

#[test]
fn known_answer_vector() {
    assert_eq!(
        canonical_form(DOC_USER_REGISTERED).unwrap(),
        VECTOR_CANONICAL
    );
    assert_eq!(
        signature_base64(KEY, VECTOR_CANONICAL.as_bytes()),
        VECTOR_SIGNATURE
    );
    // The docs' body as sent (pretty, unsorted) with the vector's signature verifies
    // through the canonical form.
    let verified = verify(
        &keyed(),
        &with_signature(DOC_USER_REGISTERED, VECTOR_SIGNATURE),
    )
    .unwrap();
    assert_eq!(verified.matched_secret(), 0);
    let draft = only_draft(verified);
    assert_eq!(draft.id, "dbaee13a-1184-4677-9741-b6845e60ee3a");
    assert_eq!(draft.event_type, "USER_REGISTERED");
    assert_eq!(
        draft.subject,
        "qQYISR9xcmR8ZtVHNgg1lbYgSQcxafPqPW0ZbE0yaA6ham6n54"
    );
    assert_eq!(draft.occurred_at, datetime!(2022-05-31 11:16:54.658533 UTC));
    assert_eq!(draft.signed_at, Some(draft.occurred_at));
    // Everything but the legacy secret, byte for byte.
    assert_eq!(
        draft.payload.get(),
        DOC_USER_REGISTERED.replace(",\n  \"webhookSecret\": \"lgCQWztweEFcHvjdLhHc\"", "")
    );
    assert_eq!(
        draft.payload.get(),
        "{\n  \"webhookId\": \"dbaee13a-1184-4677-9741-b6845e60ee3a\",\n  \"clientId\": \"phjBdpKfpN\",\n  \"eventTimestamp\": \"2022-05-31T11:16:54.658533+00:00\",\n  \"userId\": \"qQYISR9xcmR8ZtVHNgg1lbYgSQcxafPqPW0ZbE0yaA6ham6n54\",\n  \"eventType\": \"USER_REGISTERED\"\n}"
    );
}

/// The payload enqueued for `request`, however it authenticated.
fn payload_of(p: &SnapTradeProvider, request: &WebhookRequest) -> String {
    only_draft(verify(p, request).unwrap())
        .payload
        .get()
        .to_owned()
}

#[test]
fn the_legacy_secret_never_reaches_the_payload_however_the_delivery_authenticated() {
    let both = provider(Some(KEY), Some(LEGACY));
    let expected =
        DOC_USER_REGISTERED.replace(&format!(",\n  \"webhookSecret\": \"{LEGACY}\""), "");
    for (how, request) in [
        (
            "signature over the raw body",
            signed(DOC_USER_REGISTERED, KEY),
        ),
        (
            "signature over the canonical form",
            with_signature(DOC_USER_REGISTERED, VECTOR_SIGNATURE),
        ),
        ("legacy secret", unsigned(DOC_USER_REGISTERED)),
        (
            "legacy secret, signature of another key",
            signed(DOC_USER_REGISTERED, "another-key"),
        ),
    ] {
        assert_eq!(payload_of(&both, &request), expected, "{how}");
    }
    // Wherever it sits, and spelled with an escape; nested fields of that name stay.
    let body = r#"{ "webhookSecret" : "lgCQWztweEFcHvjdLhHc" , "webhookId":"w", "details":{"webhookSecret":1.50},"webhook\u0053ecret":"lgCQWztweEFcHvjdLhHc", "userId":"u" }"#;
    assert_eq!(
        payload_of(&both, &unsigned(body)),
        r#"{ "webhookId":"w", "details":{"webhookSecret":1.50}, "userId":"u" }"#
    );
    // A signed body without the field is enqueued exactly as received.
    let plain = r#"{"webhookId":"w","eventType":"X","userId":"u"}"#;
    assert_eq!(payload_of(&keyed(), &signed(plain, KEY)), plain);
}

#[test]
fn a_wrong_legacy_secret_of_any_length_is_refused() {
    let p = provider(None, Some(LEGACY));
    for wrong in [
        "",
        "l",
        "lgCQWztweEFcHvjdLhH",
        "lgCQWztweEFcHvjdLhHcc",
        "LGCQWZTWEFCHVJDLHHC",
    ] {
        let body = DOC_USER_REGISTERED.replace(LEGACY, wrong);
        let expected = if wrong.is_empty() {
            unauthorized("missing webhookSecret")
        } else {
            unauthorized("webhookSecret mismatch")
        };
        assert_eq!(outcome(&p, &unsigned(&body)), expected, "{wrong:?}");
    }
}

#[test]
fn a_repeated_key_is_refused_when_only_the_canonical_form_verified() {
    // The canonical form keeps the last duplicate, so a prepended key is not signed; a
    // consumer keeping the first duplicate would read it.
    let forged = DOC_USER_REGISTERED.replacen("{\n", "{\n  \"userId\": \"mallory\",\n", 1);
    assert_eq!(canonical_form(&forged).unwrap(), VECTOR_CANONICAL);
    assert_eq!(
        outcome(&keyed(), &with_signature(&forged, VECTOR_SIGNATURE)),
        unauthorized(DUPLICATE_KEY_IN_CANONICAL_FORM)
    );
    // At any depth.
    let nested = r#"{"webhookId":"w","eventType":"X","userId":"u","details":{"a":{"b":1,"b":2}}}"#;
    let canonical = canonical_form(nested).unwrap();
    assert_eq!(
        outcome(
            &keyed(),
            &with_signature(nested, &signature_base64(KEY, canonical.as_bytes()))
        ),
        unauthorized(DUPLICATE_KEY_IN_CANONICAL_FORM)
    );
    // The same body without the duplicate verifies; and over the raw bytes every key is
    // signed as sent, so nothing is refused there.
    assert_eq!(
        outcome(
            &keyed(),
            &with_signature(DOC_USER_REGISTERED, VECTOR_SIGNATURE)
        ),
        Ok(0)
    );
    assert_eq!(outcome(&keyed(), &signed(&forged, KEY)), Ok(0));
}

#[test]
fn a_signature_over_the_raw_body_verifies() {
    let request = signed(DOC_USER_REGISTERED, KEY);
    assert_ne!(request.header("signature").unwrap(), VECTOR_SIGNATURE);
    assert_eq!(outcome(&keyed(), &request), Ok(0));
}

const NON_ASCII: &str = r#"{
  "webhookId": "0b6c7a4e-8f0e-4f1e-9d55-3f0b2f9a1c11",
  "clientId": "PARTNERAPP",
  "eventTimestamp": "2022-05-31T11:18:00.000001+00:00",
  "userId": "Zoë-Ståhl-📈",
  "eventType": "TRADE_DETECTION",
  "accountId": "ad4202bb-eaf7-4c7c-a176-e8406612b1ca",
  "details": {"orders": [{"legs": [{"instrument": {"description": "Société Générale – ADR"}}]}]}
}"#;

#[test]
fn a_body_with_non_ascii_characters_verifies_signed_either_way() {
    let canonical = canonical_form(NON_ASCII).unwrap();
    assert!(canonical.contains(r#""userId":"Zo\u00eb-St\u00e5hl-\ud83d\udcc8""#));
    assert!(
        canonical.contains(r#""description":"Soci\u00e9t\u00e9 G\u00e9n\u00e9rale \u2013 ADR""#)
    );
    assert!(canonical.is_ascii());

    let raw = signed(NON_ASCII, KEY);
    let draft = only_draft(verify(&keyed(), &raw).unwrap());
    assert_eq!(draft.subject, "ad4202bb-eaf7-4c7c-a176-e8406612b1ca");
    assert_eq!(
        draft.payload.get(),
        NON_ASCII,
        "no legacy secret: unchanged"
    );

    let over_canonical = with_signature(NON_ASCII, &signature_base64(KEY, canonical.as_bytes()));
    assert_eq!(outcome(&keyed(), &over_canonical), Ok(0));

    // serde_json's compact form (UTF-8 left unescaped) is not SnapTrade's form.
    let value: Value = serde_json::from_str(NON_ASCII).unwrap();
    let compact = serde_json::to_string(&value).unwrap();
    assert_ne!(compact, canonical);
    let over_compact = with_signature(NON_ASCII, &signature_base64(KEY, compact.as_bytes()));
    assert_eq!(
        outcome(&keyed(), &over_compact),
        unauthorized("signature mismatch")
    );
}

#[test]
fn a_body_with_floats_verifies_over_python_float_formatting() {
    let body = r#"{"webhookId": "w-float", "eventType": "TRADE_DETECTION", "userId": "u1",
        "eventTimestamp": "2022-05-31T11:18:00+00:00",
        "details": {"detection_lag_seconds": 0.00001, "total": 100.0, "big": 1e16, "lag": 5.276, "count": 3}}"#;
    // What CPython prints for json.dumps(json.loads(body), separators=(",", ":"), sort_keys=True).
    let python = r#"{"details":{"big":1e+16,"count":3,"detection_lag_seconds":1e-05,"lag":5.276,"total":100.0},"eventTimestamp":"2022-05-31T11:18:00+00:00","eventType":"TRADE_DETECTION","userId":"u1","webhookId":"w-float"}"#;
    assert_eq!(canonical_form(body).unwrap(), python);
    let request = with_signature(body, &signature_base64(KEY, python.as_bytes()));
    assert_eq!(outcome(&keyed(), &request), Ok(0));
}

#[test]
fn a_second_rotated_key_is_reported_by_position() {
    let p = provider(Some("NEW_KEY,CONSUMER_KEY"), None);
    assert_eq!(
        outcome(&p, &with_signature(DOC_USER_REGISTERED, VECTOR_SIGNATURE)),
        Ok(1)
    );
    assert_eq!(outcome(&p, &signed(DOC_USER_REGISTERED, "NEW_KEY")), Ok(0));
}

#[test]
fn a_missing_header_without_legacy_secret_is_refused_before_the_body_is_read() {
    for body in [DOC_USER_REGISTERED, "not json", ""] {
        assert_eq!(
            outcome(&keyed(), &unsigned(body)),
            unauthorized("missing Signature header"),
            "{body:?}"
        );
        assert_eq!(
            outcome(&keyed(), &with_signature(body, "  ")),
            unauthorized("missing Signature header"),
            "{body:?}"
        );
    }
}

#[test]
fn a_missing_header_with_legacy_secret_falls_back_to_webhook_secret() {
    let p = provider(Some("k1,k2"), Some(&format!("old,{LEGACY}")));
    // Consumer keys count first: legacy position 1 is reported as 2 + 1.
    assert_eq!(outcome(&p, &unsigned(DOC_USER_REGISTERED)), Ok(3));
    let wrong = DOC_USER_REGISTERED.replace(LEGACY, "lgCQWztweEFcHvjdLhHd");
    assert_eq!(
        outcome(&p, &unsigned(&wrong)),
        unauthorized("webhookSecret mismatch")
    );
    let without = DOC_USER_REGISTERED.replace(&format!(",\n  \"webhookSecret\": \"{LEGACY}\""), "");
    assert_ne!(without, DOC_USER_REGISTERED);
    assert_eq!(
        outcome(&p, &unsigned(&without)),
        unauthorized("missing Signature header")
    );
    assert_eq!(
        outcome(&p, &unsigned("webhookSecret=x")),
        Err(WebhookError::bad_request("body is not valid JSON"))
    );
}

#[test]
fn a_wrong_signature_with_the_right_legacy_secret_is_authentic() {
    let p = provider(Some(KEY), Some(LEGACY));
    let request = signed(DOC_USER_REGISTERED, "another-key");
    assert_eq!(outcome(&p, &request), Ok(1));
    // …but without it the signature failure is what is reported.
    let wrong = DOC_USER_REGISTERED.replace(LEGACY, "nope");
    assert_eq!(
        outcome(&p, &signed(&wrong, "another-key")),
        unauthorized("signature mismatch")
    );
    assert_eq!(
        outcome(&p, &signed("not json", "another-key")),
        unauthorized("signature mismatch")
    );
}

#[test]
fn legacy_only_ignores_the_header() {
    let p = provider(None, Some(LEGACY));
    assert_eq!(outcome(&p, &signed(DOC_USER_REGISTERED, "whatever")), Ok(0));
    assert_eq!(outcome(&p, &unsigned(DOC_USER_REGISTERED)), Ok(0));
    assert_eq!(
        outcome(&p, &unsigned(r#"{"webhookId":"w","eventType":"X"}"#)),
        unauthorized("missing webhookSecret")
    );
}

#[test]
fn signature_header_negatives() {
    let body = DOC_USER_REGISTERED;
    let good = signature_base64(KEY, body.as_bytes());
    let mac = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &good).unwrap();
    let cases = [
        (
            "wrong key",
            signature_base64("consumer_key", body.as_bytes()),
        ),
        ("not base64", "!!!!".to_owned()),
        ("truncated", good[..good.len() - 4].to_owned()),
        ("unpadded", good.trim_end_matches('=').to_owned()),
        ("hex instead of base64", hex::encode(&mac)),
        ("two values", format!("{good}, {good}")),
        (
            "signature of another body",
            VECTOR_SIGNATURE.replace('6', "7"),
        ),
    ];
    for (name, signature) in cases {
        assert_eq!(
            outcome(&keyed(), &with_signature(body, &signature)),
            unauthorized("signature mismatch"),
            "{name}"
        );
    }
    assert_eq!(
        outcome(&keyed(), &with_signature(body, &format!(" {good} "))),
        Ok(0)
    );
}

#[test]
fn envelope_fields_follow_the_mapping() {
    // (body fields, expected id, expected subject)
    let base = r#""eventType":"X","eventTimestamp":"2022-05-31T16:46:54.5+05:30","userId":"user""#;
    let cases = [
        (r#""webhookId":"w1""#, "w1", "user"),
        (r#""webookId":"typo""#, "typo", "user"),
        (r#""webookId":"typo","webhookId":"w2""#, "w2", "user"),
        (r#""webhookId":"","webookId":"typo""#, "typo", "user"),
        (r#""webhookId":"w","connectionId":"conn""#, "w", "conn"),
        (
            r#""webhookId":"w","connectionId":"conn","brokerageAuthorizationId":"auth""#,
            "w",
            "auth",
        ),
        (
            r#""webhookId":"w","accountId":"acct","brokerageAuthorizationId":"auth""#,
            "w",
            "acct",
        ),
        (
            r#""webhookId":"w","accountId":null,"brokerageAuthorizationId":"auth""#,
            "w",
            "auth",
        ),
    ];
    for (fields, id, subject) in cases {
        let body = format!("{{{fields},{base}}}");
        let draft = only_draft(verify(&keyed(), &signed(&body, KEY)).unwrap());
        assert_eq!(
            (draft.id.as_str(), draft.subject.as_str()),
            (id, subject),
            "{body}"
        );
        assert_eq!(draft.event_type, "X");
        assert_eq!(draft.occurred_at, datetime!(2022-05-31 11:16:54.5 UTC));
        assert_eq!(draft.fallback, Fallbacks::NONE);
    }
}

#[test]
fn only_a_body_that_is_not_a_json_object_is_a_400_after_authentication() {
    let bad = |reason: &str| Err(WebhookError::bad_request(reason));
    let cases: Vec<(&str, String, Result<usize, WebhookError>)> = vec![
        (
            "array",
            format!("[{DOC_USER_REGISTERED}]"),
            bad("body is not a JSON object"),
        ),
        (
            "not json",
            "webhookId=1".to_owned(),
            bad("body is not valid JSON"),
        ),
        (
            "string",
            r#""webhookId""#.to_owned(),
            bad("body is not a JSON object"),
        ),
    ];
    for (name, body, expected) in cases {
        assert_eq!(outcome(&keyed(), &signed(&body, KEY)), expected, "{name}");
    }
}

/// Name, body, expected id (`None`: the content hash), type, subject, occurred_at
/// (`None`: the receive time), fallbacks.
type DriftCase = (
    &'static str,
    String,
    Option<String>,
    &'static str,
    &'static str,
    Option<time::OffsetDateTime>,
    Fallbacks,
);

fn drifts() -> Vec<DriftCase> {
    use crate::pipeline::fallback::Fallback::{EventId, EventType, OccurredAt, SignedTimestamp, Subject};
    let at = Some(datetime!(2022-05-31 11:16:54 UTC));
    let none = Fallbacks::NONE;
    let long = "w".repeat(MAX_EVENT_ID_BYTES + 1);
    let longest = "w".repeat(MAX_EVENT_ID_BYTES);
    vec![
        (
            "no webhookId",
            r#"{"eventType":"X","eventTimestamp":"2022-05-31T11:16:54Z","userId":"u"}"#.to_owned(),
            None, "X", "u", at, none.with(EventId),
        ),
        (
            "numeric webhookId",
            r#"{"webhookId":7,"eventType":"X","eventTimestamp":"2022-05-31T11:16:54Z","userId":"u"}"#.to_owned(),
            None, "X", "u", at, none.with(EventId),
        ),
        (
            "webhookId over 512 bytes",
            format!(r#"{{"webhookId":"{long}","eventType":"X","eventTimestamp":"2022-05-31T11:16:54Z","userId":"u"}}"#),
            None, "X", "u", at, none.with(EventId),
        ),
        (
            "webhookId over 512 bytes, webookId usable",
            format!(r#"{{"webhookId":"{long}","webookId":"typo","eventType":"X","eventTimestamp":"2022-05-31T11:16:54Z","userId":"u"}}"#),
            Some("typo".to_owned()), "X", "u", at, none,
        ),
        (
            "webhookId of exactly 512 bytes",
            format!(r#"{{"webhookId":"{longest}","eventType":"X","eventTimestamp":"2022-05-31T11:16:54Z","userId":"u"}}"#),
            Some(longest.clone()), "X", "u", at, none,
        ),
        (
            "no eventTimestamp",
            r#"{"webhookId":"w","eventType":"X","userId":"u"}"#.to_owned(),
            Some("w".to_owned()), "X", "u", None, none.with(OccurredAt).with(SignedTimestamp),
        ),
        (
            "eventTimestamp not RFC 3339",
            r#"{"webhookId":"w","eventType":"X","eventTimestamp":"2022-05-31 11:16:54","userId":"u"}"#.to_owned(),
            Some("w".to_owned()), "X", "u", None, none.with(OccurredAt).with(SignedTimestamp),
        ),
        (
            "no eventType",
            r#"{"webhookId":"w","eventTimestamp":"2022-05-31T11:16:54Z","userId":"u"}"#.to_owned(),
            Some("w".to_owned()), "UNPARSED", "u", at, none.with(EventType),
        ),
        (
            "no userId or other subject",
            r#"{"webhookId":"w","eventType":"X","eventTimestamp":"2022-05-31T11:16:54Z"}"#.to_owned(),
            Some("w".to_owned()), "X", "unknown", at, none.with(Subject),
        ),
        (
            "an empty object",
            "{}".to_owned(),
            None, "UNPARSED", "unknown", None,
            [EventId, EventType, Subject, OccurredAt, SignedTimestamp].into_iter().collect(),
        ),
    ]
}

#[test]
fn an_authentic_object_is_always_enqueued_with_its_fallbacks() {
    let now = context().now;
    for (name, body, id, event_type, subject, occurred_at, fallback) in drifts() {
        let draft = only_draft(verify(&keyed(), &signed(&body, KEY)).unwrap());
        let value: Value = serde_json::from_str(&body).unwrap();
        let id = id.unwrap_or_else(|| crate::text::canonical_json::content_id(&value));
        assert_eq!(draft.id, id, "{name}");
        assert_eq!(draft.event_type, event_type, "{name}");
        assert_eq!(draft.subject, subject, "{name}");
        assert_eq!(draft.occurred_at, occurred_at.unwrap_or(now), "{name}");
        assert_eq!(draft.fallback, fallback, "{name}");
        assert_eq!(draft.payload.get(), body, "{name}");

        // Tampered copies: another key's signature, or the body changed after signing.
        assert_eq!(
            outcome(&keyed(), &signed(&body, "OTHER_KEY")),
            unauthorized("signature mismatch"),
            "{name}"
        );
        let signature = signature_base64(KEY, body.as_bytes());
        let changed = format!(r#"{},"forged":true}}"#, &body[..body.len() - 1]);
        assert_eq!(
            outcome(&keyed(), &with_signature(&changed, &signature)),
            unauthorized("signature mismatch"),
            "{name}"
        );
    }
}

#[test]
fn the_legacy_secret_signs_no_timestamp_so_only_occurred_at_falls_back() {
    let body = r#"{"webhookId":"w","eventType":"X","userId":"u","webhookSecret":"lgCQWztweEFcHvjdLhHc","eventTimestamp":"soon"}"#;
    let legacy = provider(None, Some(LEGACY));
    let draft = only_draft(verify(&legacy, &unsigned(body)).unwrap());
    assert_eq!(draft.occurred_at, context().now);
    assert_eq!(draft.signed_at, None, "nothing signed");
    assert_eq!(
        draft.payload.get(),
        r#"{"webhookId":"w","eventType":"X","userId":"u","eventTimestamp":"soon"}"#
    );
    assert_eq!(
        draft.fallback,
        Fallbacks::NONE.with(crate::pipeline::fallback::Fallback::OccurredAt)
    );
    assert_eq!(
        outcome(&legacy, &unsigned(&body.replace("lgCQ", "lgCR"))),
        unauthorized("webhookSecret mismatch")
    );
}

#[test]
fn a_drifted_event_whose_signed_timestamp_reads_is_still_held_to_freshness() {
    let body = r#"{"eventTimestamp":"2022-05-31T11:16:54Z"}"#;
    let mut ctx = context();
    ctx.now = datetime!(2022-07-01 00:00:00 UTC);
    assert_eq!(
        keyed().verify(&signed(body, KEY), &ctx).map(|_| ()),
        Err(WebhookError::Unauthorized("signed timestamp is too old"))
    );
}

#[test]
fn signed_timestamps_are_held_to_the_freshness_rule_unsigned_ones_are_not() {
    let request = signed(DOC_USER_REGISTERED, KEY);
    let mut ctx = context();
    // SnapTrade's sample would refuse after 300 s; a 30-minute-later retry is accepted.
    ctx.now = datetime!(2022-05-31 11:47:00 UTC);
    assert!(keyed().verify(&request, &ctx).is_ok());
    ctx.now = datetime!(2022-07-01 00:00:00 UTC);
    assert_eq!(
        keyed().verify(&request, &ctx).map(|_| ()),
        Err(WebhookError::Unauthorized("signed timestamp is too old"))
    );
    ctx.now = datetime!(2022-05-31 11:00:00 UTC);
    assert_eq!(
        keyed().verify(&request, &ctx).map(|_| ()),
        Err(WebhookError::Unauthorized(
            "signed timestamp is in the future"
        ))
    );
    // The legacy secret covers nothing, so its eventTimestamp is not grounds for refusal.
    ctx.now = datetime!(2022-07-01 00:00:00 UTC);
    let legacy = provider(None, Some(LEGACY));
    assert!(legacy.verify(&unsigned(DOC_USER_REGISTERED), &ctx).is_ok());
}

#[test]
fn an_unknown_event_type_is_accepted_with_its_raw_payload() {
    let body = r#"{"webhookId":"w-new","eventType":"SOMETHING_NEW","eventTimestamp":"2022-05-31T11:16:54Z","userId":"u","novel":{"x":[1,2]}}"#;
    let draft = only_draft(verify(&keyed(), &signed(body, KEY)).unwrap());
    assert_eq!(draft.event_type, "SOMETHING_NEW");
    assert_eq!(draft.payload.get(), body);
}

#[test]
fn configuration_needs_one_of_the_two_variables() {
    let config =
        ConfigSource::from_pairs([(CONSUMER_KEY_VARIABLE, " "), (WEBHOOK_SECRET_VARIABLE, "")]);
    let error = SnapTradeProvider::from_config(&config).unwrap_err();
    assert_eq!(error, ConfigError::Missing(EITHER_VARIABLE));
    assert_eq!(
        error.to_string(),
        "required variable SNAPTRADE_CONSUMER_KEY or SNAPTRADE_WEBHOOK_SECRET is missing or empty"
    );
    assert_eq!(
        SnapTradeProvider::from_config(&ConfigSource::from_pairs([(CONSUMER_KEY_VARIABLE, ",")]))
            .unwrap_err(),
        ConfigError::Missing(CONSUMER_KEY_VARIABLE)
    );
    let both = SnapTradeProvider::from_config(&ConfigSource::from_pairs([
        (CONSUMER_KEY_VARIABLE, "a,b"),
        (WEBHOOK_SECRET_VARIABLE, "c"),
    ]))
    .unwrap();
    assert_eq!(
        format!("{both:?}"),
        "SnapTradeProvider { consumer_keys: Some(SecretList(2 redacted)), webhook_secrets: Some(SecretList(1 redacted)) }"
    );
    let legacy_only = SnapTradeProvider::from_config(&ConfigSource::from_pairs([(
        WEBHOOK_SECRET_VARIABLE,
        LEGACY,
    )]))
    .unwrap();
    assert_eq!(outcome(&legacy_only, &unsigned(DOC_USER_REGISTERED)), Ok(0));
}

mod through_the_pipeline {
    use std::sync::Arc;

    use super::*;
    use crate::edge::answer::Answer;
    use crate::pipeline::ports::clock::ManualClock;
    use crate::config::PipelineSettings;
    use crate::pipeline::ports::MemoryStore;
    use crate::pipeline::Pipeline;
    use crate::pipeline::ports::MemoryQueue;

    /// The production defaults (no `MAX_EVENT_AGE_SECONDS`), both ways of authenticating.
    fn pipeline_at(
        now: time::OffsetDateTime,
    ) -> (
        Pipeline<SnapTradeProvider, Arc<MemoryStore>, Arc<MemoryQueue>>,
        Arc<MemoryQueue>,
    ) {
        let config = ConfigSource::from_pairs([
            ("EVENTS_TABLE", "t"),
            ("EVENTS_QUEUE_URL", "q.fifo"),
            (CONSUMER_KEY_VARIABLE, KEY),
            (WEBHOOK_SECRET_VARIABLE, LEGACY),
        ]);
        let settings = PipelineSettings::from_config(
            &config,
            crate::config::AwsSettings::default(),
            SnapTradeProvider::DEFAULT_MAX_EVENT_AGE,
        )
        .unwrap();
        assert_eq!(settings.max_event_age, Some(Duration::from_secs(86_400)));
        let queue = Arc::new(MemoryQueue::new());
        let pipeline = Pipeline::new(
            SnapTradeProvider::from_config(&config).unwrap(),
            Arc::new(MemoryStore::new()),
            queue.clone(),
            settings,
        )
        .with_clock(Arc::new(ManualClock::new(now)));
        (pipeline, queue)
    }

    fn status(answer: Answer) -> (u16, String) {
        (answer.status, answer.body)
    }

    #[tokio::test]
    async fn the_production_window_is_one_day() {
        let signed_at = datetime!(2022-05-31 11:16:54.658533 UTC);
        let request = signed(DOC_USER_REGISTERED, KEY);
        let too_old = (401, r#"{"error":"signed timestamp is too old"}"#.to_owned());
        let accepted = (200, r#"{"accepted":1,"duplicates":0}"#.to_owned());
        for (after, expected) in [
            (time::Duration::days(2), too_old.clone()),
            (
                time::Duration::days(1) + time::Duration::milliseconds(1),
                too_old,
            ),
            (time::Duration::days(1), accepted.clone()),
            (time::Duration::hours(3), accepted),
        ] {
            let (pipeline, _) = pipeline_at(signed_at + after);
            assert_eq!(status(pipeline.handle(&request).await), expected, "{after}");
        }
    }

    #[tokio::test]
    async fn no_legacy_secret_reaches_the_queue() {
        let (pipeline, queue) = pipeline_at(datetime!(2022-05-31 11:20 UTC));
        let other = DOC_USER_REGISTERED.replace("dbaee13a", "dbaee13b");
        let yet_another = DOC_USER_REGISTERED.replace("dbaee13a", "dbaee13c");
        for request in [
            signed(DOC_USER_REGISTERED, KEY),
            unsigned(&other),
            with_signature(
                &yet_another,
                &signature_base64(KEY, canonical_form(&yet_another).unwrap().as_bytes()),
            ),
        ] {
            assert_eq!(pipeline.handle(&request).await.status, 200);
        }
        let messages = queue.messages();
        assert_eq!(messages.len(), 3);
        for message in messages {
            assert!(!message.body.contains("webhookSecret"), "{}", message.body);
            assert!(!message.body.contains(LEGACY), "{}", message.body);
            let envelope: Value = serde_json::from_str(&message.body).unwrap();
            assert_eq!(envelope["payload"]["clientId"], "phjBdpKfpN");
            assert!(
                message.body.contains(
                    "\n  \"userId\": \"qQYISR9xcmR8ZtVHNgg1lbYgSQcxafPqPW0ZbE0yaA6ham6n54\",\n  \"eventType\": \"USER_REGISTERED\"\n}"
                ),
                "other members byte for byte: {}",
                message.body
            );
        }
    }
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            "[ -~]{0,12}".prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
                proptest::collection::btree_map("[ -~]{0,6}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..512), header in "[ -~]{0,60}") {
            let request = WebhookRequest::post("/", body).with_header("Signature", &header);
            let _ = provider(Some(KEY), Some(LEGACY)).verify(&request, &context());
            let _ = canonical_form(&String::from_utf8_lossy(&request.body));
        }

        #[test]
        fn any_change_to_a_signed_body_is_rejected(position in 0usize..DOC_USER_REGISTERED.len(), replacement in any::<u8>()) {
            let signature = signature_base64(KEY, DOC_USER_REGISTERED.as_bytes());
            let mut body = DOC_USER_REGISTERED.as_bytes().to_vec();
            prop_assume!(body[position] != replacement);
            body[position] = replacement;
            let request = WebhookRequest::post("/", body).with_header("Signature", &signature);
            prop_assert_eq!(outcome(&keyed(), &request), unauthorized("signature mismatch"));
        }

        #[test]
        fn any_change_to_the_signature_is_rejected(position in 0usize..43, replacement in "[A-Za-z0-9+/]") {
            let mut signature = VECTOR_SIGNATURE.to_owned();
            prop_assume!(&signature[position..position + 1] != replacement.as_str());
            signature.replace_range(position..position + 1, &replacement);
            let request = with_signature(DOC_USER_REGISTERED, &signature);
            prop_assert_eq!(outcome(&keyed(), &request), unauthorized("signature mismatch"));
        }

        #[test]
        fn valid_deliveries_always_verify(
            user in "\\PC{1,20}",
            extra in json_value(),
            key in "[!-+\\--~]{1,40}",
            over_canonical in any::<bool>(),
            second in 0u8..60,
        ) {
            let payload = serde_json::json!({
                "webhookId": "w", "eventType": "USER_REGISTERED", "userId": user,
                "eventTimestamp": format!("2022-05-31T11:17:{second:02}.5+00:00"), "extra": extra,
            });
            let body = serde_json::to_string_pretty(&payload).unwrap();
            let message = if over_canonical { canonical_form(&body).unwrap() } else { body.clone() };
            let request = with_signature(&body, &signature_base64(&key, message.as_bytes()));
            let p = provider(Some(&key), None);
            let draft = only_draft(verify(&p, &request).unwrap());
            prop_assert_eq!(&draft.subject, &user);
            prop_assert_eq!(draft.payload.get(), body.as_str());
        }

        /// For printable-ASCII strings and integers Python and serde_json agree, so
        /// serde_json's sorted compact output is an independent oracle there.
        #[test]
        fn canonical_form_matches_serde_json_on_ascii_and_integers(value in json_value()) {
            let pretty = serde_json::to_string_pretty(&value).unwrap();
            prop_assert_eq!(canonical_form(&pretty).unwrap(), value.to_string());
        }
    }
}

/// Its own windows: SnapTrade retries 3 times from 30 minutes (about 3.5 h).
#[test]
fn its_age_window_and_aws_budget_are_its_own() {
    assert_eq!(
        SnapTradeProvider::DEFAULT_MAX_EVENT_AGE,
        std::time::Duration::from_secs(24 * 3600)
    );
    assert_eq!(SnapTradeProvider::DEFAULT_AWS_RETRY_SECONDS, 5);
}

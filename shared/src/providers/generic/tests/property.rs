//! No input panics: arbitrary bodies, headers and queries for every scheme, and
//! arbitrary configuration documents.

use proptest::prelude::*;
use time::macros::datetime;

use super::*;

const NOW: OffsetDateTime = datetime!(2026-11-22 12:00:00 UTC);
const WHSEC: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn every_scheme() -> Vec<Source> {
    let mapping = json!({"id": "/id", "type": "/0", "subject": "", "occurred_at": {"pointer": "/t", "format": "unix_millis"}});
    vec![
        source(
            "sw",
            json!({"scheme": "standard-webhooks", "secrets": [WHSEC], "envelope": mapping}),
        ),
        source(
            "hm",
            json!({"scheme": "hmac", "secrets": ["a-secret-of-at-least-16-bytes"], "header": "x-sig", "algorithm": "sha512", "encoding": "base64",
                   "prefix": "v1=", "signed": "timestamp", "timestamp_header": "x-ts", "envelope": mapping}),
        ),
        source(
            "hx",
            json!({"scheme": "hmac", "secrets": ["a-secret-of-at-least-16-bytes"], "header": "x-sig", "algorithm": "sha256", "encoding": "hex"}),
        ),
        source(
            "ut",
            json!({"scheme": "url-token", "secrets": ["0123456789abcdef"],
                   "envelope": {"type": "/0", "subject": "", "occurred_at": {"pointer": "/t", "format": "unix_millis"}}}),
        ),
    ]
}

proptest! {
    #[test]
    fn arbitrary_deliveries_never_panic(
        body in proptest::collection::vec(any::<u8>(), 0..512),
        id in "[ -~]{0,40}",
        timestamp in "[0-9 .+-]{0,14}",
        signature in "[ -~]{0,120}",
        query in ".{0,64}",
    ) {
        let mut request = WebhookRequest::post("/webhooks/generic/x", body)
            .with_header("webhook-id", &id)
            .with_header("webhook-timestamp", &timestamp)
            .with_header("webhook-signature", &signature)
            .with_header("svix-signature", &signature)
            .with_header("x-sig", &signature)
            .with_header("x-ts", &timestamp);
        request.query = Some(query);
        for source in every_scheme() {
            if let Err(error) = source.verify(&request, &context_at(NOW)) {
                prop_assert!(matches!(error.status(), 400 | 401), "{error:?}");
            }
        }
    }

    #[test]
    fn authentic_arbitrary_json_is_always_one_event(value in arbitrary_json()) {
        let body = value.to_string();
        let timestamp = NOW.unix_timestamp().to_string();
        let signature = v1_signature(WHSEC, "msg_1", &timestamp, body.as_bytes()).unwrap();
        let request = WebhookRequest::post("/", body)
            .with_header("webhook-id", "msg_1")
            .with_header("webhook-timestamp", &timestamp)
            .with_header("webhook-signature", &signature);
        let source = &every_scheme()[0];
        let drafts = source.verify(&request, &context_at(NOW)).unwrap().into_value();
        prop_assert_eq!(drafts.len(), 1);
        prop_assert!(crate::pipeline::limits::is_usable_event_id(&drafts[0].id));
    }

    #[test]
    fn any_change_to_a_signed_body_is_refused(position in 0usize..20, replacement in any::<u8>()) {
        let body = br#"{"test": 2432232314}"#.to_vec();
        let timestamp = NOW.unix_timestamp().to_string();
        let signature = v1_signature(WHSEC, "msg_1", &timestamp, &body).unwrap();
        let mut changed = body.clone();
        prop_assume!(changed[position] != replacement);
        changed[position] = replacement;
        let request = WebhookRequest::post("/", changed)
            .with_header("webhook-id", "msg_1")
            .with_header("webhook-timestamp", &timestamp)
            .with_header("webhook-signature", &signature);
        let error = every_scheme()[0].verify(&request, &context_at(NOW)).unwrap_err();
        prop_assert_eq!(error, WebhookError::Unauthorized("signature mismatch"));
    }

    #[test]
    fn arbitrary_documents_never_panic(text in ".{0,200}") {
        let _ = Sources::parse(&text);
    }

    #[test]
    fn arbitrary_json_documents_never_panic(value in arbitrary_json()) {
        let _ = Sources::parse(&json!({"sources": {"a": value.clone()}}).to_string());
        let _ = Sources::parse(&json!({"sources": value.clone()}).to_string());
        let _ = Sources::parse(&value.to_string());
    }
}

/// JSON values with the document's words as keys and strings, so that the parser's
/// deeper branches are reached.
fn arbitrary_json() -> impl Strategy<Value = Value> {
    let words = prop_oneof![
        Just("scheme".to_owned()),
        Just("secrets".to_owned()),
        Just("hmac".to_owned()),
        Just("url-token".to_owned()),
        Just("standard-webhooks".to_owned()),
        Just("envelope".to_owned()),
        Just("occurred_at".to_owned()),
        Just("/a".to_owned()),
        "[a-z_~/-]{0,12}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        words.clone().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(words.clone(), inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

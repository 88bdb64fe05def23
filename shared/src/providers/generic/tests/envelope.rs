//! The envelope mapping: pointers present, absent, of another type; each time format;
//! the content hash; bodies that are not objects.

use time::macros::datetime;

use super::*;
use crate::pipeline::fallback::{Fallback, Fallbacks};
use crate::text::canonical_json::content_id;

const NOW: OffsetDateTime = datetime!(2026-11-22 12:00:00 UTC);
const TOKEN: &str = "a-token-of-at-least-16-characters";
const SECRET: &str = "a-secret-of-at-least-16-bytes";

/// An `hmac` source over the raw body (the mapping works the same for every scheme; a
/// `url-token` source may map no id).
fn mapped(envelope: Value) -> Source {
    source(
        "mapped",
        json!({"scheme": "hmac", "secrets": [SECRET], "header": "x-sig", "algorithm": "sha256",
               "encoding": "hex", "envelope": envelope}),
    )
}

fn full_mapping(format: &str) -> Source {
    mapped(json!({
        "id": "/event/id",
        "type": "/event/type",
        "subject": "/order/account",
        "occurred_at": {"pointer": "/event/at", "format": format}
    }))
}

fn signed_request(source: &Source, body: impl Into<Vec<u8>>) -> WebhookRequest {
    let body = body.into();
    let Scheme::Hmac(scheme) = source.scheme() else {
        panic!("an hmac source")
    };
    let signature = scheme.sign(SECRET, "", &body).unwrap();
    WebhookRequest::post("/webhooks/generic/mapped", body).with_header("x-sig", &signature)
}

fn draft(source: &Source, body: &str) -> EventDraft {
    accepted(source.verify(&signed_request(source, body), &context_at(NOW))).0
}

fn status_of(source: &Source, body: impl Into<Vec<u8>>) -> (u16, String) {
    refused(source.verify(&signed_request(source, body), &context_at(NOW)))
}

#[test]
fn present_pointers_fill_the_envelope_without_fallback() {
    let body = r#"{"event":{"id":"evt_1","type":"order.filled","at":"2026-11-22T11:00:00Z"},"order":{"account":"ACC-1"}}"#;
    let draft = draft(&full_mapping("rfc3339"), body);
    assert_eq!(draft.id, "evt_1");
    assert_eq!(draft.event_type, "order.filled");
    assert_eq!(draft.subject, "ACC-1");
    assert_eq!(draft.occurred_at, datetime!(2026-11-22 11:00:00 UTC));
    assert_eq!(draft.payload.get(), body);
    assert_eq!(draft.fallback, Fallbacks::NONE);
}

#[test]
fn integers_are_read_as_their_decimal_text() {
    let body = r#"{"event":{"id":42,"type":7,"at":1795345200},"order":{"account":1234567890123}}"#;
    let draft = draft(&full_mapping("unix_seconds"), body);
    assert_eq!(
        (
            draft.id.as_str(),
            draft.event_type.as_str(),
            draft.subject.as_str()
        ),
        ("42", "7", "1234567890123")
    );
    assert_eq!(draft.occurred_at, datetime!(2026-11-22 11:00:00 UTC));
    assert_eq!(draft.fallback, Fallbacks::NONE);
}

#[test]
fn absent_pointers_fall_back_exactly() {
    let body = r#"{"event":{},"order":{}}"#;
    let draft = draft(&full_mapping("rfc3339"), body);
    let value: Value = serde_json::from_str(body).unwrap();
    assert_eq!(draft.id, content_id(&value));
    assert_eq!(draft.event_type, "UNPARSED");
    assert_eq!(draft.subject, "unknown");
    assert_eq!(draft.occurred_at, NOW);
    assert_eq!(
        draft.fallback,
        [
            Fallback::EventId,
            Fallback::EventType,
            Fallback::Subject,
            Fallback::OccurredAt
        ]
        .into_iter()
        .collect()
    );
    assert_eq!(draft.fallback.to_string(), "id,type,subject,occurred_at");
}

#[test]
fn values_that_are_not_strings_or_integers_fall_back_each_alone() {
    let source = full_mapping("rfc3339");
    let base = json!({"event": {"id": "evt_1", "type": "t", "at": "2026-11-22T11:00:00Z"}, "order": {"account": "A"}});
    let cases = [
        ("/event/id", json!({"x": 1}), Fallback::EventId),
        ("/event/id", json!(true), Fallback::EventId),
        ("/event/id", json!(""), Fallback::EventId),
        ("/event/id", json!("i".repeat(513)), Fallback::EventId),
        ("/event/type", json!(null), Fallback::EventType),
        ("/event/type", json!(1.5), Fallback::EventType),
        ("/event/type", json!(["order.filled"]), Fallback::EventType),
        ("/order/account", json!(false), Fallback::Subject),
        ("/order/account", json!(""), Fallback::Subject),
        ("/event/at", json!(1795345200), Fallback::OccurredAt),
        (
            "/event/at",
            json!("2026-11-22 11:00:00"),
            Fallback::OccurredAt,
        ),
        ("/event/at", json!(null), Fallback::OccurredAt),
    ];
    for (pointer, value, expected) in cases {
        let mut body = base.clone();
        *body.pointer_mut(pointer).unwrap() = value.clone();
        let draft = draft(&source, &body.to_string());
        assert_eq!(
            draft.fallback,
            Fallbacks::NONE.with(expected),
            "{pointer} = {value}"
        );
        match expected {
            Fallback::EventId => assert_eq!(draft.id, content_id(&body)),
            Fallback::EventType => assert_eq!(draft.event_type, "UNPARSED"),
            Fallback::Subject => assert_eq!(draft.subject, "unknown"),
            _ => assert_eq!(draft.occurred_at, NOW),
        }
    }
    // The longest usable id is kept as it is.
    let mut body = base.clone();
    body["event"]["id"] = json!("i".repeat(512));
    assert_eq!(draft(&source, &body.to_string()).id, "i".repeat(512));
}

#[test]
fn each_occurred_at_format() {
    let at = datetime!(2026-11-22 11:00:00 UTC);
    let cases = [
        ("rfc3339", json!("2026-11-22T16:30:00+05:30"), at),
        ("unix_seconds", json!(1795345200), at),
        ("unix_seconds", json!("1795345200"), at),
        (
            "unix_millis",
            json!(1795345200250_i64),
            at + time::Duration::milliseconds(250),
        ),
        ("unix_millis", json!("1795345200000"), at),
    ];
    for (format, value, expected) in cases {
        let body = json!({"event": {"at": value}});
        let draft = draft(&full_mapping(format), &body.to_string());
        assert_eq!(draft.occurred_at, expected, "{format} {value}");
        assert!(
            !draft.fallback.contains(Fallback::OccurredAt),
            "{format} {value}"
        );
    }
    // Seconds read as milliseconds are not refused, only early: the format is the
    // operator's statement.
    let body = json!({"event": {"at": "2026-11-22T11:00:00Z"}});
    assert!(
        draft(&full_mapping("unix_millis"), &body.to_string())
            .fallback
            .contains(Fallback::OccurredAt)
    );
}

#[test]
fn without_a_mapping_the_documented_stand_ins_are_no_fallback() {
    let source = source("plain", json!({"scheme": "url-token", "secrets": [TOKEN]}));
    let body = "{ \"b\": 1,\n \"a\": [true, null] }";
    let mut request = WebhookRequest::post("/", body);
    request.query = Some(format!("token={TOKEN}"));
    let (draft, _) = accepted(source.verify(&request, &context_at(NOW)));
    // The content hash is the same as for the same content in another key order.
    assert_eq!(draft.id, content_id(&json!({"a": [true, null], "b": 1})));
    assert_eq!(draft.event_type, "UNPARSED");
    assert_eq!(draft.subject, "unknown");
    assert_eq!(draft.occurred_at, NOW);
    assert_eq!(draft.fallback, Fallbacks::NONE);
    assert_eq!(draft.payload.get(), body.trim());
}

#[test]
fn any_json_document_is_one_event_and_anything_else_is_400() {
    let source = mapped(json!({"id": "/0/id", "type": "/0/type"}));
    let array = r#"[{"id":"a-1","type":"order.filled"},{"id":"a-2","type":"order.filled"}]"#;
    let first = draft(&source, array);
    assert_eq!(
        (first.id.as_str(), first.event_type.as_str()),
        ("a-1", "order.filled")
    );
    assert_eq!(first.payload.get(), array);
    assert_eq!(first.fallback, Fallbacks::NONE);
    let scalar = draft(&source, r#""ping""#);
    assert_eq!(scalar.id, content_id(&json!("ping")));
    assert_eq!(
        scalar.fallback,
        Fallbacks::NONE
            .with(Fallback::EventId)
            .with(Fallback::EventType)
    );
    for not_json in ["", "order_id=1&status=COMPLETE", "{\"a\":", "\u{FEFF}{}"] {
        assert_eq!(
            status_of(&source, not_json),
            (400, "body is not valid JSON".to_owned()),
            "{not_json:?}"
        );
    }
    assert_eq!(
        status_of(&source, vec![b'{', b'"', 0xFF, b'"', b'}']),
        (400, "body is not UTF-8".to_owned())
    );
}

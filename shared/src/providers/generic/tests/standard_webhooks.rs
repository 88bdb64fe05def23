//! Standard Webhooks: the known-answer vectors published with the specification's
//! reference libraries (github.com/standard-webhooks/standard-webhooks, `libraries/`),
//! then the negative matrix.

use time::macros::datetime;

use super::*;
use crate::pipeline::fallback::Fallbacks;

// The Python and JavaScript libraries' `sign` vector.
const PY_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const PY_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const PY_TIMESTAMP: &str = "1614265330";
const PY_AT: OffsetDateTime = datetime!(2021-02-25 15:02:10 UTC);
const PY_BODY: &str = r#"{"test": 2432232314}"#;
const PY_SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
// The Python library's "invalid signature": the same but for its last data bits.
const PY_NEAR_MISS: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=";
// The libraries' multi-signature header: a v2 entry and wrong v1 entries around the
// valid one.
const PY_WRONG: &str = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=";
const PY_WRONG_V2: &str = "v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=";

// The Rust library's `sign` vector and its wrong signatures.
const RS_SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const RS_ID: &str = "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk";
const RS_TIMESTAMP: &str = "1649367553";
const RS_BODY: &str = r#"{"email":"test@example.com","username":"test_user"}"#;
const RS_SIGNATURE: &str = "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=";
const RS_WRONG: [&str; 3] = [
    "v1,tFtCZ5RDCPxzWQRWXWPgrCgE2frDBe9gjpbWQxnVfsQ=",
    "v1,Mm7xgUVICxZfQ3bgf0h0Dof65L/IFx+PnZvnDWPCX6Q=",
    "v1,9DfC1c3eeOrXB6w/5dIDydLNQaEyww5KalE5jLBZucE=",
];
const RS_AT: OffsetDateTime = datetime!(2022-04-07 21:39:13 UTC);

fn sender(secrets: &[&str]) -> Source {
    source(
        "svix-sender",
        json!({"scheme": "standard-webhooks", "secrets": secrets}),
    )
}

fn delivery(id: &str, timestamp: &str, signature: &str, body: &str) -> WebhookRequest {
    WebhookRequest::post("/webhooks/generic/svix-sender", body)
        .with_header("webhook-id", id)
        .with_header("webhook-timestamp", timestamp)
        .with_header("webhook-signature", signature)
}

fn py_delivery(signature: &str) -> WebhookRequest {
    delivery(PY_ID, PY_TIMESTAMP, signature, PY_BODY)
}

#[test]
fn the_published_signatures_are_reproduced() {
    assert_eq!(
        v1_signature(PY_SECRET, PY_ID, PY_TIMESTAMP, PY_BODY.as_bytes()).as_deref(),
        Some(PY_SIGNATURE)
    );
    assert_eq!(
        v1_signature(RS_SECRET, RS_ID, RS_TIMESTAMP, RS_BODY.as_bytes()).as_deref(),
        Some(RS_SIGNATURE)
    );
    assert_eq!(
        PY_AT,
        OffsetDateTime::from_unix_timestamp(1614265330).unwrap()
    );
    assert_eq!(
        RS_AT,
        OffsetDateTime::from_unix_timestamp(1649367553).unwrap()
    );
}

#[test]
fn a_published_signature_verifies_and_its_id_is_the_event_id() {
    let (draft, matched) =
        accepted(sender(&[PY_SECRET]).verify(&py_delivery(PY_SIGNATURE), &context_at(PY_AT)));
    assert_eq!(matched, 0);
    assert_eq!(draft.id, PY_ID);
    assert_eq!(draft.payload.get(), PY_BODY);
    assert_eq!(draft.fallback, Fallbacks::NONE);
    let request = delivery(RS_ID, RS_TIMESTAMP, RS_SIGNATURE, RS_BODY);
    let (draft, _) = accepted(sender(&[RS_SECRET]).verify(&request, &context_at(RS_AT)));
    assert_eq!(draft.id, RS_ID);
}

#[test]
fn the_near_miss_signature_is_refused() {
    assert_eq!(
        refused(sender(&[PY_SECRET]).verify(&py_delivery(PY_NEAR_MISS), &context_at(PY_AT))),
        unauthorized("signature mismatch")
    );
}

#[test]
fn the_tolerance_is_five_minutes_both_ways() {
    let source = sender(&[PY_SECRET]);
    let at = |offset: i64| context_at(PY_AT + time::Duration::seconds(offset));
    let request = py_delivery(PY_SIGNATURE);
    assert!(source.verify(&request, &at(300)).is_ok());
    assert!(source.verify(&request, &at(-300)).is_ok());
    // Received 301 s after it was signed: too old.
    assert_eq!(
        refused(source.verify(&request, &at(301))),
        unauthorized("signed timestamp is too old")
    );
    // Received 301 s before its timestamp: too new.
    assert_eq!(
        refused(source.verify(&request, &at(-301))),
        unauthorized("signed timestamp is in the future")
    );
}

#[test]
fn the_tolerance_is_configurable() {
    let source = source(
        "svix-sender",
        json!({"scheme": "standard-webhooks", "secrets": [PY_SECRET], "tolerance_seconds": 60}),
    );
    let at = |offset: i64| context_at(PY_AT + time::Duration::seconds(offset));
    assert!(source.verify(&py_delivery(PY_SIGNATURE), &at(60)).is_ok());
    assert_eq!(
        refused(source.verify(&py_delivery(PY_SIGNATURE), &at(61))),
        unauthorized("signed timestamp is too old")
    );
    assert_eq!(
        refused(source.verify(&py_delivery(PY_SIGNATURE), &at(-61))),
        unauthorized("signed timestamp is in the future")
    );
}

#[test]
fn any_one_of_several_signatures_may_match() {
    let header = [PY_WRONG, PY_WRONG_V2, PY_SIGNATURE, PY_WRONG].join(" ");
    assert!(
        sender(&[PY_SECRET])
            .verify(&py_delivery(&header), &context_at(PY_AT))
            .is_ok()
    );
    let header = [RS_WRONG[0], RS_WRONG[1], RS_SIGNATURE, RS_WRONG[2]].join(" ");
    let request = delivery(RS_ID, RS_TIMESTAMP, &header, RS_BODY);
    assert!(
        sender(&[RS_SECRET])
            .verify(&request, &context_at(RS_AT))
            .is_ok()
    );
    let header = RS_WRONG.join(" ");
    let request = delivery(RS_ID, RS_TIMESTAMP, &header, RS_BODY);
    assert_eq!(
        refused(sender(&[RS_SECRET]).verify(&request, &context_at(RS_AT))),
        unauthorized("signature mismatch")
    );
}

#[test]
fn a_rotated_secret_matches_by_position() {
    let source = sender(&[RS_SECRET, PY_SECRET]);
    let (_, matched) = accepted(source.verify(&py_delivery(PY_SIGNATURE), &context_at(PY_AT)));
    assert_eq!(matched, 1);
    let request = delivery(RS_ID, RS_TIMESTAMP, RS_SIGNATURE, RS_BODY);
    let (_, matched) = accepted(source.verify(&request, &context_at(RS_AT)));
    assert_eq!(matched, 0);
}

#[test]
fn whsec_prefix_and_padding_are_optional() {
    let bare = PY_SECRET.strip_prefix("whsec_").unwrap();
    let (_, matched) = accepted(
        sender(&["whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", bare])
            .verify(&py_delivery(PY_SIGNATURE), &context_at(PY_AT)),
    );
    assert_eq!(matched, 1);
    // The Python library's unpadded secrets: the key of `…LaS` is that of `…LaS=`.
    let unpadded = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS";
    let signature = v1_signature(
        "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS=",
        PY_ID,
        PY_TIMESTAMP,
        PY_BODY.as_bytes(),
    )
    .unwrap();
    assert!(
        sender(&[unpadded])
            .verify(&py_delivery(&signature), &context_at(PY_AT))
            .is_ok()
    );
    // The prefix is not part of the key: signing with the text after it differs.
    let literal = format!(
        "v1,{}",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            MacAlgorithm::Sha256
                .tag(
                    PY_SECRET.as_bytes(),
                    &[
                        PY_ID.as_bytes(),
                        b".",
                        PY_TIMESTAMP.as_bytes(),
                        b".",
                        PY_BODY.as_bytes()
                    ]
                )
                .unwrap()
        )
    );
    assert_eq!(
        refused(sender(&[PY_SECRET]).verify(&py_delivery(&literal), &context_at(PY_AT))),
        unauthorized("signature mismatch")
    );
}

#[test]
fn svix_header_names_are_accepted() {
    let request = WebhookRequest::post("/webhooks/generic/svix-sender", PY_BODY)
        .with_header("svix-id", PY_ID)
        .with_header("svix-timestamp", PY_TIMESTAMP)
        .with_header("svix-signature", PY_SIGNATURE);
    let (draft, _) = accepted(sender(&[PY_SECRET]).verify(&request, &context_at(PY_AT)));
    assert_eq!(draft.id, PY_ID);
}

#[test]
fn tampering_with_body_id_or_timestamp_is_refused() {
    let source = sender(&[PY_SECRET]);
    let context = context_at(PY_AT);
    let mismatch = unauthorized("signature mismatch");
    let tampered = [
        delivery(PY_ID, PY_TIMESTAMP, PY_SIGNATURE, r#"{"test": 2432232315}"#),
        delivery(PY_ID, PY_TIMESTAMP, PY_SIGNATURE, r#"{"test":2432232314}"#),
        delivery(PY_ID, PY_TIMESTAMP, PY_SIGNATURE, &format!("{PY_BODY} ")),
        delivery(
            "msg_p5jXN8AQM9LWM0D4loKWxJel",
            PY_TIMESTAMP,
            PY_SIGNATURE,
            PY_BODY,
        ),
        delivery(PY_ID, "1614265331", PY_SIGNATURE, PY_BODY),
    ];
    for request in tampered {
        assert_eq!(refused(source.verify(&request, &context)), mismatch);
    }
}

#[test]
fn missing_or_malformed_headers_are_refused() {
    let source = sender(&[PY_SECRET]);
    let context = context_at(PY_AT);
    let without = |skip: &str| {
        let mut request = WebhookRequest::post("/", PY_BODY);
        for (name, value) in [
            ("webhook-id", PY_ID),
            ("webhook-timestamp", PY_TIMESTAMP),
            ("webhook-signature", PY_SIGNATURE),
        ] {
            if name != skip {
                request = request.with_header(name, value);
            }
        }
        request
    };
    assert_eq!(
        refused(source.verify(&without("webhook-id"), &context)),
        unauthorized("missing webhook-id header")
    );
    assert_eq!(
        refused(source.verify(&without("webhook-timestamp"), &context)),
        unauthorized("missing webhook-timestamp header")
    );
    assert_eq!(
        refused(source.verify(&without("webhook-signature"), &context)),
        unauthorized("missing webhook-signature header")
    );
    assert_eq!(
        refused(source.verify(&delivery("", PY_TIMESTAMP, PY_SIGNATURE, PY_BODY), &context)),
        unauthorized("missing webhook-id header")
    );
    for timestamp in ["hello", "1614265330.0", "-1614265330", " 1614265330"] {
        assert_eq!(
            refused(source.verify(&delivery(PY_ID, timestamp, PY_SIGNATURE, PY_BODY), &context)),
            unauthorized("webhook-timestamp is not a Unix time in seconds"),
            "{timestamp:?}"
        );
    }
    // The Rust library's partial signatures.
    for partial in ["v1,", &PY_SIGNATURE[..8], "v1,!!!!"] {
        assert_eq!(
            refused(source.verify(&py_delivery(partial), &context)),
            unauthorized("signature mismatch"),
            "{partial:?}"
        );
    }
}

#[test]
fn a_header_with_only_other_versions_is_refused() {
    let source = sender(&[PY_SECRET]);
    let only_others = format!(
        "v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg== {} {}",
        PY_WRONG_V2,
        PY_SIGNATURE.replace("v1,", "v2,")
    );
    assert_eq!(
        refused(source.verify(&py_delivery(&only_others), &context_at(PY_AT))),
        unauthorized("no v1 signature in webhook-signature")
    );
    assert_eq!(
        refused(source.verify(&py_delivery("garbage"), &context_at(PY_AT))),
        unauthorized("no v1 signature in webhook-signature")
    );
}

#[test]
fn a_wrong_secret_is_refused() {
    assert_eq!(
        refused(sender(&[RS_SECRET]).verify(&py_delivery(PY_SIGNATURE), &context_at(PY_AT))),
        unauthorized("signature mismatch")
    );
}

#[test]
fn stale_and_future_deliveries_are_refused_only_when_authentic() {
    let source = sender(&[PY_SECRET]);
    let late = context_at(PY_AT + time::Duration::hours(1));
    assert_eq!(
        refused(source.verify(&py_delivery(PY_SIGNATURE), &late)),
        unauthorized("signed timestamp is too old")
    );
    // A forged signature learns nothing about the window.
    assert_eq!(
        refused(source.verify(&py_delivery(PY_NEAR_MISS), &late)),
        unauthorized("signature mismatch")
    );
    let early = context_at(PY_AT - time::Duration::hours(1));
    assert_eq!(
        refused(source.verify(&py_delivery(PY_SIGNATURE), &early)),
        unauthorized("signed timestamp is in the future")
    );
}

#[test]
fn an_unusable_webhook_id_falls_back_to_the_content_hash() {
    let id = "m".repeat(513);
    let signature = v1_signature(PY_SECRET, &id, PY_TIMESTAMP, PY_BODY.as_bytes()).unwrap();
    let request = delivery(&id, PY_TIMESTAMP, &signature, PY_BODY);
    let (draft, _) = accepted(sender(&[PY_SECRET]).verify(&request, &context_at(PY_AT)));
    let body: Value = serde_json::from_str(PY_BODY).unwrap();
    assert_eq!(draft.id, crate::text::canonical_json::content_id(&body));
    assert_eq!(
        draft.fallback,
        Fallbacks::NONE.with(crate::pipeline::fallback::Fallback::EventId)
    );
}

#[test]
fn a_mapped_id_wins_over_the_webhook_id() {
    let source = source(
        "svix-sender",
        json!({"scheme": "standard-webhooks", "secrets": [RS_SECRET], "envelope": {"id": "/username", "subject": "/username"}}),
    );
    let request = delivery(RS_ID, RS_TIMESTAMP, RS_SIGNATURE, RS_BODY);
    let (draft, _) = accepted(source.verify(&request, &context_at(RS_AT)));
    assert_eq!(draft.id, "test_user");
    assert_eq!(draft.subject, "test_user");
    assert_eq!(draft.fallback, Fallbacks::NONE);
}

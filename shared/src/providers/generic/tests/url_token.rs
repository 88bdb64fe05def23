//! `url-token`: the token in the registered URL's query, and its negative matrix.

use time::macros::datetime;

use super::*;

const NOW: OffsetDateTime = datetime!(2026-11-22 12:00:00 UTC);
const TOKEN: &str = "3f1c9a7e5b2d4f60a8c1e9b7d5f3a1c2";
const OLD_TOKEN: &str = "0000aaaa1111bbbb2222cccc3333dddd";
const KYC: &str = r#"{"event":"kyc.approved","applicant":{"id":981},"created_at":1795348740}"#;

fn kyc(entry_extra: Value) -> Source {
    let mut entry = json!({
        "scheme": "url-token",
        "secrets": [OLD_TOKEN, TOKEN],
        "envelope": {
            "type": "/event",
            "subject": "/applicant/id",
            "occurred_at": {"pointer": "/created_at", "format": "unix_seconds"}
        }
    });
    if let (Some(entry), Some(extra)) = (entry.as_object_mut(), entry_extra.as_object()) {
        entry.extend(extra.clone());
    }
    source("kyc-vendor", entry)
}

fn with_query(query: &str, body: &str) -> WebhookRequest {
    let mut request = WebhookRequest::post("/webhooks/generic/kyc-vendor", body);
    request.query = Some(query.to_owned());
    request
}

#[test]
fn the_token_in_the_query_authenticates_by_position() {
    let source = kyc(json!({}));
    let (draft, matched) = accepted(source.verify(
        &with_query(&format!("token={TOKEN}"), KYC),
        &context_at(NOW),
    ));
    assert_eq!(matched, 1);
    assert_eq!(draft.event_type, "kyc.approved");
    assert_eq!(draft.subject, "981");
    assert_eq!(draft.occurred_at, datetime!(2026-11-22 11:59:00 UTC));
    let (_, matched) = accepted(source.verify(
        &with_query(&format!("a=1&token={OLD_TOKEN}"), KYC),
        &context_at(NOW),
    ));
    assert_eq!(matched, 0);
}

#[test]
fn the_parameter_name_is_configurable_and_percent_decoded() {
    let source = kyc(json!({"parameter": "key"}));
    let encoded = TOKEN.replace('a', "%61");
    assert!(
        source
            .verify(
                &with_query(&format!("key={encoded}"), KYC),
                &context_at(NOW)
            )
            .is_ok()
    );
    assert_eq!(
        refused(source.verify(
            &with_query(&format!("token={TOKEN}"), KYC),
            &context_at(NOW)
        )),
        unauthorized("missing token")
    );
}

#[test]
fn the_token_negative_matrix() {
    let source = kyc(json!({}));
    let context = context_at(NOW);
    let mismatch = unauthorized("token mismatch");
    for wrong in [
        &TOKEN[..31],
        &format!("{TOKEN}0"),
        &TOKEN.to_uppercase(),
        "3f1c9a7e5b2d4f60a8c1e9b7d5f3a1c3",
    ] {
        assert_eq!(
            refused(source.verify(&with_query(&format!("token={wrong}"), KYC), &context)),
            mismatch,
            "{wrong}"
        );
    }
    assert_eq!(
        refused(source.verify(&WebhookRequest::post("/", KYC), &context)),
        unauthorized("missing token")
    );
    assert_eq!(
        refused(source.verify(&with_query("token=", KYC), &context)),
        unauthorized("missing token")
    );
    // Only the query carries it: OneMetric's header places are not this scheme's.
    let in_header = WebhookRequest::post("/", KYC)
        .with_header("authorization", &format!("Bearer {TOKEN}"))
        .with_header("x-api-key", TOKEN);
    assert_eq!(
        refused(source.verify(&in_header, &context)),
        unauthorized("missing token")
    );
    // The first `token` parameter is the one read.
    assert_eq!(
        refused(source.verify(
            &with_query(&format!("token=x&token={TOKEN}"), KYC),
            &context
        )),
        mismatch
    );
}

#[test]
fn the_token_is_checked_before_the_body() {
    let source = kyc(json!({}));
    assert_eq!(
        refused(source.verify(&with_query("token=wrong", "not json"), &context_at(NOW))),
        unauthorized("token mismatch")
    );
    assert_eq!(
        refused(source.verify(
            &with_query(&format!("token={TOKEN}"), "not json"),
            &context_at(NOW)
        )),
        (400, "body is not valid JSON".to_owned())
    );
}

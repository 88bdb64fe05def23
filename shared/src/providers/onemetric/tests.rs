use crate::text::canonical_json::content_id;
use std::time::Duration;

use time::macros::datetime;

use super::*;
use crate::config::DEFAULT_DEDUPE_TTL_SECONDS;
use crate::pipeline::fallback::Fallbacks;
use crate::pipeline::FreshnessPolicy;

const TOKEN: &str = "om-token-4f1c";

/// The seed's three examples, verbatim apart from whitespace.
const SEED_PRICE_ALERT: &str = r#"{"event_type":"MARKET_GENERATED_ALERT","sub_type":"PRICE_ALERT","time_stamp":"2024-10-01 10:20:00","details":{"ltp":30,"close":20,"symbol":"ABC","alert_threshold":25,"price_change_percentage":10.0}}"#;
const SEED_LOGIN: &str = r#"{"event_type":"USER_ACTIVITY","sub_type":"LOGIN","time_stamp":"2024-10-01 11:45:00","user":{"id":"user_789012","name":"Jane Smith","email":"janesmith@example.com"}}"#;
const SEED_STOCK_ADDED: &str = r#"{"event_type":"STOCK_WATCHLIST","sub_type":"STOCK_ADDED","time_stamp":"2024-10-01 12:00:00","details":{"symbol":"DEF","watchlist_name":"My Favorites"},"user":{"id":"user_123456","name":"John Doe","email":"johndoe@example.com"}}"#;

/// Lowercase hex SHA-256 of the price alert's canonical JSON, computed independently:
/// `{"details":{"alert_threshold":25,"close":20,"ltp":30,"price_change_percentage":10.0,"symbol":"ABC"},"event_type":"MARKET_GENERATED_ALERT","sub_type":"PRICE_ALERT","time_stamp":"2024-10-01 10:20:00"}`
const SEED_PRICE_ALERT_ID: &str =
    "243495beadeb43e7db4abd139c8d54cb42046530e39035eec26c8e108bcc2d53";

fn provider(tokens: &str) -> OneMetricProvider {
    OneMetricProvider::new(SecretList::parse(tokens).unwrap(), None)
}

fn with_allowlist(cidrs: &str) -> OneMetricProvider {
    OneMetricProvider::new(
        SecretList::parse(TOKEN).unwrap(),
        Some(IpAllowlist::parse(cidrs).unwrap()),
    )
}

/// The contract's defaults: a 30-day window, two years after the seed's examples.
fn context() -> VerifyContext {
    VerifyContext {
        now: datetime!(2026-11-22 12:00:00 UTC),
        freshness: FreshnessPolicy::new(Some(Duration::from_secs(DEFAULT_DEDUPE_TTL_SECONDS))),
    }
}

fn request(query: Option<&str>, body: &str) -> WebhookRequest {
    let mut request = WebhookRequest::post("/webhooks/onemetric", body);
    request.query = query.map(str::to_owned);
    request.source_ip = Some("203.0.113.7".to_owned());
    request
}

fn verify_with(
    provider: &OneMetricProvider,
    query: Option<&str>,
    body: &str,
) -> Result<Verified<Vec<EventDraft>>, WebhookError> {
    provider.verify(&request(query, body), &context())
}

fn single(body: &str) -> EventDraft {
    let query = format!("token={TOKEN}");
    let mut drafts = verify_with(&provider(TOKEN), Some(&query), body)
        .unwrap()
        .into_value();
    assert_eq!(drafts.len(), 1);
    drafts.remove(0)
}

#[test]
fn the_seed_examples_verify_with_the_default_freshness_window() {
    let cases = [
        (
            SEED_PRICE_ALERT,
            "MARKET_GENERATED_ALERT.PRICE_ALERT",
            "ABC",
            datetime!(2024-10-01 10:20:00 UTC),
        ),
        (
            SEED_LOGIN,
            "USER_ACTIVITY.LOGIN",
            "user_789012",
            datetime!(2024-10-01 11:45:00 UTC),
        ),
        (
            SEED_STOCK_ADDED,
            "STOCK_WATCHLIST.STOCK_ADDED",
            "user_123456",
            datetime!(2024-10-01 12:00:00 UTC),
        ),
    ];
    for (body, event_type, subject, occurred_at) in cases {
        let draft = single(body);
        assert_eq!(draft.event_type, event_type);
        assert_eq!(draft.subject, subject);
        assert_eq!(draft.occurred_at, occurred_at);
        assert_eq!(draft.fallback, Fallbacks::NONE);
        assert_eq!(draft.payload.get(), body);
        assert_eq!(draft.id, content_id(&serde_json::from_str(body).unwrap()));
    }
}

#[test]
fn known_answer_content_id() {
    assert_eq!(single(SEED_PRICE_ALERT).id, SEED_PRICE_ALERT_ID);
}

#[test]
fn second_rotated_token_is_reported_by_position() {
    let p = provider("om-token-next,om-token-4f1c");
    let first = verify_with(&p, Some("token=om-token-next"), SEED_LOGIN).unwrap();
    assert_eq!(first.matched_secret(), 0);
    let second = verify_with(&p, Some("token=om-token-4f1c"), SEED_LOGIN).unwrap();
    assert_eq!(second.matched_secret(), 1);
}

#[test]
fn the_token_is_read_percent_decoded_among_other_parameters() {
    let p = provider("a+b/c=d");
    let verified = verify_with(&p, Some("x=1&token=a%2Bb%2Fc%3Dd"), SEED_LOGIN).unwrap();
    assert_eq!(verified.matched_secret(), 0);
}

#[test]
fn reformatted_redelivery_has_the_same_id_and_another_event_does_not() {
    let value: serde_json::Value = serde_json::from_str(SEED_STOCK_ADDED).unwrap();
    let pretty = serde_json::to_string_pretty(&value).unwrap();
    let reordered = r#"{ "user": {"email":"johndoe@example.com","name":"John Doe","id":"user_123456"},
        "details": {"watchlist_name":"My Favorites","symbol":"DEF"},
        "time_stamp": "2024-10-01 12:00:00", "sub_type": "STOCK_ADDED", "event_type": "STOCK_WATCHLIST" }"#;
    let original = single(SEED_STOCK_ADDED);
    assert_eq!(single(&pretty).id, original.id);
    assert_eq!(single(reordered).id, original.id);
    let later = SEED_STOCK_ADDED.replace("12:00:00", "12:00:01");
    assert_ne!(single(&later).id, original.id);
}

#[test]
fn subject_is_the_user_id_else_the_symbol_else_unknown() {
    let numeric = r#"{"event_type":"TRANSACTION","sub_type":"REFUND","time_stamp":"2024-10-02 09:00:00","details":{"symbol":"XYZ"},"user":{"id":4711}}"#;
    assert_eq!(single(numeric).subject, "4711");
    let null_user = r#"{"event_type":"MARKET_GENERATED_ALERT","sub_type":"VOLUME_ALERT","time_stamp":"2024-10-02 09:00:00","details":{"symbol":"XYZ"},"user":null}"#;
    assert_eq!(single(null_user).subject, "XYZ");
    let empty_id = r#"{"event_type":"X","sub_type":"Y","time_stamp":"2024-10-02 09:00:00","details":{"symbol":"XYZ"},"user":{"id":""}}"#;
    assert_eq!(single(empty_id).subject, "XYZ");
    let neither =
        r#"{"event_type":"SYSTEM","sub_type":"MAINTENANCE","time_stamp":"2024-10-02 09:00:00"}"#;
    assert_eq!(single(neither).subject, UNKNOWN_SUBJECT);
}

#[test]
fn an_unknown_pair_is_accepted_with_its_type() {
    let body = r#"{"event_type":"PORTFOLIO","sub_type":"REBALANCED","time_stamp":"2024-10-03 08:00:00","details":{"symbol":"GHI","extra":[1,2]},"user":{"id":"user_1"},"new_field":true}"#;
    let draft = single(body);
    assert_eq!(draft.event_type, "PORTFOLIO.REBALANCED");
    assert_eq!(draft.subject, "user_1");
    assert_eq!(draft.payload.get(), body);
}

/// Name, query, body, expected verdict.
type NegativeCase = (
    &'static str,
    Option<String>,
    String,
    Result<(), WebhookError>,
);

#[test]
fn negative_cases() {
    let good_query = format!("token={TOKEN}");
    let unauthorized = |reason| Err(WebhookError::Unauthorized(reason));
    let bad = |reason: &str| Err(WebhookError::bad_request(reason));
    let cases: Vec<NegativeCase> = vec![
        (
            "no query",
            None,
            SEED_LOGIN.to_owned(),
            unauthorized("missing token"),
        ),
        (
            "empty token",
            Some("token=".into()),
            SEED_LOGIN.to_owned(),
            unauthorized("missing token"),
        ),
        (
            "other parameter",
            Some(format!("tok={TOKEN}")),
            SEED_LOGIN.to_owned(),
            unauthorized("missing token"),
        ),
        (
            "malformed escape",
            Some("token=%zz".into()),
            SEED_LOGIN.to_owned(),
            unauthorized("missing token"),
        ),
        (
            "wrong token",
            Some("token=om-token-4f1d".into()),
            SEED_LOGIN.to_owned(),
            unauthorized("token mismatch"),
        ),
        (
            "prefix of the token",
            Some("token=om-token-4f1".into()),
            SEED_LOGIN.to_owned(),
            unauthorized("token mismatch"),
        ),
        (
            "token plus suffix",
            Some(format!("token={TOKEN}x")),
            SEED_LOGIN.to_owned(),
            unauthorized("token mismatch"),
        ),
        (
            "upper-cased token",
            Some(format!("token={}", TOKEN.to_uppercase())),
            SEED_LOGIN.to_owned(),
            unauthorized("token mismatch"),
        ),
        (
            "wrong token and bad body",
            Some("token=nope".into()),
            "{".to_owned(),
            unauthorized("token mismatch"),
        ),
        (
            "not json",
            Some(good_query.clone()),
            "event_type=LOGIN".to_owned(),
            bad("body is not valid JSON"),
        ),
        (
            "empty body",
            Some(good_query.clone()),
            String::new(),
            bad("body is not valid JSON"),
        ),
        (
            "array",
            Some(good_query.clone()),
            format!("[{SEED_LOGIN}]"),
            bad("body is not a JSON object"),
        ),
    ];
    for (name, query, body, expected) in cases {
        let result = verify_with(&provider(TOKEN), query.as_deref(), &body).map(|_| ());
        assert_eq!(result, expected, "case: {name}");
    }
}

/// The second document's example (OneMetric's `onemetric-webhook-docs`), verbatim apart
/// from whitespace: ISO `time_stamp`, a new sub-type, integer prices, no user, no symbol.
const DOC2_PREV_HIGH: &str = r#"{"event_type":"MARKET_GENERATED_ALERT","sub_type":"MARKET_PREV_HIGH_ALERT","time_stamp":"2024-10-01T10:20:00Z","details":{"ltp":30,"close":20,"high":35,"low":15}}"#;
/// A NEWS_ALERT as the second document describes it (no `sub_type`); constructed, as the
/// document shows no example of one.
const DOC2_NEWS: &str = r#"{"event_type":"NEWS_ALERT","time_stamp":"2024-10-02T08:15:30Z","details":{"symbol":"INFY","headline":"Quarterly results announced"}}"#;

/// Name, body, type, subject, occurred_at (`None`: the receive time), fallbacks.
type DriftCase = (
    &'static str,
    String,
    &'static str,
    &'static str,
    Option<time::OffsetDateTime>,
    Fallbacks,
);

#[test]
fn both_documents_shapes_and_drift_are_enqueued_with_their_fallbacks() {
    use crate::pipeline::fallback::Fallback::{EventType, OccurredAt, Subject};
    let now = context().now;
    let none = Fallbacks::NONE;
    let at = |t| Some(t);
    let login_at = at(datetime!(2024-10-01 11:45:00 UTC));
    let cases: Vec<DriftCase> = vec![
        (
            "second document: ISO time_stamp, no user, no symbol",
            DOC2_PREV_HIGH.to_owned(),
            "MARKET_GENERATED_ALERT.MARKET_PREV_HIGH_ALERT",
            "unknown",
            at(datetime!(2024-10-01 10:20:00 UTC)),
            none.with(Subject),
        ),
        (
            "second document: NEWS_ALERT without sub_type",
            DOC2_NEWS.to_owned(),
            "NEWS_ALERT",
            "INFY",
            at(datetime!(2024-10-02 08:15:30 UTC)),
            none,
        ),
        (
            "ISO time_stamp with an offset",
            SEED_LOGIN.replace("2024-10-01 11:45:00", "2024-10-01T17:15:00+05:30"),
            "USER_ACTIVITY.LOGIN",
            "user_789012",
            login_at,
            none,
        ),
        (
            "missing event_type",
            SEED_LOGIN.replace(r#""event_type":"USER_ACTIVITY","#, ""),
            "UNPARSED",
            "user_789012",
            login_at,
            none.with(EventType),
        ),
        (
            "numeric event_type",
            SEED_LOGIN.replace(r#""USER_ACTIVITY""#, "7"),
            "UNPARSED",
            "user_789012",
            login_at,
            none.with(EventType),
        ),
        (
            "missing sub_type",
            SEED_LOGIN.replace(r#""sub_type":"LOGIN","#, ""),
            "USER_ACTIVITY",
            "user_789012",
            login_at,
            none,
        ),
        (
            "missing time_stamp",
            SEED_LOGIN.replace(r#""time_stamp":"2024-10-01 11:45:00","#, ""),
            "USER_ACTIVITY.LOGIN",
            "user_789012",
            None,
            none.with(OccurredAt),
        ),
        (
            "impossible date",
            SEED_LOGIN.replace("2024-10-01 11:45:00", "2024-02-30 11:45:00"),
            "USER_ACTIVITY.LOGIN",
            "user_789012",
            None,
            none.with(OccurredAt),
        ),
        (
            "date only",
            SEED_LOGIN.replace("2024-10-01 11:45:00", "2024-10-01"),
            "USER_ACTIVITY.LOGIN",
            "user_789012",
            None,
            none.with(OccurredAt),
        ),
        (
            "epoch time_stamp",
            SEED_LOGIN.replace(r#""2024-10-01 11:45:00""#, "1727783100"),
            "USER_ACTIVITY.LOGIN",
            "user_789012",
            None,
            none.with(OccurredAt),
        ),
        (
            "details not an object",
            SEED_PRICE_ALERT.replace(
                r#""details":{"ltp":30,"close":20,"symbol":"ABC","alert_threshold":25,"price_change_percentage":10.0}"#,
                r#""details":"ABC""#,
            ),
            "MARKET_GENERATED_ALERT.PRICE_ALERT",
            "unknown",
            at(datetime!(2024-10-01 10:20:00 UTC)),
            none.with(Subject),
        ),
        (
            "user not an object, symbol in details",
            SEED_STOCK_ADDED.replace(
                r#""user":{"id":"user_123456","name":"John Doe","email":"johndoe@example.com"}"#,
                r#""user":["user_123456"]"#,
            ),
            "STOCK_WATCHLIST.STOCK_ADDED",
            "DEF",
            at(datetime!(2024-10-01 12:00:00 UTC)),
            none,
        ),
        (
            "nothing readable",
            r#"{"kind":"ping"}"#.to_owned(),
            "UNPARSED",
            "unknown",
            None,
            none.with(EventType).with(Subject).with(OccurredAt),
        ),
    ];
    let good_query = format!("token={TOKEN}");
    for (name, body, event_type, subject, occurred_at, fallback) in cases {
        let draft = single(&body);
        assert_eq!(draft.event_type, event_type, "{name}");
        assert_eq!(draft.subject, subject, "{name}");
        assert_eq!(draft.occurred_at, occurred_at.unwrap_or(now), "{name}");
        assert_eq!(draft.fallback, fallback, "{name}");
        assert_eq!(
            draft.id,
            content_id(&serde_json::from_str(&body).unwrap()),
            "{name}"
        );
        assert_eq!(draft.payload.get(), body, "{name}");
        // Without the right token the same body is refused.
        assert_eq!(
            verify_with(&provider(TOKEN), Some("token=om-token-4f1d"), &body).map(|_| ()),
            Err(WebhookError::Unauthorized("token mismatch")),
            "{name}"
        );
        assert_eq!(
            verify_with(&provider(TOKEN), None, &body).map(|_| ()),
            Err(WebhookError::Unauthorized("missing token")),
            "{name}"
        );
        assert!(verify_with(&provider(TOKEN), Some(&good_query), &body).is_ok());
    }
}

fn with_headers(query: Option<&str>, headers: &[(&str, &str)]) -> WebhookRequest {
    headers
        .iter()
        .fold(request(query, SEED_LOGIN), |request, (name, value)| {
            request.with_header(name, value)
        })
}

#[test]
fn the_token_is_also_accepted_from_an_authorization_or_api_key_header() {
    let p = provider("om-token-next,om-token-4f1c");
    let bearer = format!("Bearer {TOKEN}");
    let lower = format!("bearer  {TOKEN}");
    let accepted: [(&str, &[(&str, &str)]); 5] = [
        ("Authorization: Bearer", &[("Authorization", &bearer)]),
        (
            "lower-case scheme, two spaces",
            &[("authorization", &lower)],
        ),
        ("bare Authorization", &[("Authorization", TOKEN)]),
        ("X-API-Key", &[("X-API-Key", TOKEN)]),
        (
            "one of several carries it",
            &[
                ("Authorization", "Basic dXNlcjpwYXNz"),
                ("X-API-Key", TOKEN),
            ],
        ),
    ];
    for (name, headers) in accepted {
        let verified = p.verify(&with_headers(None, headers), &context());
        assert_eq!(verified.map(|v| v.matched_secret()), Ok(1), "{name}");
    }
    let wrong_query = p.verify(
        &with_headers(Some("token=nope"), &[("X-API-Key", "om-token-next")]),
        &context(),
    );
    assert_eq!(wrong_query.map(|v| v.matched_secret()), Ok(0));

    type Refused<'a> = (&'static str, &'a [(&'a str, &'a str)], &'static str);
    let refused: [Refused; 7] = [
        ("no header", &[], "missing token"),
        ("empty X-API-Key", &[("X-API-Key", "")], "missing token"),
        (
            "wrong bearer token",
            &[("Authorization", "Bearer om-token-4f1d")],
            "token mismatch",
        ),
        (
            "bearer without token",
            &[("Authorization", "Bearer")],
            "token mismatch",
        ),
        (
            "other scheme",
            &[("Authorization", &format!("Token {TOKEN}"))],
            "token mismatch",
        ),
        (
            "token as a prefix",
            &[("X-API-Key", &format!("{TOKEN}x"))],
            "token mismatch",
        ),
        ("another header", &[("X-Token", TOKEN)], "missing token"),
    ];
    for (name, headers, reason) in refused {
        assert_eq!(
            p.verify(&with_headers(None, headers), &context())
                .map(|_| ()),
            Err(WebhookError::Unauthorized(reason)),
            "{name}"
        );
    }
}

#[test]
fn a_header_token_still_comes_before_the_allowlist() {
    let p = with_allowlist("198.51.100.0/24");
    let mut outside = with_headers(None, &[("X-API-Key", TOKEN)]);
    outside.source_ip = Some("192.0.2.1".to_owned());
    assert_eq!(
        p.verify(&outside, &context()).map(|_| ()),
        Err(WebhookError::Forbidden("source IP not allowed"))
    );
    let mut wrong = with_headers(None, &[("X-API-Key", "nope")]);
    wrong.source_ip = Some("192.0.2.1".to_owned());
    assert_eq!(
        p.verify(&wrong, &context()).map(|_| ()),
        Err(WebhookError::Unauthorized("token mismatch"))
    );
}

#[test]
fn a_future_time_stamp_is_not_refused_either() {
    let body = SEED_LOGIN.replace("2024-10-01 11:45:00", "2030-01-01 00:00:00");
    assert_eq!(
        single(&body).occurred_at,
        datetime!(2030-01-01 00:00:00 UTC)
    );
}

#[test]
fn the_allowlist_admits_listed_sources_and_refuses_others_after_the_token() {
    let p = with_allowlist("198.51.100.0/24, 2001:db8::/32");
    let query = format!("token={TOKEN}");
    let from = |ip: Option<&str>, query: &str, body: &str| {
        let mut request = request(Some(query), body);
        request.source_ip = ip.map(str::to_owned);
        p.verify(&request, &context()).map(|v| v.into_value().len())
    };
    let forbidden = Err(WebhookError::Forbidden("source IP not allowed"));
    assert_eq!(from(Some("198.51.100.42"), &query, SEED_LOGIN), Ok(1));
    assert_eq!(from(Some("2001:db8:1::9"), &query, SEED_LOGIN), Ok(1));
    assert_eq!(from(Some("::ffff:198.51.100.1"), &query, SEED_LOGIN), Ok(1));
    assert_eq!(from(Some("198.51.101.1"), &query, SEED_LOGIN), forbidden);
    assert_eq!(from(Some("2001:db9::1"), &query, SEED_LOGIN), forbidden);
    assert_eq!(from(None, &query, SEED_LOGIN), forbidden);
    assert_eq!(from(Some("not-an-ip"), &query, SEED_LOGIN), forbidden);
    // Order: token (401) before address (403) before body (400).
    assert_eq!(
        from(Some("192.0.2.1"), "token=wrong", SEED_LOGIN),
        Err(WebhookError::Unauthorized("token mismatch"))
    );
    assert_eq!(from(Some("192.0.2.1"), &query, "not json"), forbidden);
    assert_eq!(
        from(Some("198.51.100.42"), &query, "not json"),
        Err(WebhookError::bad_request("body is not valid JSON"))
    );
}

#[test]
fn cidr_blocks_parse_strictly() {
    let valid = [
        "10.0.0.0/8",
        "0.0.0.0/0",
        "203.0.113.7",
        "203.0.113.7/32",
        "2001:db8::/32",
        "::/0",
        "::1",
        "fe80::/10",
    ];
    for text in valid {
        assert!(CidrBlock::parse(text).is_some(), "{text}");
    }
    let invalid = [
        "",
        "10.0.0.0/",
        "10.0.0.0/33",
        "10.0.0.1/8",
        "10.0.0.0/+8",
        "10.0.0.0/-1",
        "10.0.0/8",
        "2001:db8::/129",
        "2001:db8::1/32",
        "example.com",
        "10.0.0.0/8/8",
        " 10.0.0.0/8",
        "010.0.0.0/8",
        "10.0.0.0/8 ",
    ];
    for text in invalid {
        assert_eq!(CidrBlock::parse(text), None, "{text}");
    }
}

#[test]
fn cidr_membership_at_the_edges() {
    let block = CidrBlock::parse("192.168.4.0/22").unwrap();
    let ip = |s: &str| s.parse().unwrap();
    assert!(block.contains(ip("192.168.4.0")));
    assert!(block.contains(ip("192.168.7.255")));
    assert!(!block.contains(ip("192.168.8.0")));
    assert!(!block.contains(ip("192.168.3.255")));
    assert!(!block.contains(ip("::ffff:192.168.8.0")));
    assert!(!block.contains(ip("c0a8:400::")));
    let all_v4 = CidrBlock::parse("0.0.0.0/0").unwrap();
    assert!(all_v4.contains(ip("255.255.255.255")));
    assert!(!all_v4.contains(ip("::1")));
    let all_v6 = CidrBlock::parse("::/0").unwrap();
    assert!(all_v6.contains(ip("ffff::1")));
    assert!(!all_v6.contains(ip("1.2.3.4")));
    let host = CidrBlock::parse("2001:db8::7").unwrap();
    assert!(host.contains(ip("2001:db8::7")));
    assert!(!host.contains(ip("2001:db8::8")));
}

#[test]
fn configuration_names_the_variable_never_the_value() {
    let config = ConfigSource::from_pairs([("ONEMETRIC_TOKEN", " , ")]);
    assert_eq!(
        OneMetricProvider::from_config(&config).unwrap_err(),
        ConfigError::Missing("ONEMETRIC_TOKEN")
    );
    let config = ConfigSource::from_pairs([
        ("ONEMETRIC_TOKEN", TOKEN),
        (
            "ONEMETRIC_ALLOWED_IPS",
            "198.51.100.0/24,secret-looking-typo/8",
        ),
    ]);
    let error = OneMetricProvider::from_config(&config).unwrap_err();
    assert_eq!(
        error.to_string(),
        "variable ONEMETRIC_ALLOWED_IPS is invalid: item 2 is not a CIDR block"
    );
    let config =
        ConfigSource::from_pairs([("ONEMETRIC_TOKEN", TOKEN), ("ONEMETRIC_ALLOWED_IPS", ",,")]);
    assert_eq!(
        OneMetricProvider::from_config(&config)
            .unwrap_err()
            .to_string(),
        "variable ONEMETRIC_ALLOWED_IPS is invalid: no CIDR block given"
    );
    let config = ConfigSource::from_pairs([
        ("ONEMETRIC_TOKEN", "a,b"),
        ("ONEMETRIC_ALLOWED_IPS", "198.51.100.0/24"),
    ]);
    let p = OneMetricProvider::from_config(&config).unwrap();
    let mut request = request(Some("token=b"), SEED_LOGIN);
    request.source_ip = Some("198.51.100.1".to_owned());
    assert_eq!(p.verify(&request, &context()).unwrap().matched_secret(), 1);
    request.source_ip = Some("198.51.99.1".to_owned());
    assert_eq!(
        p.verify(&request, &context()).map(|_| ()),
        Err(WebhookError::Forbidden("source IP not allowed"))
    );
    let debug = format!("{p:?}");
    assert!(
        !debug.contains("\"a\"") && !debug.contains("\"b\""),
        "{debug}"
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..512), query in ".{0,64}") {
            let _ = verify_with(&provider(TOKEN), Some(&format!("token={TOKEN}")), &String::from_utf8_lossy(&body));
            let mut raw = request(Some(&query), "");
            raw.body = body;
            let _ = provider(TOKEN).verify(&raw, &context());
        }

        #[test]
        fn any_single_byte_change_to_the_token_is_rejected(position in 0usize..TOKEN.len(), replacement in "[0-9A-Za-z_-]") {
            let mut token = TOKEN.to_owned();
            prop_assume!(&token[position..position + 1] != replacement.as_str());
            token.replace_range(position..position + 1, &replacement);
            let result = verify_with(&provider(TOKEN), Some(&format!("token={token}")), SEED_LOGIN).map(|_| ());
            prop_assert_eq!(result, Err(WebhookError::Unauthorized("token mismatch")));
        }

        #[test]
        fn valid_events_always_verify(
            token in "[A-Za-z0-9_-]{1,64}",
            event_type in "[A-Z_]{1,24}",
            sub_type in "[A-Z_]{1,24}",
            user_id in "[a-z0-9_]{1,20}",
            year in 2000i32..2100,
            second in 0u8..60,
        ) {
            let body = serde_json::json!({
                "event_type": event_type, "sub_type": sub_type,
                "time_stamp": format!("{year}-06-15 10:20:{second:02}"),
                "details": {"symbol": "XYZ"}, "user": {"id": user_id, "email": "p@example.com"},
            }).to_string();
            let drafts = verify_with(&provider(&token), Some(&format!("token={token}")), &body).unwrap().into_value();
            prop_assert_eq!(&drafts[0].subject, &user_id);
            prop_assert_eq!(&drafts[0].event_type, &format!("{event_type}.{sub_type}"));
        }

        #[test]
        fn cidr_parsing_never_panics_and_hosts_contain_themselves(text in ".{0,48}", v4 in any::<u32>(), v6 in any::<u128>(), prefix in 0u8..=128) {
            let _ = CidrBlock::parse(&text);
            let _ = IpAllowlist::parse(&text);
            let a4 = std::net::Ipv4Addr::from(v4);
            let a6 = std::net::Ipv6Addr::from(v6);
            prop_assert!(CidrBlock::parse(&a4.to_string()).unwrap().contains(a4.into()));
            prop_assert!(CidrBlock::parse(&a6.to_string()).unwrap().contains(a6.into()));
            // A network written with its prefix contains its own first address.
            let network = if prefix == 0 { 0 } else { v6 & (u128::MAX << (128 - u32::from(prefix))) };
            let block = CidrBlock::parse(&format!("{}/{prefix}", std::net::Ipv6Addr::from(network)));
            prop_assert!(block.is_some());
            prop_assert!(block.unwrap().contains(std::net::Ipv6Addr::from(v6).into()));
        }
    }
}

/// Its own windows: OneMetric signs no time; the window is unused.
#[test]
fn its_age_window_and_aws_budget_are_its_own() {
    assert_eq!(
        OneMetricProvider::DEFAULT_MAX_EVENT_AGE,
        std::time::Duration::from_secs(24 * 3600)
    );
    assert_eq!(OneMetricProvider::DEFAULT_AWS_RETRY_SECONDS, 5);
}

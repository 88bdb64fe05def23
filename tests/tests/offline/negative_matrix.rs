//! The negative matrix: for every provider, a table of hostile or broken deliveries, each
//! with its exact status, and each writing nothing (no claim, no message). Runs the real
//! pipeline over the in-memory store and queue, configured from events/<function>/local.env.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use brokerhooks::providers::BuiltIn;
use brokerhooks_testkit::api_gateway_event::Delivery;
use brokerhooks_testkit::local_secrets::{LocalSecrets, repo_root};
use brokerhooks_testkit::memory_pipeline::handle_all;
use brokerhooks_testkit::negative_matrix::Slot;
use brokerhooks_testkit::providers::{kit, signed_with_unknown_secret};
use brokerhooks_testkit::replay::{event_files, read_event_file};
use serde_json::Value;

/// A provider's row: its kit's negative-matrix facts and its first sample.
struct Fixture {
    provider: BuiltIn,
    slot: Slot,
    valid: Delivery,
    /// Signs arbitrary bytes where the provider's scheme allows (header signatures, URL tokens).
    sign_bytes: Option<fn(&[u8], &LocalSecrets) -> Delivery>,
    /// The valid payload signed with a secret the function does not know.
    wrong_secret: Delivery,
    /// Status of an empty body sent with the original proof.
    empty_body_status: u16,
}

fn get(delivery: &Delivery, slot: Slot) -> Option<String> {
    match slot {
        Slot::BodyField(field) => serde_json::from_slice::<Value>(&delivery.body).ok()?[field]
            .as_str()
            .map(str::to_owned),
        Slot::Header(name) | Slot::SignatureMember(name) => {
            delivery.header(name).map(str::to_owned)
        }
        Slot::Query(name) => delivery.to_request().query_param(name),
    }
}

/// The delivery with its proof replaced (`Some`) or removed (`None`).
fn with_proof(delivery: &Delivery, slot: Slot, value: Option<&str>) -> Delivery {
    let mut out = delivery.clone();
    match slot {
        Slot::BodyField(field) => {
            let mut body: Value = serde_json::from_slice(&delivery.body).unwrap();
            match value {
                Some(v) => body[field] = Value::from(v),
                None => {
                    body.as_object_mut().unwrap().remove(field);
                }
            }
            out.body = body.to_string().into_bytes();
        }
        Slot::Header(name) | Slot::SignatureMember(name) => {
            out.headers.retain(|(n, _)| n != name);
            if let Some(v) = value {
                out.headers.push((name.to_owned(), v.to_owned()));
            }
        }
        Slot::Query(name) => out.query = value.map(|v| format!("{name}={v}")),
    }
    out
}

/// The same bytes in the other encoding (hex ↔ base64), or base64 of a plain token.
fn re_encoded(value: &str, slot: Slot) -> String {
    match slot {
        Slot::BodyField(_) => STANDARD.encode(hex::decode(value).unwrap()),
        Slot::Header(_) => hex::encode(STANDARD.decode(value).unwrap()),
        Slot::SignatureMember(_) => {
            let inner = value.trim_start_matches("sig1=:").trim_end_matches(':');
            format!("sig1=:{}:", hex::encode(STANDARD.decode(inner).unwrap()))
        }
        Slot::Query(_) => STANDARD.encode(value),
    }
}

fn first_sample(provider: BuiltIn) -> Delivery {
    let files = event_files(&repo_root().join("events"), provider.name());
    read_event_file(&files[0]).unwrap()
}

/// Each provider's row, from its kit (`brokerhooks_testkit::providers`).
fn fixture(provider: BuiltIn) -> Fixture {
    let valid = first_sample(provider);
    let negative = &kit(provider).negative;
    let payload: Value = serde_json::from_slice(&valid.body).unwrap();
    let secrets = LocalSecrets::load_default().unwrap();
    Fixture {
        provider,
        slot: negative.slot,
        wrong_secret: signed_with_unknown_secret(provider, &payload, &secrets).unwrap(),
        valid,
        sign_bytes: negative.sign_bytes,
        empty_body_status: negative.empty_body_status,
    }
}

/// The function configuration: events/<function>/local.env, legacy SnapTrade secret off (with it on,
/// a body carrying the shared secret is authentic whatever its signature).
fn config() -> Vec<(String, String)> {
    LocalSecrets::load_default()
        .unwrap()
        .iter()
        .filter(|(k, _)| *k != "SNAPTRADE_WEBHOOK_SECRET")
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

fn hostile_bodies() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("JSON array instead of object", br#"[{"a":1}]"#.to_vec()),
        (
            "deeply nested JSON",
            ("[".repeat(100_000) + &"]".repeat(100_000)).into_bytes(),
        ),
        (
            "non-UTF-8 bytes",
            vec![b'{', b'"', 0xff, 0xfe, b'"', b':', b'1', b'}'],
        ),
    ]
}

#[tokio::test]
async fn every_provider_refuses_each_bad_delivery_with_its_exact_status_and_writes_nothing() {
    let secrets = LocalSecrets::load_default().unwrap();
    let config = config();
    let mut failures = Vec::new();
    for fixture in BuiltIn::ALL.map(fixture) {
        let proof = get(&fixture.valid, fixture.slot).expect("sample carries its proof");
        let mut cases: Vec<(String, Delivery, u16)> = vec![
            (
                "missing signature".into(),
                with_proof(&fixture.valid, fixture.slot, None),
                401,
            ),
            (
                "empty signature".into(),
                with_proof(&fixture.valid, fixture.slot, Some("")),
                401,
            ),
            (
                "garbled signature".into(),
                with_proof(&fixture.valid, fixture.slot, Some("!!garbled~~")),
                401,
            ),
            ("wrong secret".into(), fixture.wrong_secret.clone(), 401),
            (
                "truncated signature".into(),
                with_proof(
                    &fixture.valid,
                    fixture.slot,
                    Some(&proof[..proof.len() / 2]),
                ),
                401,
            ),
            (
                "wrong encoding".into(),
                with_proof(
                    &fixture.valid,
                    fixture.slot,
                    Some(&re_encoded(&proof, fixture.slot)),
                ),
                401,
            ),
            (
                "oversize body".into(),
                Delivery {
                    body: vec![b' '; 983_041],
                    ..fixture.valid.clone()
                },
                413,
            ),
            (
                "wrong method".into(),
                Delivery {
                    method: "GET".into(),
                    ..fixture.valid.clone()
                },
                405,
            ),
            (
                "empty body".into(),
                Delivery {
                    body: Vec::new(),
                    ..fixture.valid.clone()
                },
                fixture.empty_body_status,
            ),
        ];
        for (name, body) in hostile_bodies() {
            let delivery = match fixture.sign_bytes {
                // Authentic bytes that are still unusable: the body-shape check answers.
                Some(sign) => sign(&body, &secrets),
                None => Delivery {
                    body,
                    ..fixture.valid.clone()
                },
            };
            cases.push((name.into(), delivery, 400));
        }
        // Each case on a fresh pipeline, so "writes nothing" is exact; then the valid one.
        for (name, delivery, status) in &cases {
            let handled = handle_all(fixture.provider, &config, &[delivery.to_request()])
                .await
                .remove(0);
            let wrote = (handled.store_items, handled.store_calls, handled.messages);
            if handled.answer.status != *status || wrote != (0, 0, 0) {
                failures.push(format!(
                    "{} / {name}: got {} {} and wrote {wrote:?}, want {status} and nothing",
                    fixture.provider.name(),
                    handled.answer.status,
                    handled.answer.body
                ));
            }
        }
        let valid = handle_all(fixture.provider, &config, &[fixture.valid.to_request()])
            .await
            .remove(0);
        if valid.answer.status != 200 || valid.messages == 0 {
            failures.push(format!(
                "{} / valid sample: {:?}",
                fixture.provider.name(),
                valid
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

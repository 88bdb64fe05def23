//! One Upvest delivery's signature check: parse the signature headers, hash the body,
//! build the signature base and verify ECDSA P-521/SHA-512, on the one-event sample
//! `events/upvest/01-order-filled.json` (and the 10-event batch, to show the body hash).
//! Run: `cargo bench -p brokerhooks-testkit --bench upvest_signature`; results in BENCHMARKS.md.

use std::time::Duration;

use brokerhooks::WebhookRequest;
use brokerhooks::pipeline::FreshnessPolicy;
use brokerhooks::providers::upvest::{
    TimePolicy, VERIFY_KEYS_VARIABLE, VerifyKeys, parse_signature_input, verify_message,
};
use brokerhooks_testkit::local_secrets::{LocalSecrets, repo_root};
use brokerhooks_testkit::replay::read_event_file;
use criterion::{Criterion, criterion_group, criterion_main};
use time::OffsetDateTime;

fn sample(file: &str) -> WebhookRequest {
    read_event_file(&repo_root().join("events").join("upvest").join(file))
        .expect("sample event")
        .to_request()
}

/// The time the sample was signed, so the check runs as on arrival.
fn signed_at(request: &WebhookRequest) -> TimePolicy {
    let input = request.header("signature-input").expect("signed sample");
    let created = parse_signature_input(&input).expect("signature-input")[0]
        .created
        .expect("created");
    TimePolicy {
        now: OffsetDateTime::from_unix_timestamp(created).expect("created"),
        freshness: FreshnessPolicy::new(None),
        expiry_grace: Duration::from_secs(300),
    }
}

fn signature_check(c: &mut Criterion) {
    let secrets = LocalSecrets::load_default().expect("events/<function>/local.env");
    let keys = VerifyKeys::parse_jwks(secrets.get(VERIFY_KEYS_VARIABLE).expect("JWKS"))
        .expect("local JWKS");
    let mut group = c.benchmark_group("upvest-signature");
    for (name, file) in [
        ("one-event", "01-order-filled.json"),
        ("batch-10", "03-orders-and-executions.json"),
    ] {
        let request = sample(file);
        let time = signed_at(&request);
        eprintln!("{name}: {} bytes", request.body.len());
        group.bench_function(name, |b| {
            b.iter(|| {
                let matched = verify_message(&request, &keys, &time);
                assert_eq!(matched.map(|m| m.key_position), Ok(0));
            })
        });
    }
    group.finish();
}

criterion_group!(benches, signature_check);
criterion_main!(benches);

//! One Upvest delivery's signature check: parse the signature headers, hash the body,
//! build the signature base and verify ECDSA P-521/SHA-512, on the one-event sample
//! `events/upvest/01-order-filled.json` (and the 10-event batch, to show the body hash);
//! and, apart, the one ECDSA P-521/SHA-512 verification inside it (`ecdsa-only`), so the
//! share of the curve arithmetic is measured, not inferred.
//! Run: `cargo bench -p brokerhooks-testkit --bench upvest_signature`; results in BENCHMARKS.md.
//!
//! Figures are this thread's CPU time, not wall time ([`ThreadCpuTime`]): on the shared
//! build machine other processes take the CPU away in the middle of a sample, which wall
//! time counts and CPU time does not.

use std::time::Duration;

use brokerhooks::WebhookRequest;
use brokerhooks::pipeline::FreshnessPolicy;
use brokerhooks::providers::upvest::{
    TimePolicy, VERIFY_KEYS_VARIABLE, VerifyKeys, parse_signature, parse_signature_input,
    signature_base, verify_message,
};
use brokerhooks_testkit::local_secrets::{LocalSecrets, repo_root};
use brokerhooks_testkit::replay::read_event_file;
use criterion::measurement::{Measurement, ValueFormatter};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
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

/// Criterion measurement: the bench thread's on-CPU time (Linux `schedstat`), in ns.
struct ThreadCpuTime;

/// This thread's on-CPU nanoseconds so far. The kernel brings the running thread's count
/// up to date only when it is scheduled; yielding first makes it exact.
fn thread_cpu_nanos() -> u64 {
    std::thread::yield_now();
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse().ok())
        .expect("/proc/thread-self/schedstat (this bench measures CPU time on Linux)")
}

impl Measurement for ThreadCpuTime {
    type Intermediate = u64;
    type Value = u64;

    fn start(&self) -> u64 {
        thread_cpu_nanos()
    }

    fn end(&self, start: u64) -> u64 {
        thread_cpu_nanos().saturating_sub(start)
    }

    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }

    fn zero(&self) -> u64 {
        0
    }

    fn to_f64(&self, value: &u64) -> f64 {
        *value as f64
    }

    fn formatter(&self) -> &dyn ValueFormatter {
        &CpuNanos
    }
}

/// Nanoseconds of CPU, shown as criterion shows durations.
struct CpuNanos;

impl ValueFormatter for CpuNanos {
    fn scale_values(&self, typical: f64, values: &mut [f64]) -> &'static str {
        let (factor, unit) = if typical < 1e3 {
            (1.0, "ns")
        } else if typical < 1e6 {
            (1e-3, "µs")
        } else {
            (1e-6, "ms")
        };
        values.iter_mut().for_each(|v| *v *= factor);
        unit
    }

    fn scale_throughputs(
        &self,
        _: f64,
        throughput: &Throughput,
        values: &mut [f64],
    ) -> &'static str {
        let per_iteration = match *throughput {
            Throughput::Bytes(n) | Throughput::BytesDecimal(n) | Throughput::Bits(n) => n,
            Throughput::Elements(n) | Throughput::ElementsAndBytes { elements: n, .. } => n,
        } as f64;
        values
            .iter_mut()
            .for_each(|v| *v = per_iteration * 1e9 / *v);
        "/s"
    }

    fn scale_for_machines(&self, _: &mut [f64]) -> &'static str {
        "ns"
    }
}

fn signature_check(c: &mut Criterion<ThreadCpuTime>) {
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
    // The curve arithmetic alone: the one-event sample's base and signature, prepared once.
    let request = sample("01-order-filled.json");
    let input = &parse_signature_input(&request.header("signature-input").expect("signed"))
        .expect("signature-input")[0];
    let signature =
        &parse_signature(&request.header("signature").expect("signed")).expect("signature")[0];
    let base = signature_base(&request, &input.components, &input.raw_params).expect("base");
    let (_, key) = keys
        .find(input.keyid.as_deref().expect("keyid"))
        .expect("key");
    group.bench_function("ecdsa-only", |b| {
        b.iter(|| assert!(key.verifies(base.as_bytes(), &signature.bytes)))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ThreadCpuTime);
    targets = signature_check
}
criterion_main!(benches);

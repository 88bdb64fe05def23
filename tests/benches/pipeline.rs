//! In-process cost per event: verification + parsing + envelope + in-memory store and
//! queue, for each provider, with realistic bodies (a ~2 KB Kite postback, the largest
//! sample of each other provider, a 10-event Upvest batch).
//! Run: `cargo bench -p brokerhooks-testkit --bench pipeline`; results in BENCHMARKS.md.

use std::sync::Arc;

use brokerhooks::config::{AwsSettings, ConfigSource, PipelineSettings};
use brokerhooks::pipeline::ports::MemoryQueue;
use brokerhooks::pipeline::ports::MemoryStore;
use brokerhooks::providers::{BuiltIn, ProviderVisitor};
use brokerhooks::{Pipeline, Provider, WebhookRequest};
use brokerhooks_testkit::local_secrets::LocalSecrets;
use brokerhooks_testkit::providers::kit;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

type MemoryPipeline<P> = Pipeline<P, Arc<MemoryStore>, Arc<MemoryQueue>>;

fn config() -> ConfigSource {
    let secrets = LocalSecrets::load_default().expect("events/<function>/local.env");
    let mut pairs: Vec<(String, String)> = secrets
        .iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    pairs.extend([
        ("EVENTS_TABLE".to_owned(), "bench".to_owned()),
        ("EVENTS_QUEUE_URL".to_owned(), "bench.fifo".to_owned()),
        // Samples carry fixed dates.
        ("MAX_EVENT_AGE_SECONDS".to_owned(), "0".to_owned()),
    ]);
    ConfigSource::from_pairs(pairs)
}

fn pipeline<P: Provider>(config: &ConfigSource, settings: &PipelineSettings) -> MemoryPipeline<P> {
    Pipeline::new(
        P::from_config(config).expect("provider config"),
        Arc::new(MemoryStore::new()),
        Arc::new(MemoryQueue::new()),
        settings.clone(),
    )
}

/// A new delivery (every event new: claim, envelope, send, complete) and a redelivery
/// (every event a duplicate: verify, parse, one claim each).
fn bench_provider<P: Provider>(
    c: &mut Criterion,
    name: &str,
    request: WebhookRequest,
    events: u64,
) {
    let config = config();
    let settings =
        PipelineSettings::from_config(&config, AwsSettings::default(), P::DEFAULT_MAX_EVENT_AGE)
            .expect("settings");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    eprintln!(
        "{name}: {} bytes, {events} events per delivery",
        request.body.len()
    );
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(events));
    group.bench_function("new", |b| {
        b.to_async(&runtime).iter_batched(
            || pipeline::<P>(&config, &settings),
            |p| {
                let request = &request;
                async move {
                    let answer = p.handle(request).await;
                    assert_eq!(answer.status, 200, "{}", answer.body);
                    p
                }
            },
            BatchSize::SmallInput,
        )
    });
    let warmed = pipeline::<P>(&config, &settings);
    runtime.block_on(warmed.handle(&request));
    group.bench_function("duplicate", |b| {
        b.to_async(&runtime).iter(|| async {
            let answer = warmed.handle(&request).await;
            assert_eq!(answer.status, 200);
        })
    });
    group.finish();
}

struct Bench<'a> {
    criterion: &'a mut Criterion,
    name: &'static str,
    request: WebhookRequest,
    events: u64,
}

impl ProviderVisitor for Bench<'_> {
    type Output = ();
    fn visit<P: Provider>(self) {
        bench_provider::<P>(self.criterion, self.name, self.request, self.events);
    }
}

fn providers(c: &mut Criterion) {
    let secrets = LocalSecrets::load_default().expect("events/<function>/local.env");
    for provider in BuiltIn::ALL {
        let case = (kit(provider).bench)(&secrets);
        provider.visit(Bench {
            criterion: c,
            name: case.name,
            request: case.request,
            events: case.events,
        });
    }
}

criterion_group!(benches, providers);
criterion_main!(benches);

#![recursion_limit = "256"]
//! In-process cost per event: verification + parsing + envelope + in-memory store and
//! queue, for each provider, with realistic bodies (a ~2 KB Kite postback, the largest
//! sample of each other provider, a 10-event Upvest batch).
//! Run: `cargo bench -p brokerhooks-testkit --bench pipeline`; results in BENCHMARKS.md.

use std::sync::Arc;

use brokerhooks::config::{AwsSettings, ConfigSource, PipelineSettings};
use brokerhooks::pipeline::ports::MemoryQueue;
use brokerhooks::pipeline::ports::MemoryStore;
use brokerhooks::providers::kite::checksum_hex;
use brokerhooks::providers::{BuiltIn, ProviderVisitor};
use brokerhooks::{Pipeline, Provider, WebhookRequest};
use brokerhooks_testkit::local_secrets::{LocalSecrets, repo_root};
use brokerhooks_testkit::replay::read_event_file;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

type MemoryPipeline<P> = Pipeline<P, Arc<MemoryStore>, Arc<MemoryQueue>>;

fn config() -> ConfigSource {
    let secrets = LocalSecrets::load_default().expect("events/local.env");
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

/// A realistic Kite postback of about 2 KB, signed with the local secret.
fn kite_request() -> WebhookRequest {
    let (order_id, ts) = ("261122000112233", "2026-11-22 09:15:02");
    let secret = LocalSecrets::load_default()
        .unwrap()
        .primary("KITE_API_SECRET")
        .unwrap()
        .to_owned();
    let body = serde_json::json!({
        "user_id": "AB1234", "app_id": 1234, "placed_by": "AB1234", "order_id": order_id,
        "exchange_order_id": "1100000012345678", "parent_order_id": null, "status": "COMPLETE",
        "status_message": null, "status_message_raw": null, "order_timestamp": ts,
        "exchange_update_timestamp": "2026-11-22 09:18:11", "exchange_timestamp": "2026-11-22 09:15:02",
        "variety": "regular", "exchange": "NSE", "tradingsymbol": "INFY", "instrument_token": 408065,
        "order_type": "LIMIT", "transaction_type": "BUY", "validity": "DAY", "validity_ttl": 0, "product": "CNC",
        "quantity": 10, "disclosed_quantity": 0, "price": 1480.5, "trigger_price": 0, "average_price": 1480.35,
        "filled_quantity": 10, "pending_quantity": 0, "cancelled_quantity": 0, "unfilled_quantity": 0,
        "market_protection": 0, "auction_number": null, "tag": "rebalance-2026-11", "tags": ["rebalance-2026-11", "sip", "bench"],
        "guid": "84931Xq2kT7pLmN",
        "meta": {"iceberg": {"leg": 1, "legs": 1, "leg_quantity": 10, "total_quantity": 10, "remaining_quantity": 0},
                 "notes": "x".repeat(900)},
        "checksum": checksum_hex(order_id, ts, &secret),
    })
    .to_string();
    WebhookRequest::post("/webhooks/kite", body)
}

fn sample(provider: &str, file: &str) -> WebhookRequest {
    read_event_file(&repo_root().join("events").join(provider).join(file))
        .expect("sample event")
        .to_request()
}

/// Each provider's benchmark: its name, delivery and events per delivery. One arm per
/// built-in provider, so a new one does not compile until it is benchmarked.
fn case(provider: BuiltIn) -> (&'static str, WebhookRequest, u64) {
    match provider {
        BuiltIn::Kite => ("kite", kite_request(), 1),
        BuiltIn::Smallcase => (
            "smallcase",
            sample("smallcase", "04-order-completed.json"),
            1,
        ),
        BuiltIn::SnapTrade => ("snaptrade", sample("snaptrade", "16-trade-update.json"), 1),
        BuiltIn::Upvest => (
            "upvest-batch-10",
            sample("upvest", "03-orders-and-executions.json"),
            10,
        ),
        BuiltIn::OneMetric => (
            "onemetric",
            sample("onemetric", "05-transaction-new-purchase.json"),
            1,
        ),
    }
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
    for provider in BuiltIn::ALL {
        let (name, request, events) = case(provider);
        provider.visit(Bench {
            criterion: c,
            name,
            request,
            events,
        });
    }
}

criterion_group!(benches, providers);
criterion_main!(benches);

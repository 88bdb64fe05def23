#![recursion_limit = "256"]
//! In-process cost per event: verification + parsing + envelope + in-memory store and
//! queue, for each provider. Run with `cargo bench -p brokerhooks --bench pipeline`;
//! results are recorded in BENCHMARKS.md.

use std::sync::Arc;
use std::time::Duration;

use brokerhooks::config::PipelineSettings;
use brokerhooks::idempotency::MemoryStore;
use brokerhooks::providers::kite::{KiteProvider, checksum_hex};
use brokerhooks::queue::MemoryQueue;
use brokerhooks::secret_list::SecretList;
use brokerhooks::{Pipeline, Provider, WebhookRequest};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

fn settings() -> PipelineSettings {
    PipelineSettings {
        events_table: "bench".to_owned(),
        events_queue_url: "bench.fifo".to_owned(),
        dedupe_ttl: Duration::from_secs(2_592_000),
        max_event_age: None,
        claim_lease: Duration::from_secs(30),
        max_body_bytes: 983_040,
        warm_connections: false,
    }
}

type MemoryPipeline<P> = Pipeline<P, Arc<MemoryStore>, Arc<MemoryQueue>>;

fn pipeline<P: Provider + Clone>(provider: &P) -> MemoryPipeline<P> {
    Pipeline::new(
        provider.clone(),
        Arc::new(MemoryStore::new()),
        Arc::new(MemoryQueue::new()),
        settings(),
    )
}

/// Benchmarks a new delivery (all events new) and a redelivery (all duplicates).
fn bench_provider<P: Provider + Clone>(
    c: &mut Criterion,
    name: &str,
    provider: P,
    request: WebhookRequest,
    events: u64,
) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(events));
    group.bench_function("new", |b| {
        b.to_async(&runtime).iter_batched(
            || pipeline(&provider),
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
    let warmed = pipeline(&provider);
    runtime.block_on(warmed.handle(&request));
    group.bench_function("duplicate", |b| {
        b.to_async(&runtime).iter(|| async {
            let answer = warmed.handle(&request).await;
            assert_eq!(answer.status, 200);
        })
    });
    group.finish();
}

/// A realistic Kite postback of about 2 KB.
fn kite_request() -> WebhookRequest {
    let (order_id, ts, secret) = (
        "261122000112233",
        "2026-11-22 09:15:02",
        "bench-kite-secret",
    );
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
        "checksum": checksum_hex(order_id, ts, secret),
    })
    .to_string();
    WebhookRequest::post("/webhooks/kite", body)
}

fn providers(c: &mut Criterion) {
    let kite = kite_request();
    eprintln!("kite body: {} bytes", kite.body.len());
    bench_provider(
        c,
        "kite",
        KiteProvider::new(SecretList::parse("bench-kite-secret").expect("secret")),
        kite,
        1,
    );
}

criterion_group!(benches, providers);
criterion_main!(benches);

//! The duplicate storm: at least 1,000 distinct events across every provider, each
//! delivered 5–10 times by 32 concurrent senders over HTTP to the functions served by
//! `cargo lambda watch`. Every delivery answers 200, 409 or 503, and 409/503 are
//! retried until 200, as the providers do. Afterwards the queue holds exactly one
//! message per distinct event. Throughput and latency go to `.local/storm-report.json`
//! (see BENCHMARKS.md).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use brokerhooks::providers::BuiltIn;
use brokerhooks_testkit::api_gateway_event::Delivery;
use brokerhooks_testkit::distinct_events::{
    distinct_deliveries, events_per_delivery, first_template,
};
use brokerhooks_testkit::e2e::E2eStack;
use brokerhooks_testkit::local_secrets::{LocalSecrets, repo_root};
use brokerhooks_testkit::local_stack::LOCAL_TABLE;
use serde_json::{Value, json};
use tokio::sync::Mutex;

const SENDERS: usize = 32;
/// How long one delivery may keep being retried.
const RETRY_FOR: Duration = Duration::from_secs(120);

fn distinct_target() -> usize {
    std::env::var("BROKERHOOKS_STORM_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000)
}

struct Outcome {
    statuses: HashMap<u16, usize>,
    latencies: Vec<Duration>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn duplicate_storm_enqueues_each_event_exactly_once() {
    let Some(stack) = E2eStack::from_env().await else {
        return;
    };
    let stack = Arc::new(stack);
    stack.drain().await;
    let secrets = LocalSecrets::load_default().unwrap();

    // Distinct deliveries per provider, enough for the target number of distinct events.
    let per_provider = distinct_target().div_ceil(BuiltIn::ALL.len());
    let mut expected_per_provider = HashMap::new();
    let mut work: Vec<(&'static str, Delivery)> = Vec::new();
    for provider in BuiltIn::ALL {
        let epd = events_per_delivery(provider, &first_template(provider).unwrap()).max(1);
        let deliveries =
            distinct_deliveries(provider, per_provider.div_ceil(epd), &secrets).unwrap();
        expected_per_provider.insert(provider.name().to_owned(), deliveries.len() * epd);
        for (i, delivery) in deliveries.into_iter().enumerate() {
            for _ in 0..(5 + i % 6) {
                work.push((provider.name(), delivery.clone()));
            }
        }
    }
    let distinct: usize = expected_per_provider.values().sum();
    assert!(distinct >= distinct_target(), "{distinct} distinct events");
    // Interleave copies so redeliveries of one event race each other.
    let mut order: Vec<usize> = (0..work.len()).collect();
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    for i in (1..order.len()).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        order.swap(i, (seed % (i as u64 + 1)) as usize);
    }
    let deliveries = work.len();
    let queue = Arc::new(Mutex::new(
        order
            .into_iter()
            .map(|i| work[i].clone())
            .collect::<Vec<_>>(),
    ));

    // A drainer keeps the FIFO queue short (moto slows down as a FIFO queue fills).
    let collected = Arc::new(Mutex::new(Vec::<Value>::new()));
    let draining = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let drainer = {
        let (stack, collected, draining) = (stack.clone(), collected.clone(), draining.clone());
        tokio::spawn(async move {
            while draining.load(std::sync::atomic::Ordering::SeqCst) {
                let batch = stack.drain().await;
                collected.lock().await.extend(batch);
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
    };

    let started = Instant::now();
    let senders: Vec<_> = (0..SENDERS)
        .map(|worker| {
            let (stack, queue) = (stack.clone(), queue.clone());
            tokio::spawn(async move {
                let mut outcome = Outcome {
                    statuses: HashMap::new(),
                    latencies: Vec::new(),
                };
                loop {
                    // Take the lock only to pop: a `while let` would hold it for the whole body.
                    let next = queue.lock().await.pop();
                    let Some((provider, delivery)) = next else {
                        break;
                    };
                    let first_try = Instant::now();
                    let mut attempts = 0;
                    loop {
                        attempts += 1;
                        let sent = Instant::now();
                        let (status, body) = stack.send(provider, &delivery).await;
                        outcome.latencies.push(sent.elapsed());
                        *outcome.statuses.entry(status).or_default() += 1;
                        match status {
                            200 => break,
                            409 | 503 if first_try.elapsed() < RETRY_FOR => {
                                tokio::time::sleep(Duration::from_millis(
                                    20 + (worker as u64 % 8) * 10,
                                ))
                                .await
                            }
                            other => panic!(
                                "{provider}: status {other} after {attempts} attempts: {body}"
                            ),
                        }
                    }
                }
                outcome
            })
        })
        .collect();
    let mut statuses: HashMap<u16, usize> = HashMap::new();
    let mut latencies = Vec::new();
    for sender in senders {
        let outcome = sender.await.unwrap();
        for (status, n) in outcome.statuses {
            *statuses.entry(status).or_default() += n;
        }
        latencies.extend(outcome.latencies);
    }
    let elapsed = started.elapsed();
    draining.store(false, std::sync::atomic::Ordering::SeqCst);
    drainer.await.unwrap();
    let mut envelopes = collected.lock().await.clone();
    envelopes.extend(stack.drain().await);

    // Exactly one message per distinct event.
    let mut per_id: HashMap<String, usize> = HashMap::new();
    let mut per_provider: HashMap<String, usize> = HashMap::new();
    for envelope in &envelopes {
        *per_id
            .entry(format!(
                "{}#{}",
                envelope["provider"].as_str().unwrap(),
                envelope["id"].as_str().unwrap()
            ))
            .or_default() += 1;
        *per_provider
            .entry(envelope["provider"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    let doubles = per_id.values().filter(|&&n| n > 1).count();
    assert_eq!(doubles, 0, "events enqueued twice");
    assert_eq!(per_provider, expected_per_provider);
    assert_eq!(per_id.len(), distinct);
    assert!(
        statuses.keys().all(|s| [200, 409, 503].contains(s)),
        "{statuses:?}"
    );
    assert_eq!(
        statuses.get(&200),
        Some(&deliveries),
        "every delivery ended in 200"
    );
    assert_eq!(
        stack
            .emulator
            .table_items(LOCAL_TABLE)
            .await
            .iter()
            // Claims only: smallcase's signature bindings have no status.
            .filter(|i| i.get("status").is_some_and(|status| status != "ENQUEUED"))
            .count(),
        0
    );

    // The emulator's share: time one direct call of each kind the pipeline makes.
    let emulator_ms = emulator_call_ms(&stack).await;
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() - 1) as f64 * p) as usize].as_secs_f64() * 1e3;
    let requests: usize = statuses.values().sum();
    let report = json!({
        "distinct_events": distinct, "deliveries": deliveries, "http_requests": requests,
        "statuses": statuses.iter().map(|(k, v)| (k.to_string(), *v)).collect::<HashMap<_, _>>(),
        "seconds": elapsed.as_secs_f64(), "requests_per_second": requests as f64 / elapsed.as_secs_f64(),
        "latency_ms": {"p50": pct(0.5), "p99": pct(0.99)},
        "emulator_call_ms": emulator_ms,
    });
    let path = repo_root().join(".local").join("storm-report.json");
    let _ = std::fs::create_dir_all(path.parent().unwrap());
    std::fs::write(&path, serde_json::to_string_pretty(&report).unwrap()).unwrap();
    eprintln!("storm: {report}");
}

/// Median latency of one direct emulator call of each kind (PutItem, SendMessage), ms.
async fn emulator_call_ms(stack: &E2eStack) -> Value {
    let mut put = Vec::new();
    let mut send = Vec::new();
    for i in 0..30 {
        let started = Instant::now();
        stack
            .emulator
            .dynamodb
            .put_item()
            .table_name(LOCAL_TABLE)
            .item(
                "pk",
                aws_sdk_dynamodb::types::AttributeValue::S(format!("storm-probe#{i}")),
            )
            .send()
            .await
            .unwrap();
        put.push(started.elapsed());
        let started = Instant::now();
        stack
            .emulator
            .sqs
            .send_message()
            .queue_url(&stack.queue_url)
            .message_body("probe")
            .message_group_id("probe")
            .message_deduplication_id(format!("probe-{i}"))
            .send()
            .await
            .unwrap();
        send.push(started.elapsed());
    }
    stack.emulator.drain(&stack.queue_url).await;
    put.sort();
    send.sort();
    json!({"put_item": put[15].as_secs_f64() * 1e3, "send_message": send[15].as_secs_f64() * 1e3})
}

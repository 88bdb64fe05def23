//! Faults: AWS calls fail part of the time (refused connections, lost responses, delays)
//! and the emulator restarts once mid-run. Every delivery is retried until it answers
//! 200, as the providers do; afterwards the queue holds every distinct event exactly once.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use brokerhooks::config::PipelineSettings;
use brokerhooks::idempotency::DynamoDbStore;
use brokerhooks::providers::kite::{KiteProvider, checksum_hex};
use brokerhooks::queue::SqsQueue;
use brokerhooks::secret_list::SecretList;
use brokerhooks::{Pipeline, WebhookRequest};
use brokerhooks_testkit::emulator::{Emulator, sdk_config_with_timeouts};
use brokerhooks_testkit::fault_proxy::{FaultProxy, Faults};
use brokerhooks_testkit::moto_process::MotoProcess;
use serde_json::{Value, json};
use tokio::sync::Mutex;

const SECRET: &str = "faults-kite-secret";
const DISTINCT: usize = 150;
const COPIES: usize = 3;
const SENDERS: usize = 16;
/// How long one delivery may keep being retried (the restart takes a few seconds).
const RETRY_FOR: Duration = Duration::from_secs(180);

fn postback(n: usize) -> String {
    let order_id = format!("2611220{n:08}");
    let ts = "2026-11-22 10:00:00";
    json!({"order_id": order_id, "order_timestamp": ts, "status": "COMPLETE", "filled_quantity": 1,
           "checksum": checksum_hex(&order_id, ts, SECRET)})
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn faults_and_a_restart_lose_nothing_and_duplicate_nothing() {
    let mut moto = MotoProcess::start(0).await.unwrap();
    let direct = Emulator::connect(&moto.url()).await;
    let (table, queue) = direct.fresh_stack(true).await;
    let proxy = FaultProxy::start(&moto.address()).await.unwrap();
    let through_proxy = sdk_config_with_timeouts(&proxy.url, Duration::from_secs(2)).await;

    let settings = PipelineSettings {
        events_table: table.clone(),
        events_queue_url: queue.clone(),
        dedupe_ttl: Duration::from_secs(3600),
        max_event_age: None,
        // Short, so a claim whose completion was lost is taken over within the test.
        claim_lease: Duration::from_secs(2),
        max_body_bytes: 983_040,
        warm_connections: false,
        tls_system_roots: false,
    };
    let pipeline = Arc::new(Pipeline::new(
        KiteProvider::new(SecretList::parse(SECRET).unwrap()),
        DynamoDbStore::new(aws_sdk_dynamodb::Client::new(&through_proxy), &table),
        SqsQueue::new(aws_sdk_sqs::Client::new(&through_proxy), &queue, true),
        settings,
    ));

    proxy.set_faults(Faults {
        refuse_percent: 8,
        lose_response_percent: 8,
        delay_percent: 10,
        delay: Duration::from_millis(150),
    });

    // Deliveries interleaved so copies of one event overlap in time.
    let deliveries: Vec<String> = (0..COPIES)
        .flat_map(|_| (0..DISTINCT).map(postback))
        .collect();
    let total = deliveries.len();
    let work = Arc::new(Mutex::new(
        deliveries.into_iter().enumerate().collect::<Vec<_>>(),
    ));
    let statuses = Arc::new(Mutex::new(HashMap::<u16, usize>::new()));
    let done = Arc::new(std::sync::atomic::AtomicUsize::new(0));

    let senders: Vec<_> = (0..SENDERS)
        .map(|_| {
            let (work, pipeline, statuses, done) = (
                work.clone(),
                pipeline.clone(),
                statuses.clone(),
                done.clone(),
            );
            tokio::spawn(async move {
                loop {
                    // Take the lock only to pop: a `while let` would hold it for the whole body.
                    let next = work.lock().await.pop();
                    let Some((index, body)) = next else { break };
                    let request = WebhookRequest::post("/webhooks/kite", body);
                    let first_try = std::time::Instant::now();
                    let mut attempts = 0;
                    loop {
                        attempts += 1;
                        let answer = pipeline.handle(&request).await;
                        *statuses.lock().await.entry(answer.status).or_default() += 1;
                        match answer.status {
                            200 => break,
                            409 | 503 if first_try.elapsed() < RETRY_FOR => {
                                tokio::time::sleep(Duration::from_millis(
                                    50 + (index % 7) as u64 * 30,
                                ))
                                .await
                            }
                            other => panic!(
                                "delivery {index}: status {other} after {attempts} attempts: {}",
                                answer.body
                            ),
                        }
                    }
                    done.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();

    // Restart the emulator once, mid-run. moto keeps state in memory only, so the
    // restart preserves it the way DynamoDB and SQS would: snapshot, restart, restore.
    while done.load(Ordering::SeqCst) < total / 2 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    proxy.set_paused(true);
    proxy.wait_idle().await;
    let items = direct.scan_raw(&table).await;
    let messages = direct.drain(&queue).await;
    let port = moto.port;
    moto.kill();
    let moto = MotoProcess::start(port).await.unwrap();
    let direct = Emulator::connect(&moto.url()).await;
    direct.create_table(&table).await.unwrap();
    let queue_name = queue.rsplit('/').next().unwrap();
    assert_eq!(direct.create_queue(queue_name).await.unwrap(), queue);
    direct.put_raw(&table, items).await;
    direct.resend(&queue, &messages).await;
    proxy.set_paused(false);

    for sender in senders {
        sender.await.unwrap();
    }

    let mut per_id: HashMap<String, usize> = HashMap::new();
    for message in direct.drain(&queue).await {
        let envelope: Value = serde_json::from_str(&message.body).unwrap();
        *per_id
            .entry(envelope["id"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    let counts = proxy.counts();
    let statuses = statuses.lock().await.clone();
    eprintln!(
        "faults: {} connections, {} refused, {} responses lost, {} delayed; answers {statuses:?}",
        counts.connections.load(Ordering::SeqCst),
        counts.refused.load(Ordering::SeqCst),
        counts.lost_responses.load(Ordering::SeqCst),
        counts.delayed.load(Ordering::SeqCst),
    );
    assert_eq!(
        per_id.len(),
        DISTINCT,
        "every distinct event is on the queue"
    );
    assert!(
        per_id.values().all(|&n| n == 1),
        "no event twice: {:?}",
        per_id.values().filter(|&&n| n > 1).count()
    );
    assert!(
        statuses.keys().all(|s| [200, 409, 503].contains(s)),
        "{statuses:?}"
    );
    assert_eq!(statuses.get(&200), Some(&total));
    assert!(
        counts.lost_responses.load(Ordering::SeqCst) > 0
            && counts.refused.load(Ordering::SeqCst) > 0
    );
    assert!(
        statuses.get(&503).copied().unwrap_or(0) > 0,
        "the faults were felt"
    );
}

//! Faults: AWS calls fail part of the time (refused connections, lost responses, delays,
//! connection resets), every call is refused for a few seconds once (an outage), and the
//! emulator restarts once mid-run. Every delivery is retried until it answers 200, as the
//! providers do. Afterwards each distinct event was reported `accepted` by exactly one 200
//! answer, is on the queue exactly once, and no claim is left IN_PROGRESS.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use brokerhooks::aws::DynamoDbStore;
use brokerhooks::aws::SqsQueue;
use brokerhooks::aws::{dynamodb_client, sqs_client};
use brokerhooks::config::RetryBudget;
use brokerhooks::config::secret_list::SecretList;
use brokerhooks::config::{AwsSettings, ConfigSource, PipelineSettings};
use brokerhooks::edge::answer::respond;
use brokerhooks::pipeline::deadline::Deadline;
use brokerhooks::pipeline::envelope::OutgoingMessage;
use brokerhooks::pipeline::ports::STATUS_ENQUEUED;
use brokerhooks::pipeline::ports::{EventQueue, QueueError};
use brokerhooks::providers::kite::{KiteProvider, checksum_hex};
use brokerhooks::{Pipeline, Provider, WebhookRequest};
use brokerhooks_testkit::answers::accepted;
use brokerhooks_testkit::emulator::{Emulator, address_of, sdk_config_with_budget};
use brokerhooks_testkit::fault_proxy::{FaultProxy, Faults};
use brokerhooks_testkit::moto_process::MotoProcess;
use serde_json::{Value, json};
use tokio::sync::Mutex;

const SECRET: &str = "faults-kite-secret";
const DISTINCT: usize = 150;
const COPIES: usize = 3;
const SENDERS: usize = 16;
/// How long one delivery may keep being retried (an orphaned claim blocks for a lease).
const RETRY_FOR: Duration = Duration::from_secs(240);
/// Every attempt runs as if in a function with this timeout (its deadline)…
const FUNCTION_TIMEOUT: Duration = Duration::from_secs(25);
/// …whose claims outlast it, as the contract requires (the default lease).
const CLAIM_LEASE_SECONDS: &str = "30";
/// Each AWS call retries for this long (the template's value for functions other than Kite).
const AWS_RETRY_SECONDS: &str = "5";
const OUTAGE: Duration = Duration::from_secs(4);

fn postback(n: usize) -> String {
    let order_id = format!("2611220{n:08}");
    let ts = "2026-11-22 10:00:00";
    json!({"order_id": order_id, "order_timestamp": ts, "status": "COMPLETE", "filled_quantity": 1,
           "checksum": checksum_hex(&order_id, ts, SECRET)})
    .to_string()
}

/// What the senders saw: answers by status, and `accepted` summed over the 200s.
#[derive(Debug, Default)]
struct Seen {
    statuses: HashMap<u16, usize>,
    accepted: usize,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn faults_an_outage_and_a_restart_lose_nothing_and_accept_nothing_twice() {
    let Some(moto_server) = MotoProcess::binary_from_env() else {
        return;
    };
    let mut moto = MotoProcess::start(&moto_server, 0).await.unwrap();
    let direct = Emulator::connect(&moto.url()).await;
    let (table, queue) = direct.fresh_stack(true).await;
    let proxy = FaultProxy::start(&moto.address()).await.unwrap();

    let settings = {
        let config = ConfigSource::from_pairs([
            ("EVENTS_TABLE", table.as_str()),
            ("EVENTS_QUEUE_URL", queue.as_str()),
            ("MAX_EVENT_AGE_SECONDS", "0"),
            ("CLAIM_LEASE_SECONDS", CLAIM_LEASE_SECONDS),
            ("AWS_RETRY_SECONDS", AWS_RETRY_SECONDS),
        ]);
        let aws = AwsSettings::from_config(&config, brokerhooks::config::DEFAULT_AWS_RETRY_SECONDS)
            .unwrap();
        PipelineSettings::from_config(&config, aws, KiteProvider::DEFAULT_MAX_EVENT_AGE)
    }
    .unwrap();
    assert_eq!(settings.aws_retry, RetryBudget::from_secs(5));
    // The production clients: the functions' budget and retry partitions.
    let through_proxy = sdk_config_with_budget(&proxy.url, settings.aws_retry).await;
    let pipeline = Arc::new(Pipeline::new(
        KiteProvider::new(SecretList::parse(SECRET).unwrap()),
        DynamoDbStore::new(dynamodb_client(&through_proxy), &table),
        SqsQueue::new(sqs_client(&through_proxy), &queue, true),
        settings,
    ));

    proxy.set_faults(Faults {
        refuse_percent: 8,
        lose_response_percent: 8,
        delay_percent: 10,
        delay: Duration::from_millis(150),
        reset_percent: 10,
    });

    // Deliveries interleaved so copies of one event overlap in time.
    let deliveries: Vec<String> = (0..COPIES)
        .flat_map(|_| (0..DISTINCT).map(postback))
        .collect();
    let total = deliveries.len();
    let work = Arc::new(Mutex::new(
        deliveries.into_iter().enumerate().collect::<Vec<_>>(),
    ));
    let seen = Arc::new(Mutex::new(Seen::default()));
    let done = Arc::new(AtomicUsize::new(0));

    let senders: Vec<_> = (0..SENDERS)
        .map(|_| {
            let (work, pipeline, seen, done) =
                (work.clone(), pipeline.clone(), seen.clone(), done.clone());
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
                        let deadline = Deadline::after(FUNCTION_TIMEOUT);
                        let answer = respond(&pipeline.process(&request, deadline).await);
                        {
                            let mut seen = seen.lock().await;
                            *seen.statuses.entry(answer.status).or_default() += 1;
                            if answer.status == 200 {
                                let body: Value = serde_json::from_str(&answer.body).unwrap();
                                seen.accepted += body["accepted"].as_u64().unwrap() as usize;
                            }
                        }
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

    // A multi-second outage a quarter of the way in: every AWS call is refused.
    while done.load(Ordering::SeqCst) < total / 4 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let refused_before = proxy.counts().refused.load(Ordering::SeqCst);
    proxy.outage(OUTAGE).await.unwrap();
    let refused_in_outage = proxy.counts().refused.load(Ordering::SeqCst) - refused_before;

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
    let moto = MotoProcess::start(&moto_server, port).await.unwrap();
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
    let items = direct.table_items(&table).await;
    let counts = proxy.counts();
    let seen = seen.lock().await;
    eprintln!(
        "faults: {} connections, {} refused ({refused_in_outage} in the outage), {} responses lost, {} delayed, {} reset; answers {:?}",
        counts.connections.load(Ordering::SeqCst),
        counts.refused.load(Ordering::SeqCst),
        counts.lost_responses.load(Ordering::SeqCst),
        counts.delayed.load(Ordering::SeqCst),
        counts.resets.load(Ordering::SeqCst),
        seen.statuses,
    );
    assert_eq!(
        seen.accepted, DISTINCT,
        "each distinct event reported accepted by exactly one 200 answer"
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
    // One claim per distinct event; beside them the order states' marks (Kite's), which
    // are best effort: at most one per event, each a delivery's.
    let (marks, items): (Vec<_>, Vec<_>) = items
        .iter()
        .partition(|item| item["pk"].starts_with("kite#state:"));
    assert_eq!(items.len(), DISTINCT);
    assert!(marks.len() <= DISTINCT);
    assert!(marks.iter().all(|mark| mark["marked_by"] == "delivery"));
    let left_in_progress: Vec<&String> = items
        .iter()
        .filter(|item| item["status"] != STATUS_ENQUEUED)
        .map(|item| &item["pk"])
        .collect();
    assert!(
        left_in_progress.is_empty(),
        "claims not completed: {left_in_progress:?}"
    );
    assert!(
        seen.statuses.keys().all(|s| [200, 409, 503].contains(s)),
        "{:?}",
        seen.statuses
    );
    assert_eq!(seen.statuses.get(&200), Some(&total));
    // The faults were all felt.
    assert!(counts.lost_responses.load(Ordering::SeqCst) > 0);
    assert!(counts.refused.load(Ordering::SeqCst) > refused_in_outage);
    assert!(counts.resets.load(Ordering::SeqCst) > 0);
    assert!(refused_in_outage > 0, "the outage refused calls");
    assert!(
        seen.statuses.get(&503).copied().unwrap_or(0) > 0,
        "the faults were felt"
    );
}

/// The SQS queue, after whose every send DynamoDB goes down for a while.
struct OutageAfterSend {
    queue: SqsQueue,
    dynamodb: Arc<FaultProxy>,
    outage: Duration,
}

impl EventQueue for OutageAfterSend {
    async fn send_all(&self, messages: &[OutgoingMessage]) -> Vec<Result<(), QueueError>> {
        let sent = self.queue.send_all(messages).await;
        drop(self.dynamodb.outage(self.outage));
        sent
    }
}

/// The trap this pipeline used to leave: the message is sent, then DynamoDB is down for
/// 4 s, longer than one completion call's whole retry budget (3 s). The completion is
/// retried until it holds, so the claim does not stay IN_PROGRESS.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_four_second_outage_after_the_send_leaves_no_claim_in_progress() {
    let Some(emulator) = Emulator::from_env().await else {
        return;
    };
    let (table, queue) = emulator.fresh_stack(true).await;
    let dynamodb = Arc::new(
        FaultProxy::start(address_of(&emulator.endpoint))
            .await
            .unwrap(),
    );
    let settings = {
        let config = ConfigSource::from_pairs([
            ("EVENTS_TABLE", table.as_str()),
            ("EVENTS_QUEUE_URL", queue.as_str()),
            ("MAX_EVENT_AGE_SECONDS", "0"),
            ("AWS_RETRY_SECONDS", "3"),
        ]);
        let aws = AwsSettings::from_config(&config, brokerhooks::config::DEFAULT_AWS_RETRY_SECONDS)
            .unwrap();
        PipelineSettings::from_config(&config, aws, KiteProvider::DEFAULT_MAX_EVENT_AGE)
    }
    .unwrap();
    let through_proxy = sdk_config_with_budget(&dynamodb.url, settings.aws_retry).await;
    let direct = sdk_config_with_budget(&emulator.endpoint, settings.aws_retry).await;
    let pipeline = Pipeline::new(
        KiteProvider::new(SecretList::parse(SECRET).unwrap()),
        DynamoDbStore::new(dynamodb_client(&through_proxy), &table),
        OutageAfterSend {
            queue: SqsQueue::new(sqs_client(&direct), &queue, true),
            dynamodb: dynamodb.clone(),
            outage: OUTAGE,
        },
        settings,
    );

    let request = WebhookRequest::post("/webhooks/kite", postback(1));
    let deadline = Deadline::after(Duration::from_secs(15));
    assert_eq!(
        respond(&pipeline.process(&request, deadline).await),
        accepted(1, 0)
    );

    assert!(
        dynamodb.counts().refused.load(Ordering::SeqCst) > 0,
        "the completion met the outage"
    );
    // The claim, and (Kite) its order state's mark.
    let items = emulator.table_items(&table).await;
    let claims: Vec<_> = items
        .iter()
        .filter(|item| !item["pk"].starts_with("kite#state:"))
        .collect();
    assert_eq!((items.len(), claims.len()), (2, 1), "{items:?}");
    assert_eq!(claims[0]["status"], STATUS_ENQUEUED);
    assert!(!claims[0].contains_key("lease_expires_at"));
    assert_eq!(emulator.drain(&queue).await.len(), 1);
}

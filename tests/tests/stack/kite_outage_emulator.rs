//! Kite never retries a postback: whatever AWS does, one delivery must end on the queue.
//! With Kite's production settings from infra/template.yaml (its AWS_RETRY_SECONDS and
//! function timeout), a postback sent once while SQS refuses every call for 8 s answers
//! 200 with exactly one message, even after an earlier, longer outage; such an outage
//! used to empty the SDK's retry quota for the rest of the process, after which calls
//! stopped retrying at once.

use std::sync::atomic::Ordering;
use std::time::Duration;

use brokerhooks::aws::DynamoDbStore;
use brokerhooks::aws::SqsQueue;
use brokerhooks::aws::{dynamodb_client, sqs_client};
use brokerhooks::config::secret_list::SecretList;
use brokerhooks::config::{AwsSettings, ConfigSource, PipelineSettings};
use brokerhooks::edge::answer::respond;
use brokerhooks::pipeline::deadline::{Deadline, minimum_function_timeout};
use brokerhooks::pipeline::ports::STATUS_ENQUEUED;
use brokerhooks::providers::kite::{KiteProvider, checksum_hex};
use brokerhooks::{Pipeline, Provider, WebhookRequest};
use brokerhooks_testkit::answers::{accepted, refused};
use brokerhooks_testkit::emulator::{Emulator, address_of, sdk_config_with_budget};
use brokerhooks_testkit::fault_proxy::FaultProxy;
use brokerhooks_testkit::local_secrets::repo_root;
use futures_util::future::join_all;
use serde_json::{Value, json};

const SECRET: &str = "kite-outage-secret";
const SQS_OUTAGE: Duration = Duration::from_secs(8);

/// Kite's AWS_RETRY_SECONDS and function timeout: the template's parameter defaults.
fn kite_production_settings() -> (u64, u64) {
    let text = std::fs::read_to_string(repo_root().join("infra/template.yaml")).unwrap();
    let template: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).unwrap();
    let default = |name: &str| {
        template["Parameters"][name]["Default"]
            .as_u64()
            .unwrap_or_else(|| panic!("template parameter {name} has no numeric default"))
    };
    (
        default("KiteAwsRetrySeconds"),
        default("KiteFunctionTimeoutSeconds"),
    )
}

fn postback(n: u32) -> Value {
    let order_id = format!("26112500{n:07}");
    let ts = "2026-11-25 09:15:00";
    json!({"order_id": order_id, "order_timestamp": ts, "status": "COMPLETE",
           "filled_quantity": 1, "tag": "open-burst",
           "checksum": checksum_hex(&order_id, ts, SECRET)})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postback_sent_once_rides_out_eight_seconds_of_sqs_refusing() {
    let (retry_seconds, timeout_seconds) = kite_production_settings();
    let Some(emulator) = Emulator::from_env().await else {
        return;
    };
    let (table, queue) = emulator.fresh_stack(true).await;
    let sqs = FaultProxy::start(address_of(&emulator.endpoint))
        .await
        .unwrap();

    let retry = retry_seconds.to_string();
    let settings = {
        let config = ConfigSource::from_pairs([
            ("EVENTS_TABLE", table.as_str()),
            ("EVENTS_QUEUE_URL", queue.as_str()),
            ("MAX_EVENT_AGE_SECONDS", "0"),
            ("AWS_RETRY_SECONDS", retry.as_str()),
        ]);
        let aws = AwsSettings::from_config(&config, brokerhooks::config::DEFAULT_AWS_RETRY_SECONDS)
            .unwrap();
        PipelineSettings::from_config(&config, aws, KiteProvider::DEFAULT_MAX_EVENT_AGE)
    }
    .unwrap();
    let function_timeout = Duration::from_secs(timeout_seconds);
    assert!(minimum_function_timeout(settings.aws_retry) <= function_timeout);
    assert!(
        settings.aws_retry.per_call() > SQS_OUTAGE + Duration::from_secs(1),
        "Kite's budget covers the outage and a last back-off"
    );
    let to_dynamodb = sdk_config_with_budget(&emulator.endpoint, settings.aws_retry).await;
    let to_sqs = sdk_config_with_budget(&sqs.url, settings.aws_retry).await;
    let pipeline = Pipeline::new(
        KiteProvider::new(SecretList::parse(SECRET).unwrap()),
        DynamoDbStore::new(dynamodb_client(&to_dynamodb), &table),
        SqsQueue::new(sqs_client(&to_sqs), &queue, true),
        settings,
    );
    let deliver = |payload: &Value| WebhookRequest::post("/webhooks/kite", payload.to_string());
    // Each delivery with the function's deadline, answered as the function answers it.
    let handle = async |request: &WebhookRequest| {
        respond(
            &pipeline
                .process(request, Deadline::after(function_timeout))
                .await,
        )
    };

    // An outage longer than the budget: these deliveries fail (503, claims released).
    sqs.set_paused(true);
    let failed: Vec<_> = (0..3).map(|n| deliver(&postback(n))).collect();
    let answers = join_all(failed.iter().map(&handle)).await;
    sqs.set_paused(false);
    let unavailable = refused(503, "storage or queue unavailable; retry later");
    assert_eq!(answers, vec![unavailable; 3]);
    // Claims released; their states' marks stay, for a reconciler run to take over.
    let items = emulator.table_items(&table).await;
    assert!(
        items
            .iter()
            .all(|item| item["pk"].starts_with("kite#state:")),
        "claims released: {items:?}"
    );

    // The postback, sent once, while SQS refuses every call for 8 s.
    let payload = postback(100);
    let refused_before = sqs.counts().refused.load(Ordering::SeqCst);
    let outage = sqs.outage(SQS_OUTAGE);
    let answer = handle(&deliver(&payload)).await;
    outage.await.unwrap();
    assert_eq!(answer, accepted(1, 0));
    let refused_during = sqs.counts().refused.load(Ordering::SeqCst) - refused_before;
    assert!(
        refused_during > 3,
        "the send kept retrying: {refused_during}"
    );

    let messages = emulator.drain(&queue).await;
    assert_eq!(messages.len(), 1);
    let envelope: Value = serde_json::from_str(&messages[0].body).unwrap();
    assert_eq!(envelope["payload"], payload);
    let items = emulator.table_items(&table).await;
    let claims: Vec<_> = items
        .iter()
        .filter(|item| !item["pk"].starts_with("kite#state:"))
        .collect();
    assert_eq!(claims.len(), 1, "{items:?}");
    assert_eq!(claims[0]["status"], STATUS_ENQUEUED);
}

//! The local AWS emulator (moto server), reached through the real AWS SDK.
//!
//! The test command starts moto and exports `BROKERHOOKS_EMULATOR_URL`; every test
//! creates its own uniquely named table and queue, so tests run in parallel.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType, TimeToLiveSpecification,
};
use aws_sdk_sqs::types::{MessageSystemAttributeName, QueueAttributeName};

use crate::local_stack::{SESSIONS_PARTITION_KEY, TABLE_PARTITION_KEY, TABLE_TTL_ATTRIBUTE};
use crate::stack_presence::stack_variable;

pub const EMULATOR_URL_VARIABLE: &str = "BROKERHOOKS_EMULATOR_URL";

/// A config loader for `endpoint` with dummy credentials: nothing can reach AWS.
fn emulator_loader(endpoint: &str) -> aws_config::ConfigLoader {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "test",
            "test",
            None,
            None,
            "brokerhooks-test",
        ))
}

/// An SDK config for `endpoint` with dummy credentials: nothing can reach AWS.
pub async fn sdk_config(endpoint: &str) -> aws_config::SdkConfig {
    emulator_loader(endpoint).load().await
}

/// The emulator the test command started; `None` (the test skips) without one, see
/// [`crate::stack_presence`].
pub fn url_from_env() -> Option<String> {
    stack_variable(EMULATOR_URL_VARIABLE)
}

/// A message as received from the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMessage {
    pub body: String,
    /// String message attributes (`provider`, `type`).
    pub attributes: HashMap<String, String>,
    pub group_id: Option<String>,
    pub dedup_id: Option<String>,
}

pub struct Emulator {
    pub endpoint: String,
    pub config: aws_config::SdkConfig,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub sqs: aws_sdk_sqs::Client,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

impl Emulator {
    pub async fn connect(endpoint: &str) -> Self {
        let config = sdk_config(endpoint).await;
        Emulator {
            endpoint: endpoint.to_owned(),
            dynamodb: aws_sdk_dynamodb::Client::new(&config),
            sqs: aws_sdk_sqs::Client::new(&config),
            config,
        }
    }

    /// The emulator `make test` started; `None` (the test skips) without one.
    pub async fn from_env() -> Option<Self> {
        Some(Self::connect(&url_from_env()?).await)
    }

    /// A name unique to this process and call, for per-test resources.
    pub fn unique_name(prefix: &str) -> String {
        format!(
            "{prefix}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        )
    }

    /// Creates the events table (key `pk`, TTL `expires_at`, on-demand).
    pub async fn create_table(&self, name: &str) -> Result<(), String> {
        self.create_table_keyed(name, TABLE_PARTITION_KEY).await
    }

    /// Creates a reconciler's sessions table (key `user_id`, TTL `expires_at`).
    pub async fn create_sessions_table(&self, name: &str) -> Result<(), String> {
        self.create_table_keyed(name, SESSIONS_PARTITION_KEY).await
    }

    /// Puts one reconciler session (the item the app's login flow writes).
    pub async fn put_session(
        &self,
        table: &str,
        session: &brokerhooks::reconciliation::Session,
    ) -> Result<(), String> {
        self.dynamodb
            .put_item()
            .table_name(table)
            .item(
                SESSIONS_PARTITION_KEY,
                AttributeValue::S(session.user_id.clone()),
            )
            .item("api_key", AttributeValue::S(session.api_key.clone()))
            .item(
                "access_token",
                AttributeValue::S(session.access_token.clone()),
            )
            .item(
                "expires_at",
                AttributeValue::N(session.expires_at.to_string()),
            )
            .send()
            .await
            .map(|_| ())
            .map_err(|e| aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string())
    }

    async fn create_table_keyed(&self, name: &str, partition_key: &str) -> Result<(), String> {
        let exists = self
            .dynamodb
            .describe_table()
            .table_name(name)
            .send()
            .await
            .is_ok();
        if !exists {
            self.dynamodb
                .create_table()
                .table_name(name)
                .billing_mode(BillingMode::PayPerRequest)
                .attribute_definitions(
                    AttributeDefinition::builder()
                        .attribute_name(partition_key)
                        .attribute_type(ScalarAttributeType::S)
                        .build()
                        .map_err(|e| e.to_string())?,
                )
                .key_schema(
                    KeySchemaElement::builder()
                        .attribute_name(partition_key)
                        .key_type(KeyType::Hash)
                        .build()
                        .map_err(|e| e.to_string())?,
                )
                .send()
                .await
                .map_err(|e| aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string())?;
        }
        self.dynamodb
            .update_time_to_live()
            .table_name(name)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .attribute_name(TABLE_TTL_ATTRIBUTE)
                    .enabled(true)
                    .build()
                    .map_err(|e| e.to_string())?,
            )
            .send()
            .await
            .map(|_| ())
            .or_else(|e| {
                // Already enabled is fine on re-runs.
                let text = aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string();
                if text.contains("already enabled") {
                    Ok(())
                } else {
                    Err(text)
                }
            })
    }

    /// Creates a queue (FIFO when the name ends in `.fifo`) and returns its URL.
    pub async fn create_queue(&self, name: &str) -> Result<String, String> {
        let mut request = self.sqs.create_queue().queue_name(name);
        if name.ends_with(".fifo") {
            request = request.attributes(QueueAttributeName::FifoQueue, "true");
        }
        let output = request
            .send()
            .await
            .map_err(|e| aws_sdk_sqs::error::DisplayErrorContext(e).to_string())?;
        output
            .queue_url()
            .map(str::to_owned)
            .ok_or_else(|| "no queue url".to_owned())
    }

    /// Creates a queue with a dead-letter queue (`<name>-dlq`, FIFO when `name` is) and a
    /// redrive policy after `max_receive_count` receives, as `infra/template.yaml` does.
    /// `visibility_timeout_seconds`: the queue's; `None` keeps SQS's default (30 s), as
    /// the template does. Returns the queue's and the dead-letter queue's URLs.
    pub async fn create_queue_with_dead_letter_queue(
        &self,
        name: &str,
        max_receive_count: u32,
        visibility_timeout_seconds: Option<u32>,
    ) -> Result<(String, String), String> {
        let fifo = name.ends_with(".fifo");
        let base = name.trim_end_matches(".fifo");
        let dlq_name = format!("{base}-dlq{}", if fifo { ".fifo" } else { "" });
        let dlq_url = self.create_queue(&dlq_name).await?;
        let dlq_arn = self.queue_arn(&dlq_url).await?;
        let redrive = serde_json::json!({
            "deadLetterTargetArn": dlq_arn,
            "maxReceiveCount": max_receive_count,
        });
        let mut request = self
            .sqs
            .create_queue()
            .queue_name(name)
            .attributes(QueueAttributeName::RedrivePolicy, redrive.to_string());
        if fifo {
            request = request.attributes(QueueAttributeName::FifoQueue, "true");
        }
        if let Some(seconds) = visibility_timeout_seconds {
            request =
                request.attributes(QueueAttributeName::VisibilityTimeout, seconds.to_string());
        }
        let url = request
            .send()
            .await
            .map_err(|e| aws_sdk_sqs::error::DisplayErrorContext(e).to_string())?
            .queue_url()
            .map(str::to_owned)
            .ok_or_else(|| "no queue url".to_owned())?;
        Ok((url, dlq_url))
    }

    /// A queue attribute (e.g. `QueueArn`, `VisibilityTimeout`).
    pub async fn queue_attribute(
        &self,
        queue_url: &str,
        name: QueueAttributeName,
    ) -> Result<String, String> {
        let output = self
            .sqs
            .get_queue_attributes()
            .queue_url(queue_url)
            .attribute_names(name.clone())
            .send()
            .await
            .map_err(|e| aws_sdk_sqs::error::DisplayErrorContext(e).to_string())?;
        output
            .attributes()
            .and_then(|attributes| attributes.get(&name))
            .cloned()
            .ok_or_else(|| format!("queue {queue_url} has no attribute {name}"))
    }

    pub async fn queue_arn(&self, queue_url: &str) -> Result<String, String> {
        self.queue_attribute(queue_url, QueueAttributeName::QueueArn)
            .await
    }

    /// Moves every message of `dead_letter_url` back to `queue_url`, as a redrive does:
    /// same body, attributes and message group, a new deduplication id (SQS would drop a
    /// resend with the old one inside its 5-minute window). Returns what moved, as it
    /// was in the dead-letter queue.
    pub async fn redrive(&self, dead_letter_url: &str, queue_url: &str) -> Vec<ReceivedMessage> {
        let messages = self.drain(dead_letter_url).await;
        let moved: Vec<ReceivedMessage> = messages
            .iter()
            .enumerate()
            .map(|(n, message)| {
                let mut message = message.clone();
                if let Some(dedup) = &message.dedup_id {
                    message.dedup_id = Some(format!("{dedup}-redrive-{n}"));
                }
                message
            })
            .collect();
        self.resend(queue_url, &moved).await;
        messages
    }

    /// A fresh table and queue for one test.
    pub async fn fresh_stack(&self, fifo: bool) -> (String, String) {
        let table = Self::unique_name("events");
        let queue = Self::unique_name("events") + if fifo { ".fifo" } else { "" };
        self.create_table(&table).await.expect("create table");
        let url = self.create_queue(&queue).await.expect("create queue");
        (table, url)
    }

    /// Receives and deletes every message now in the queue.
    pub async fn drain(&self, queue_url: &str) -> Vec<ReceivedMessage> {
        let mut all = Vec::new();
        let mut empty_polls = 0;
        while empty_polls < 2 {
            let output = self
                .sqs
                .receive_message()
                .queue_url(queue_url)
                .max_number_of_messages(10)
                .message_attribute_names("All")
                .message_system_attribute_names(MessageSystemAttributeName::All)
                .visibility_timeout(30)
                .send()
                .await
                .expect("receive from emulator");
            let messages = output.messages();
            if messages.is_empty() {
                empty_polls += 1;
                continue;
            }
            empty_polls = 0;
            for message in messages {
                let attributes = message
                    .message_attributes()
                    .map(|attrs| {
                        attrs
                            .iter()
                            .filter_map(|(k, v)| Some((k.clone(), v.string_value()?.to_owned())))
                            .collect()
                    })
                    .unwrap_or_default();
                let system = message.attributes();
                let system_value =
                    |name: MessageSystemAttributeName| system.and_then(|s| s.get(&name)).cloned();
                all.push(ReceivedMessage {
                    body: message.body().unwrap_or_default().to_owned(),
                    attributes,
                    group_id: system_value(MessageSystemAttributeName::MessageGroupId),
                    dedup_id: system_value(MessageSystemAttributeName::MessageDeduplicationId),
                });
                if let Some(handle) = message.receipt_handle() {
                    self.sqs
                        .delete_message()
                        .queue_url(queue_url)
                        .receipt_handle(handle)
                        .send()
                        .await
                        .expect("delete from emulator");
                }
            }
        }
        all
    }

    /// Every item in a table, attributes as strings (numbers keep their text).
    pub async fn table_items(&self, table: &str) -> Vec<HashMap<String, String>> {
        self.scan_raw(table)
            .await
            .iter()
            .map(|item| {
                item.iter()
                    .map(|(k, v)| {
                        let text = match v {
                            AttributeValue::S(s) | AttributeValue::N(s) => s.clone(),
                            other => format!("{other:?}"),
                        };
                        (k.clone(), text)
                    })
                    .collect()
            })
            .collect()
    }
}

/// Pipeline settings for a test stack: contract defaults, age check off (fixtures carry
/// fixed dates) unless a test sets it.
pub fn test_settings(table: &str, queue_url: &str) -> brokerhooks::config::PipelineSettings {
    let config = brokerhooks::config::ConfigSource::from_pairs([
        ("EVENTS_TABLE", table),
        ("EVENTS_QUEUE_URL", queue_url),
        ("MAX_EVENT_AGE_SECONDS", "0"),
    ]);
    // The age check is off, so no provider's default window applies.
    let aws = brokerhooks::config::AwsSettings::default();
    brokerhooks::config::PipelineSettings::from_config(&config, aws, std::time::Duration::ZERO)
        .expect("valid test settings")
}

/// An emulator test's pipeline: the production adapters on a table and queue of its own.
pub type EmulatorPipeline<P> =
    brokerhooks::Pipeline<P, brokerhooks::aws::DynamoDbStore, brokerhooks::aws::SqsQueue>;

impl Emulator {
    /// `provider` on a fresh table and queue (FIFO or standard) with `settings`: the stack
    /// every emulator test starts from, or `None` without the local stack (the test skips).
    pub async fn pipeline_on_fresh_stack<P: brokerhooks::Provider>(
        provider: P,
        fifo: bool,
        settings: fn(&str, &str) -> brokerhooks::config::PipelineSettings,
    ) -> Option<(Emulator, EmulatorPipeline<P>, String, String)> {
        let emulator = Emulator::from_env().await?;
        let (table, queue) = emulator.fresh_stack(fifo).await;
        let (store, sqs) = emulator.adapters(&table, &queue);
        let pipeline = brokerhooks::Pipeline::new(provider, store, sqs, settings(&table, &queue));
        Some((emulator, pipeline, table, queue))
    }

    /// The production adapters (DynamoDB store, SQS queue) on this emulator.
    pub fn adapters(
        &self,
        table: &str,
        queue_url: &str,
    ) -> (brokerhooks::aws::DynamoDbStore, brokerhooks::aws::SqsQueue) {
        (
            brokerhooks::aws::DynamoDbStore::new(self.dynamodb.clone(), table),
            brokerhooks::aws::SqsQueue::new(
                self.sqs.clone(),
                queue_url,
                queue_url.ends_with(".fifo"),
            ),
        )
    }
}

/// Like [`sdk_config`], with per-attempt and per-operation timeouts so a held-back
/// response fails the attempt instead of hanging the test.
pub async fn sdk_config_with_timeouts(
    endpoint: &str,
    attempt: std::time::Duration,
) -> aws_config::SdkConfig {
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(attempt)
        .operation_attempt_timeout(attempt)
        .operation_timeout(attempt * 4)
        .build();
    emulator_loader(endpoint)
        .timeout_config(timeouts)
        // Fast retries: the default back-off (up to 20 s) would make fault tests crawl.
        .retry_config(
            aws_config::retry::RetryConfig::standard()
                .with_max_attempts(3)
                .with_initial_backoff(std::time::Duration::from_millis(20))
                .with_max_backoff(std::time::Duration::from_millis(200)),
        )
        .load()
        .await
}

/// Like [`sdk_config`], with a function's AWS retry budget (`AWS_RETRY_SECONDS`) exactly
/// as the functions configure it. Build clients with `brokerhooks::aws::
/// {dynamodb_client, sqs_client}` to get the functions' retry partitions too.
pub async fn sdk_config_with_budget(
    endpoint: &str,
    budget: brokerhooks::config::RetryBudget,
) -> aws_config::SdkConfig {
    budget.apply(emulator_loader(endpoint)).load().await
}

/// `host:port` of an `http://host:port` emulator URL (what a proxy connects to).
pub fn address_of(url: &str) -> &str {
    url.trim_start_matches("http://").trim_end_matches('/')
}

impl Emulator {
    /// Every item of a table as stored (for snapshots).
    pub async fn scan_raw(&self, table: &str) -> Vec<HashMap<String, AttributeValue>> {
        let pages: Vec<_> = self
            .dynamodb
            .scan()
            .table_name(table)
            .into_paginator()
            .send()
            .collect::<Vec<_>>()
            .await;
        pages
            .into_iter()
            .flat_map(|page| page.expect("scan emulator table").items.unwrap_or_default())
            .collect()
    }

    /// Writes items back (restoring a snapshot), several at a time.
    pub async fn put_raw(&self, table: &str, items: Vec<HashMap<String, AttributeValue>>) {
        use futures_util::StreamExt;
        futures_util::stream::iter(items)
            .for_each_concurrent(RESTORE_CONCURRENCY, |item| async move {
                self.dynamodb
                    .put_item()
                    .table_name(table)
                    .set_item(Some(item))
                    .send()
                    .await
                    .expect("restore item");
            })
            .await;
    }

    /// Sends received messages again, with their group and deduplication ids (restoring a
    /// snapshot), several at a time: the order across groups is not kept, nor need it be.
    pub async fn resend(&self, queue_url: &str, messages: &[ReceivedMessage]) {
        use futures_util::StreamExt;
        futures_util::stream::iter(messages)
            .for_each_concurrent(RESTORE_CONCURRENCY, |message| async move {
                let mut request = self
                    .sqs
                    .send_message()
                    .queue_url(queue_url)
                    .message_body(&message.body);
                for (name, value) in &message.attributes {
                    request = request.message_attributes(
                        name,
                        aws_sdk_sqs::types::MessageAttributeValue::builder()
                            .data_type("String")
                            .string_value(value)
                            .build()
                            .expect("attribute"),
                    );
                }
                request
                    .set_message_group_id(message.group_id.clone())
                    .set_message_deduplication_id(message.dedup_id.clone())
                    .send()
                    .await
                    .expect("restore message");
            })
            .await;
    }
}

/// Requests in flight while a snapshot is restored.
const RESTORE_CONCURRENCY: usize = 16;

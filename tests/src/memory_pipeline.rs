//! Any receiver's pipeline (a built-in provider's or `generic`'s) over the in-memory store and queue, configured the way the
//! local stack configures the functions (events/<function>/local.env), for table-driven tests.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use brokerhooks::config::{AwsSettings, ConfigSource, PipelineSettings};
use brokerhooks::pipeline::ports::MemoryStore;
use brokerhooks::pipeline::ports::{MemoryQueue, SentMessage};
use brokerhooks::providers::{ProviderVisitor, Receiver};
use brokerhooks::{Answer, Pipeline, Provider, WebhookRequest};

/// What one delivery did: the answer and what it wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handled {
    pub answer: Answer,
    pub store_items: usize,
    pub store_calls: usize,
    /// Order-state marks in the store (Kite's recoverable states).
    pub state_marks: usize,
    /// Queue requests (a batch of up to ten messages is one request, as in SQS).
    pub queue_requests: usize,
    pub messages: usize,
}

/// Runs `requests` in order through a fresh in-memory pipeline of `provider`, configured
/// from `config` plus pipeline defaults (age check off: the samples carry fixed dates).
pub async fn handle_all(
    provider: impl Into<Receiver>,
    config: &[(String, String)],
    requests: &[WebhookRequest],
) -> Vec<Handled> {
    run_any(
        provider,
        config,
        requests,
        Arc::new(MemoryQueue::new()),
        None,
    )
    .await
}

/// The messages `requests` put on a fresh in-memory queue, in order (configured as in
/// [`handle_all`]).
pub async fn enqueued(
    provider: impl Into<Receiver>,
    config: &[(String, String)],
    requests: &[WebhookRequest],
) -> Vec<SentMessage> {
    let queue = Arc::new(MemoryQueue::new());
    run_any(provider, config, requests, queue.clone(), None).await;
    queue.messages()
}

/// Like [`enqueued`], received at `now` (a fixed `received_at`, for fixtures).
pub async fn enqueued_at(
    provider: impl Into<Receiver>,
    config: &[(String, String)],
    requests: &[WebhookRequest],
    now: time::OffsetDateTime,
) -> Vec<SentMessage> {
    let queue = Arc::new(MemoryQueue::new());
    run_any(provider, config, requests, queue.clone(), Some(now)).await;
    queue.messages()
}

async fn run_any(
    provider: impl Into<Receiver>,
    config: &[(String, String)],
    requests: &[WebhookRequest],
    queue: Arc<MemoryQueue>,
    now: Option<time::OffsetDateTime>,
) -> Vec<Handled> {
    let mut pairs: Vec<(String, String)> = config.to_vec();
    pairs.extend([
        ("EVENTS_TABLE".to_owned(), "memory".to_owned()),
        ("EVENTS_QUEUE_URL".to_owned(), "memory.fifo".to_owned()),
        ("MAX_EVENT_AGE_SECONDS".to_owned(), "0".to_owned()),
    ]);
    let config = ConfigSource::from_pairs(pairs);
    provider
        .into()
        .visit(Run {
            config: &config,
            requests,
            queue,
            now,
        })
        .await
}

/// Runs the requests through a pipeline of the visited provider type.
struct Run<'a> {
    config: &'a ConfigSource,
    requests: &'a [WebhookRequest],
    queue: Arc<MemoryQueue>,
    now: Option<time::OffsetDateTime>,
}

impl<'a> ProviderVisitor for Run<'a> {
    type Output = Pin<Box<dyn Future<Output = Vec<Handled>> + 'a>>;

    fn visit<P: Provider>(self) -> Self::Output {
        Box::pin(run::<P>(self.config, self.requests, self.queue, self.now))
    }
}

async fn run<P: Provider>(
    config: &ConfigSource,
    requests: &[WebhookRequest],
    queue: Arc<MemoryQueue>,
    now: Option<time::OffsetDateTime>,
) -> Vec<Handled> {
    let store = Arc::new(MemoryStore::new());
    let aws = AwsSettings::from_config(config, P::DEFAULT_AWS_RETRY_SECONDS).expect("AWS settings");
    let settings = PipelineSettings::from_config(config, aws, P::DEFAULT_MAX_EVENT_AGE)
        .expect("pipeline settings");
    let provider = P::from_config(config).expect("provider configuration");
    let mut pipeline = Pipeline::new(provider, store.clone(), queue.clone(), settings);
    if let Some(now) = now {
        pipeline = pipeline.with_clock(brokerhooks::pipeline::ports::clock::ManualClock::new(now));
    }
    let mut handled = Vec::new();
    for request in requests {
        let answer = pipeline.handle(request).await;
        handled.push(Handled {
            answer,
            store_items: store.len(),
            store_calls: store.calls(),
            state_marks: store.mark_keys().len(),
            queue_requests: queue.requests(),
            messages: queue.messages().len(),
        });
    }
    handled
}

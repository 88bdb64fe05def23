//! Running a handler as the Lambda function behind an SQS event source mapping with
//! `ReportBatchItemFailures`: settings and AWS clients once at cold start, then one
//! [`BatchProcessor::process`] per invocation.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{LambdaEvent, service_fn};
use time::OffsetDateTime;

use crate::batch::BatchProcessor;
use crate::handler::EventHandler;
use crate::idempotency::{DynamoDbClaims, Idempotency};
use crate::metrics;
use crate::settings::ConsumerSettings;

/// The whole Lambda main for `handler`: JSON logs, idempotency when `CONSUMER_TABLE` is
/// set (see [`crate::settings`]), one log line per record and one metrics line per batch.
/// Bad settings stop the function at start (logged, naming the variable): its batches
/// then fail and SQS keeps the messages.
pub async fn run<H: EventHandler>(handler: H) -> Result<(), lambda_runtime::Error> {
    brokerhooks_logging::init();
    let settings = ConsumerSettings::from_env().inspect_err(|error| {
        tracing::error!(error = %error, "refusing to start: bad configuration");
    })?;
    let processor = processor(handler, &settings).await;
    let processor = &processor;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        let report = processor
            .process(&event.payload, deadline(&event.context))
            .await;
        metrics::emit_batch(&event.context.env_config.function_name, &report);
        Ok::<SqsBatchResponse, std::convert::Infallible>(report.response())
    }))
    .await
}

async fn processor<H: EventHandler>(handler: H, settings: &ConsumerSettings) -> BatchProcessor<H> {
    let processor = BatchProcessor::new(handler);
    let Some(table) = &settings.table else {
        return processor;
    };
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let store = DynamoDbClaims::new(aws_sdk_dynamodb::Client::new(&aws), table);
    processor.with_idempotency(
        Idempotency::new(store)
            .key_prefix(&settings.key_prefix)
            .ttl_seconds(settings.ttl_seconds),
    )
}

/// The invocation's deadline (epoch milliseconds in the context; 0 when unknown).
fn deadline(context: &lambda_runtime::Context) -> Option<OffsetDateTime> {
    let millis = i128::from(context.deadline);
    (millis > 0)
        .then(|| OffsetDateTime::from_unix_timestamp_nanos(millis * 1_000_000).ok())
        .flatten()
}

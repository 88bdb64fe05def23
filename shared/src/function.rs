//! Running a provider as a Lambda function: configuration once at cold start, AWS
//! clients built once, then one pipeline call per request.

use std::time::Duration;

use aws_config::BehaviorVersion;

use crate::config::{ConfigError, ConfigSource, PipelineSettings};
use crate::error::WebhookError;
use crate::idempotency::DynamoDbStore;
use crate::lambda_adapter;
use crate::pipeline::{Answer, Pipeline};
use crate::provider::Provider;
use crate::queue::SqsQueue;
use crate::request::WebhookRequest;

/// A function that either serves or, misconfigured, refuses every request with 500.
pub enum FunctionService<P: Provider> {
    Ready(Box<Pipeline<P, DynamoDbStore, SqsQueue>>),
    Misconfigured(ConfigError),
}

impl<P: Provider> FunctionService<P> {
    /// Builds the pipeline from configuration and an AWS config. Secrets Manager values
    /// are overlaid first when `BROKERHOOKS_SECRET_ID` is set.
    pub async fn build(mut config: ConfigSource, aws: &aws_config::SdkConfig) -> Self {
        let built = async {
            config.load_secrets_manager(aws).await?;
            let settings = PipelineSettings::from_config(&config)?;
            let provider = P::from_config(&config)?;
            let store =
                DynamoDbStore::new(aws_sdk_dynamodb::Client::new(aws), &settings.events_table);
            let queue = SqsQueue::new(
                aws_sdk_sqs::Client::new(aws),
                &settings.events_queue_url,
                settings.queue_is_fifo(),
            );
            if settings.warm_connections {
                tokio::join!(store.warm_up(), queue.warm_up());
            }
            Ok::<_, ConfigError>(Pipeline::new(provider, store, queue, settings))
        }
        .await;
        match built {
            Ok(pipeline) => FunctionService::Ready(Box::new(pipeline)),
            Err(error) => {
                tracing::error!(provider = P::NAME, error = %error, "refusing to serve: bad configuration");
                FunctionService::Misconfigured(error)
            }
        }
    }

    pub async fn handle(&self, request: &WebhookRequest) -> Answer {
        match self {
            FunctionService::Ready(pipeline) => pipeline.handle(request).await,
            FunctionService::Misconfigured(error) => {
                tracing::error!(provider = P::NAME, error = %error, "refusing to serve: bad configuration");
                Answer::from_error(&WebhookError::Misconfigured)
            }
        }
    }
}

/// Each AWS call attempt may take this long (DynamoDB and SQS answer in milliseconds).
pub const AWS_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(2);
/// Each AWS call, retries included, may take this long. A delivery makes at most three
/// sequential calls per event (claim, send, complete), so it answers 503 well within the
/// function timeout instead of being cut off while holding claims.
pub const AWS_OPERATION_TIMEOUT: Duration = Duration::from_secs(3);

/// Loads the AWS config (honouring `AWS_ENDPOINT_URL` and the usual variables), with
/// timeouts and retries bounded to fit inside a webhook request.
pub async fn aws_config() -> aws_config::SdkConfig {
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(AWS_ATTEMPT_TIMEOUT)
        .operation_attempt_timeout(AWS_ATTEMPT_TIMEOUT)
        .operation_timeout(AWS_OPERATION_TIMEOUT)
        .build();
    let retries = aws_config::retry::RetryConfig::standard()
        .with_max_attempts(3)
        .with_max_backoff(Duration::from_secs(1));
    aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(timeouts)
        .retry_config(retries)
        .load()
        .await
}

/// The whole Lambda main for provider `P`.
pub async fn run<P: Provider>() -> Result<(), lambda_http::Error> {
    crate::logging::init();
    let aws = aws_config().await;
    let service = FunctionService::<P>::build(ConfigSource::from_process_env(), &aws).await;
    let service = &service;
    lambda_http::run(lambda_http::service_fn(move |request| async move {
        let request = lambda_adapter::webhook_request(request);
        Ok::<_, std::convert::Infallible>(lambda_adapter::response(service.handle(&request).await))
    }))
    .await
}

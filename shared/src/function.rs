//! Running a provider as a Lambda function: configuration once at cold start, AWS
//! clients built once, then one pipeline call per invocation.

use std::sync::Once;

use serde_json::Value;

use crate::answer::Answer;
use crate::aws_client;
use crate::config::{AwsSettings, ConfigError, ConfigSource, PipelineSettings};
use crate::deadline::{self, Deadline};
use crate::error::WebhookError;
use crate::idempotency::DynamoDbStore;
use crate::lambda_adapter::{self, HttpResponse};
use crate::metrics;
use crate::origin::Origin;
use crate::pipeline::Pipeline;
use crate::provider::Provider;
use crate::queue::SqsQueue;
use crate::request::WebhookRequest;
use crate::tally::Tally;

/// A function that either serves or, misconfigured, refuses every request with 500.
pub enum FunctionService<P: Provider> {
    Ready(Box<Pipeline<P, DynamoDbStore, SqsQueue>>),
    Misconfigured(ConfigError),
}

impl<P: Provider> FunctionService<P> {
    /// Builds the pipeline from configuration and an AWS config made with the AWS
    /// settings `config` holds (tests; a function reads them once, in [`run`]).
    pub async fn build(config: ConfigSource, aws: &aws_config::SdkConfig) -> Self {
        let aws_settings = AwsSettings::from_config(&config, P::DEFAULT_AWS_RETRY_SECONDS);
        Self::build_with(config, aws_settings, aws).await
    }

    /// Builds the pipeline from configuration, the AWS settings read before the AWS config
    /// was made (an invalid one makes the function refuse to serve), and that AWS config.
    /// Secrets Manager values are overlaid first when `BROKERHOOKS_SECRET_ID` is set.
    pub async fn build_with(
        mut config: ConfigSource,
        aws_settings: Result<AwsSettings, ConfigError>,
        aws: &aws_config::SdkConfig,
    ) -> Self {
        let built = async {
            let aws_settings = aws_settings?;
            config.load_secrets_manager(aws).await?;
            let settings =
                PipelineSettings::from_config(&config, aws_settings, P::DEFAULT_MAX_EVENT_AGE)?;
            let provider = P::from_config(&config)?;
            let store =
                DynamoDbStore::new(aws_client::dynamodb_client(aws), &settings.events_table);
            let queue = SqsQueue::new(
                aws_client::sqs_client(aws),
                &settings.events_queue_url,
                settings.queue_is_fifo(),
            );
            if settings.warm_connections {
                // Bounded: an AWS outage at cold start must not hold init for the whole budget.
                let warm_up = async { tokio::join!(store.warm_up(P::NAME), queue.warm_up()) };
                let _ = tokio::time::timeout(aws_client::WARM_UP_LIMIT, warm_up).await;
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

    /// One Lambda invocation: the raw event and Lambda's deadline (epoch milliseconds) in,
    /// the HTTP response out. No event panics it; one that is not an HTTP event answers 400.
    pub async fn invoke(&self, event: Value, deadline_epoch_millis: u64) -> HttpResponse {
        let deadline = lambda_deadline(deadline_epoch_millis);
        let answer = match lambda_adapter::webhook_request(event, deadline) {
            Ok(request) => {
                if let (Some(deadline), FunctionService::Ready(pipeline)) = (deadline, self) {
                    check_timing_once(P::NAME, deadline, pipeline.settings());
                }
                self.handle(&request).await
            }
            Err(error) => {
                tracing::warn!(provider = P::NAME, status = error.status(), reason = %error, "event refused before the pipeline");
                metrics::emit_delivery(&Origin::provider(P::NAME), &Tally::default(), true, 0.0);
                Answer::from_error(&error)
            }
        };
        lambda_adapter::response(answer)
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

/// Lambda's deadline, unless it is missing (0) or already past: then the pipeline's
/// default applies rather than no time at all.
fn lambda_deadline(epoch_millis: u64) -> Option<Deadline> {
    Some(Deadline::from_epoch_millis(epoch_millis)).filter(|d| !d.remaining().is_zero())
}

/// The function timeout is only known from the first invocation's deadline: check it
/// against the lease and the AWS budget once per process, and log what is wrong.
fn check_timing_once(provider: &str, deadline: Deadline, settings: &PipelineSettings) {
    static CHECKED: Once = Once::new();
    CHECKED.call_once(|| {
        for problem in deadline::timing_problems(
            deadline.remaining(),
            settings.claim_lease,
            settings.aws_retry,
        ) {
            tracing::error!(provider, problem, "function timeout misconfigured");
        }
    });
}

/// The whole Lambda main for provider `P`.
pub async fn run<P: Provider>() -> Result<(), lambda_runtime::Error> {
    brokerhooks_logging::init();
    let config = ConfigSource::from_process_env();
    let aws_settings = AwsSettings::from_config(&config, P::DEFAULT_AWS_RETRY_SECONDS);
    // Invalid AWS settings make the service refuse to serve; the clients it never uses
    // are built with the defaults.
    let client_settings = aws_settings.clone().unwrap_or_default();
    let aws = aws_client::aws_config(client_settings.tls_system_roots, client_settings.retry).await;
    let service = FunctionService::<P>::build_with(config, aws_settings, &aws).await;
    let service = &service;
    lambda_runtime::run(lambda_runtime::service_fn(
        move |event: lambda_runtime::LambdaEvent<Value>| async move {
            let response = service.invoke(event.payload, event.context.deadline).await;
            Ok::<_, std::convert::Infallible>(response)
        },
    ))
    .await
}

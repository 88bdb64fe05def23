//! Running a provider as a Lambda function: configuration once at cold start, AWS
//! clients built once, then per invocation the one straight path: the event read once
//! into a request and a deadline, the pipeline called once, its outcome answered once.

use std::time::Duration;

use serde_json::value::RawValue;

use super::answer::{Answer, respond};
use super::lambda_event::{self, HttpResponse};
use super::timing::check_timing_once;
use crate::aws::client::{WARM_UP_LIMIT, aws_config, dynamodb_client, sqs_client};
use crate::aws::secrets_manager::overlay_function_secret;
use crate::aws::{DynamoDbStore, SqsQueue};
use crate::config::{AwsSettings, ConfigError, ConfigSource, PipelineSettings};
use crate::pipeline::Pipeline;
use crate::pipeline::deadline::Deadline;
use crate::pipeline::error::WebhookError;
use crate::pipeline::origin::Origin;
use crate::pipeline::outcome::Outcome;
use crate::pipeline::ports::provider::Provider;
use crate::pipeline::request::WebhookRequest;
use crate::pipeline::tally::Tally;

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
            overlay_function_secret(&mut config, aws).await?;
            let settings =
                PipelineSettings::from_config(&config, aws_settings, P::DEFAULT_MAX_EVENT_AGE)?;
            let provider = P::from_config(&config)?;
            let store = DynamoDbStore::new(dynamodb_client(aws), &settings.events_table);
            let queue = SqsQueue::new(
                sqs_client(aws),
                &settings.events_queue_url,
                settings.queue_is_fifo(),
            );
            if settings.warm_connections {
                // Bounded: an AWS outage at cold start must not hold init for the whole budget.
                let warm_up = async { tokio::join!(store.warm_up(P::NAME), queue.warm_up()) };
                let _ = tokio::time::timeout(WARM_UP_LIMIT, warm_up).await;
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
    pub async fn invoke(&self, event: &str, deadline_epoch_millis: u64) -> HttpResponse {
        let lambda = lambda_deadline(deadline_epoch_millis);
        if let (Some(deadline), FunctionService::Ready(pipeline)) = (lambda, self) {
            check_timing_once(P::NAME, deadline, pipeline.settings());
        }
        let deadline = lambda.unwrap_or_else(Deadline::without_lambda);
        let outcome = match lambda_event::webhook_request(event) {
            Ok(request) => self.process(&request, deadline).await,
            Err(error) => refused_before_the_pipeline(P::NAME, error),
        };
        lambda_event::response(respond(&outcome))
    }

    /// One delivery without a Lambda deadline (tests): answered as [`Self::invoke`] does.
    pub async fn handle(&self, request: &WebhookRequest) -> Answer {
        respond(&self.process(request, Deadline::without_lambda()).await)
    }

    async fn process(&self, request: &WebhookRequest, deadline: Deadline) -> Outcome {
        match self {
            FunctionService::Ready(pipeline) => pipeline.process(request, deadline).await,
            FunctionService::Misconfigured(error) => {
                tracing::error!(provider = P::NAME, error = %error, "refusing to serve: bad configuration");
                refused_before_the_pipeline(P::NAME, WebhookError::Misconfigured)
            }
        }
    }
}

/// The outcome of an invocation the pipeline never saw.
fn refused_before_the_pipeline(provider: &'static str, error: WebhookError) -> Outcome {
    Outcome {
        origin: Origin::provider(provider),
        result: Err((error, Tally::default())),
        latency: Duration::ZERO,
        audit: Default::default(),
    }
}

/// Lambda's deadline, unless it is missing (0) or already past: then the pipeline's
/// default applies rather than no time at all.
fn lambda_deadline(epoch_millis: u64) -> Option<Deadline> {
    Some(Deadline::from_epoch_millis(epoch_millis)).filter(|d| !d.remaining().is_zero())
}

/// The whole Lambda main for provider `P`.
pub async fn run<P: Provider>() -> Result<(), lambda_runtime::Error> {
    brokerhooks_logging::init();
    let config = ConfigSource::from_process_env();
    let aws_settings = AwsSettings::from_config(&config, P::DEFAULT_AWS_RETRY_SECONDS);
    // Invalid AWS settings make the service refuse to serve; the clients it never uses
    // are built with the defaults.
    let client_settings = aws_settings.clone().unwrap_or_default();
    let aws = aws_config(client_settings.tls_system_roots, client_settings.retry).await;
    let service = FunctionService::<P>::build_with(config, aws_settings, &aws).await;
    let service = &service;
    lambda_runtime::run(lambda_runtime::service_fn(
        // The event as raw JSON text: only the parts a delivery is made of are read.
        move |event: lambda_runtime::LambdaEvent<Box<RawValue>>| async move {
            let response = service
                .invoke(event.payload.get(), event.context.deadline)
                .await;
            Ok::<_, std::convert::Infallible>(response)
        },
    ))
    .await
}

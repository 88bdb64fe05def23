//! Running a provider as a Lambda function: configuration once at cold start, AWS
//! clients built once, then one pipeline call per request.

use crate::aws_client;
use crate::config::{ConfigError, ConfigSource, PipelineSettings, TLS_SYSTEM_ROOTS_VARIABLE};
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

/// The whole Lambda main for provider `P`.
pub async fn run<P: Provider>() -> Result<(), lambda_http::Error> {
    crate::logging::init();
    let config = ConfigSource::from_process_env();
    // An invalid value is reported by FunctionService::build, which parses it again.
    let system_roots = config
        .bool_or(TLS_SYSTEM_ROOTS_VARIABLE, false)
        .unwrap_or(false);
    let aws = aws_client::aws_config(system_roots).await;
    let service = FunctionService::<P>::build(config, &aws).await;
    let service = &service;
    lambda_http::run(lambda_http::service_fn(move |request| async move {
        let request = lambda_adapter::webhook_request(request);
        Ok::<_, std::convert::Infallible>(lambda_adapter::response(service.handle(&request).await))
    }))
    .await
}

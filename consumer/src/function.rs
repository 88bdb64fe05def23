//! Running a handler as the Lambda function behind an SQS event source mapping with
//! `ReportBatchItemFailures`: settings and AWS clients once at cold start, then one
//! [`BatchProcessor::process`] per invocation.

use std::fmt;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{LambdaEvent, service_fn};
use time::OffsetDateTime;

use crate::batch::BatchProcessor;
use crate::handler::EventHandler;
use crate::idempotency::ClaimStore;
#[cfg(feature = "idempotency")]
use crate::idempotency::{DynamoDbClaims, Idempotency};
use crate::metrics;
use crate::settings::ConsumerSettings;

/// What `lambda_runtime` reads from the environment at start (it panics without them);
/// Lambda, `cargo lambda watch` and `cargo lambda invoke` set them.
pub const LAMBDA_VARIABLES: [&str; 4] = [
    "AWS_LAMBDA_RUNTIME_API",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
];

/// `run` was started outside Lambda (`cargo run`, a test): it stops with this error
/// instead of letting `lambda_runtime` panic.
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "not running in Lambda ({variable} {problem}): serve the consumer with `cargo lambda watch` \
     (as `make dev` does) or call `BatchProcessor::process` yourself"
)]
pub struct OutsideLambda {
    pub variable: &'static str,
    pub problem: &'static str,
}

/// The message itself: `main` returning this error prints its `Debug`.
impl fmt::Debug for OutsideLambda {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Whether `lookup` holds what `lambda_runtime` needs to start (see [`LAMBDA_VARIABLES`]).
pub fn check_lambda_environment(
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<(), OutsideLambda> {
    for variable in LAMBDA_VARIABLES {
        let Some(value) = lookup(variable).filter(|value| !value.is_empty()) else {
            return Err(OutsideLambda {
                variable,
                problem: "is not set",
            });
        };
        if variable == "AWS_LAMBDA_FUNCTION_MEMORY_SIZE" && value.parse::<i32>().is_err() {
            return Err(OutsideLambda {
                variable,
                problem: "is not a whole number",
            });
        }
    }
    Ok(())
}

/// The whole Lambda main for `handler`: JSON logs, idempotency when `CONSUMER_TABLE` is
/// set (see [`crate::settings`]; needs the `idempotency` feature), one log line per record
/// and one metrics line per batch. Bad settings stop the function at start (logged, naming
/// the variable): its batches then fail and SQS keeps the messages. Outside Lambda it
/// returns [`OutsideLambda`] at once.
pub async fn run<H: EventHandler>(handler: H) -> Result<(), lambda_runtime::Error> {
    brokerhooks_logging::init();
    check_lambda_environment(|name| std::env::var(name).ok()).inspect_err(|error| {
        tracing::error!(error = %error, "refusing to start: not in Lambda");
    })?;
    let settings = ConsumerSettings::from_env().inspect_err(|error| {
        tracing::error!(error = %error, "refusing to start: bad configuration");
    })?;
    let processor = BatchProcessor::new(handler);
    match settings.table.as_deref() {
        #[cfg(feature = "idempotency")]
        Some(table) => {
            let idempotency = dynamodb_idempotency(table, &settings).await;
            // Boxed: both arms' futures inline in `main`'s would nest too deep for rustc.
            Box::pin(serve(processor.with_idempotency(idempotency))).await
        }
        // Without the feature, settings naming a table were refused above.
        _ => Box::pin(serve(processor)).await,
    }
}

async fn serve<H: EventHandler, S: ClaimStore>(
    processor: BatchProcessor<H, S>,
) -> Result<(), lambda_runtime::Error> {
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

#[cfg(feature = "idempotency")]
async fn dynamodb_idempotency(
    table: &str,
    settings: &ConsumerSettings,
) -> Idempotency<DynamoDbClaims> {
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let store = DynamoDbClaims::new(aws_sdk_dynamodb::Client::new(&aws), table);
    Idempotency::new(store)
        .key_prefix(&settings.key_prefix)
        .ttl_seconds(settings.ttl_seconds)
}

/// The invocation's deadline (epoch milliseconds in the context; 0 when unknown).
fn deadline(context: &lambda_runtime::Context) -> Option<OffsetDateTime> {
    let millis = i128::from(context.deadline);
    (millis > 0)
        .then(|| OffsetDateTime::from_unix_timestamp_nanos(millis * 1_000_000).ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn check(pairs: &[(&str, &str)]) -> Result<(), OutsideLambda> {
        let map: HashMap<&str, &str> = pairs.iter().copied().collect();
        check_lambda_environment(|name| map.get(name).map(|value| (*value).to_owned()))
    }

    const LAMBDA: [(&str, &str); 4] = [
        ("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"),
        ("AWS_LAMBDA_FUNCTION_NAME", "example-consumer"),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256"),
    ];

    #[test]
    fn lambdas_variables_let_it_start() {
        assert_eq!(check(&LAMBDA), Ok(()));
    }

    #[test]
    fn outside_lambda_the_first_missing_variable_is_named() {
        assert_eq!(
            check(&[]).map_err(|e| e.to_string()),
            Err(
                "not running in Lambda (AWS_LAMBDA_RUNTIME_API is not set): serve the consumer \
                 with `cargo lambda watch` (as `make dev` does) or call \
                 `BatchProcessor::process` yourself"
                    .to_owned()
            )
        );
        for missing in LAMBDA_VARIABLES {
            let rest: Vec<_> = LAMBDA.into_iter().filter(|(n, _)| *n != missing).collect();
            assert_eq!(
                check(&rest),
                Err(OutsideLambda {
                    variable: missing,
                    problem: "is not set"
                })
            );
        }
        let mut bad_memory = LAMBDA;
        bad_memory[3].1 = "256MB";
        assert_eq!(
            check(&bad_memory),
            Err(OutsideLambda {
                variable: "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                problem: "is not a whole number"
            })
        );
    }

    #[test]
    fn the_error_debugs_as_its_message() {
        let error = OutsideLambda {
            variable: "AWS_LAMBDA_FUNCTION_NAME",
            problem: "is not set",
        };
        assert_eq!(format!("{error:?}"), error.to_string());
    }
}

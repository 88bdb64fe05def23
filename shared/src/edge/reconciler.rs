//! Running a reconciler as a scheduled Lambda function: configuration, clients and the
//! provider's API client once at cold start; per invocation (the schedule's event, whose
//! content is not read) one run, its one log line and its metrics line, and its report
//! as the answer.

use std::time::Duration;

use brokerhooks_logging::emf::{EmfLine, Unit};
use serde::Serialize;
use serde_json::Value;

use crate::aws::client::{aws_config, dynamodb_client, sqs_client};
use crate::aws::{DynamoDbSessions, DynamoDbStore, SqsQueue};
use crate::config::{AwsSettings, ConfigError, ConfigSource, PipelineSettings};
use crate::pipeline::deadline::Deadline;
use crate::reconciliation::record::RecordFromConfig;
use crate::reconciliation::report::{RunOutcome, RunReport};
use crate::reconciliation::{ReconcileSettings, Reconciler};

/// The sessions table (README, "Missed postbacks: reconciliation").
pub const SESSIONS_TABLE_VARIABLE: &str = "RECONCILE_SESSIONS_TABLE";

/// Every variable a reconciler function reads besides its record's
/// ([`RecordFromConfig::VARIABLES`]); the template sets each.
pub const RECONCILER_VARIABLES: &[&str] = &[
    "EVENTS_TABLE",
    "EVENTS_QUEUE_URL",
    SESSIONS_TABLE_VARIABLE,
    "DEDUPE_TTL_SECONDS",
    "CLAIM_LEASE_SECONDS",
    "RECONCILE_GRACE_SECONDS",
    "RECONCILE_SESSIONS_AT_ONCE",
    "AWS_RETRY_SECONDS",
    "TLS_SYSTEM_ROOTS",
    "RUST_LOG",
];

/// The metrics of a run's line (namespace `brokerhooks`, dimension `provider`): what the
/// template's alarms and dashboard may watch.
pub const RUN_METRICS: [&str; 7] = [
    "reconciled",
    "session_rejected",
    "session_unreachable",
    "reconcile_failed",
    "orders_read",
    "requests",
    "run_duration",
];

type AwsReconciler<R> = Reconciler<R, DynamoDbStore, DynamoDbSessions, SqsQueue>;

/// A reconciler that serves, or refuses every run (bad configuration, logged).
pub enum ReconcilerService<R> {
    Ready(Box<AwsReconciler<R>>),
    Misconfigured(ConfigError),
}

impl<R: RecordFromConfig> ReconcilerService<R> {
    /// Builds the reconciler from configuration and an AWS config.
    pub fn build(config: &ConfigSource, aws: &aws_config::SdkConfig) -> Self {
        let built = (|| {
            let record = R::from_config(config)?;
            // The same table, queue and retention as the provider's receiver.
            let retry = AwsSettings::from_config(config, crate::config::DEFAULT_AWS_RETRY_SECONDS)?;
            let pipeline = PipelineSettings::from_config(config, retry, Duration::ZERO)?;
            let settings = ReconcileSettings::from_config(config)?;
            let sessions_table = config.required(SESSIONS_TABLE_VARIABLE)?;
            let dynamodb = dynamodb_client(aws);
            Ok::<_, ConfigError>(Reconciler::new(
                record,
                DynamoDbStore::new(dynamodb.clone(), &pipeline.events_table),
                DynamoDbSessions::new(dynamodb, sessions_table),
                SqsQueue::new(
                    sqs_client(aws),
                    &pipeline.events_queue_url,
                    pipeline.queue_is_fifo(),
                ),
                settings,
            ))
        })();
        match built {
            Ok(reconciler) => ReconcilerService::Ready(Box::new(reconciler)),
            Err(error) => {
                tracing::error!(error = %error, "reconciler refusing to run: bad configuration");
                ReconcilerService::Misconfigured(error)
            }
        }
    }

    /// One run, ending by `deadline`: its report (also logged and counted).
    pub async fn invoke(&self, deadline: Deadline) -> Result<RunReport, String> {
        match self {
            ReconcilerService::Ready(reconciler) => {
                let outcome = reconciler.run(deadline).await;
                respond(reconciler.record().provider(), &outcome);
                Ok(outcome.report)
            }
            ReconcilerService::Misconfigured(error) => {
                tracing::error!(error = %error, "reconciler refusing to run: bad configuration");
                Err(error.to_string())
            }
        }
    }
}

/// The run's one log line and metrics line: the EMF record is the log line.
pub fn respond(provider: &str, outcome: &RunOutcome) {
    run_line(provider, outcome).emit();
}

fn run_line(provider: &str, outcome: &RunOutcome) -> EmfLine {
    let report = &outcome.report;
    EmfLine::new(crate::edge::metrics::NAMESPACE, r#"[["provider"]]"#)
        .text("message", "reconciler run")
        .text("provider", provider)
        .count("reconciled", report.reconciled)
        .count("session_rejected", report.sessions_rejected)
        .count("session_unreachable", report.sessions_unreachable)
        .count("reconcile_failed", report.failed + report.deferred)
        .count("orders_read", report.orders_read)
        .metric("requests", Unit::Count, report.requests as f64)
        .metric(
            "run_duration",
            Unit::Milliseconds,
            outcome.duration.as_secs_f64() * 1000.0,
        )
        .integer("sessions", report.sessions as u64)
        .integer("orders_checked", report.orders_checked as u64)
        .integer("already_delivered", report.already_delivered as u64)
        .integer("in_flight", report.in_flight as u64)
        .integer("failed", report.failed as u64)
        .integer("deferred", report.deferred as u64)
}

/// The invocation's answer.
#[derive(Serialize)]
struct Summary {
    sessions: usize,
    sessions_rejected: usize,
    sessions_unreachable: usize,
    orders_read: usize,
    orders_checked: usize,
    reconciled: usize,
    already_delivered: usize,
    in_flight: usize,
    failed: usize,
    deferred: usize,
    requests: u64,
}

impl From<RunReport> for Summary {
    fn from(r: RunReport) -> Self {
        Summary {
            sessions: r.sessions,
            sessions_rejected: r.sessions_rejected,
            sessions_unreachable: r.sessions_unreachable,
            orders_read: r.orders_read,
            orders_checked: r.orders_checked,
            reconciled: r.reconciled,
            already_delivered: r.already_delivered,
            in_flight: r.in_flight,
            failed: r.failed,
            deferred: r.deferred,
            requests: r.requests,
        }
    }
}

/// How long a run started outside Lambda may take (Lambda's longest timeout).
pub const RUN_OUTSIDE_LAMBDA: Duration = Duration::from_secs(900);

/// The whole Lambda main of the reconciler over record `R`; outside Lambda, one run.
pub async fn run<R: RecordFromConfig>() -> Result<(), lambda_runtime::Error> {
    brokerhooks_logging::init();
    let config = ConfigSource::from_process_env();
    let client_settings =
        AwsSettings::from_config(&config, crate::config::DEFAULT_AWS_RETRY_SECONDS)
            .unwrap_or_default();
    let aws = aws_config(client_settings.tls_system_roots, client_settings.retry).await;
    let service = ReconcilerService::<R>::build(&config, &aws);
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_none() {
        // Outside Lambda (`make reconcile`, or an operator's catch-up run with the stack's
        // variables): one run now, its summary on stdout.
        let report = service.invoke(Deadline::after(RUN_OUTSIDE_LAMBDA)).await?;
        println!("{}", serde_json::to_string(&Summary::from(report))?);
        return Ok(());
    }
    let service = &service;
    lambda_runtime::run(lambda_runtime::service_fn(
        move |event: lambda_runtime::LambdaEvent<Value>| async move {
            let deadline = Some(Deadline::from_epoch_millis(event.context.deadline))
                .filter(|d| !d.remaining().is_zero())
                .unwrap_or_else(Deadline::without_lambda);
            service
                .invoke(deadline)
                .await
                .map(Summary::from)
                .map_err(lambda_runtime::Error::from)
        },
    ))
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_runs_line_declares_its_metrics_under_the_provider_and_counts_everything() {
        let outcome = RunOutcome {
            report: RunReport {
                sessions: 3,
                sessions_rejected: 1,
                sessions_unreachable: 0,
                orders_read: 40,
                orders_checked: 6,
                reconciled: 2,
                already_delivered: 4,
                in_flight: 0,
                failed: 1,
                deferred: 1,
                requests: 9,
            },
            duration: Duration::from_millis(1500),
        };
        let line: Value =
            serde_json::from_str(&run_line("kite", &outcome).finish(1_700_000_000_000)).unwrap();
        let metrics = &line["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(metrics["Namespace"], "brokerhooks");
        assert_eq!(metrics["Dimensions"], serde_json::json!([["provider"]]));
        let declared: Vec<&str> = metrics["Metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["Name"].as_str().unwrap())
            .collect();
        assert_eq!(declared, RUN_METRICS);
        assert_eq!(line["provider"], "kite");
        assert_eq!(line["message"], "reconciler run");
        assert_eq!(
            (
                &line["reconciled"],
                &line["session_rejected"],
                &line["reconcile_failed"]
            ),
            (
                &serde_json::json!(2),
                &serde_json::json!(1),
                &serde_json::json!(2)
            )
        );
        assert_eq!(
            (&line["sessions"], &line["already_delivered"]),
            (&serde_json::json!(3), &serde_json::json!(4))
        );
        assert_eq!(line["run_duration"], 1500);
    }
}

//! Batch processing for the SQS event source with `ReportBatchItemFailures`: every
//! record runs through the handler in order, and the response names the records that
//! failed, so SQS redelivers only those.
//!
//! - A record whose body is not a brokerhooks [`Envelope`] fails (after
//!   `maxReceiveCount` receives it is in the dead-letter queue). Keys the envelope does
//!   not know are ignored: a newer receiver may add one.
//! - FIFO queues: after the first failure in a message group, every later record of that
//!   group in the batch fails without being processed, so the group's order holds when
//!   SQS redelivers; other groups go on.
//! - Standard queues: records are independent.
//! - With [`Idempotency`], an event (`provider`, `id`) already processed is a duplicate:
//!   handled, the handler does not run again.

use std::collections::HashSet;

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use brokerhooks_models::{Envelope, ORIGIN_ATTRIBUTE};
use time::OffsetDateTime;

use crate::handler::{EventHandler, Handled};
use crate::idempotency::{ClaimOutcome, ClaimStore, Idempotency, NoIdempotency};
use crate::record::Record;

/// The SQS system attribute that carries a FIFO record's message group.
pub const MESSAGE_GROUP_ATTRIBUTE: &str = "MessageGroupId";

/// Fixed reasons a record fails without its handler's error.
pub const NOT_AN_ENVELOPE: &str = "body is not a brokerhooks envelope";
pub const EARLIER_RECORD_OF_GROUP_FAILED: &str =
    "an earlier record of its message group failed in this batch";
pub const IN_PROGRESS_ELSEWHERE: &str = "another invocation is processing this event";

/// What happened to one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordOutcome {
    /// The handler succeeded: the record is deleted.
    Handled,
    /// Processed before (idempotency on): the record is deleted, the handler did not run.
    Duplicate,
    /// Reported in `batchItemFailures`: SQS delivers it again.
    Failed,
}

impl RecordOutcome {
    pub const fn as_str(self) -> &'static str {
        match self {
            RecordOutcome::Handled => "handled",
            RecordOutcome::Duplicate => "duplicate",
            RecordOutcome::Failed => "failed",
        }
    }
}

/// One record's result, as logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordReport {
    pub message_id: String,
    /// `provider`, `type` and `id` of the envelope; `None` when the body is not one.
    pub provider: Option<String>,
    pub event_type: Option<String>,
    pub event_id: Option<String>,
    /// The message's `origin` attribute (`webhook`, `postback`, `reconciliation`).
    pub origin: Option<String>,
    pub outcome: RecordOutcome,
    /// Handled, but the handler asked for a look ([`Handled::FollowUp`]).
    pub follow_up: bool,
    /// Why it failed: a fixed text, or the handler's error.
    pub reason: Option<String>,
}

impl RecordReport {
    fn new(message: &SqsMessage, envelope: Option<&Envelope>) -> Self {
        RecordReport {
            message_id: message_id(message).to_owned(),
            provider: envelope.map(|e| e.provider.clone()),
            event_type: envelope.map(|e| e.event_type.clone()),
            event_id: envelope.map(|e| e.id.clone()),
            origin: message
                .message_attributes
                .get(ORIGIN_ATTRIBUTE)
                .and_then(|attribute| attribute.string_value.clone()),
            outcome: RecordOutcome::Handled,
            follow_up: false,
            reason: None,
        }
    }

    fn failed(mut self, reason: impl Into<String>) -> Self {
        self.outcome = RecordOutcome::Failed;
        self.reason = Some(reason.into());
        self
    }

    fn with_outcome(mut self, outcome: RecordOutcome) -> Self {
        self.outcome = outcome;
        self
    }

    fn handled(mut self, handled: Handled) -> Self {
        self.outcome = RecordOutcome::Handled;
        self.follow_up = handled == Handled::FollowUp;
        self
    }

    /// One JSON log line: provider, type, event id, outcome; never payload values.
    fn log(&self) {
        let message_id = self.message_id.as_str();
        let outcome = self.outcome.as_str();
        let reason = self.reason.as_deref().unwrap_or_default();
        let origin = self.origin.as_deref();
        match (&self.provider, &self.event_type, &self.event_id) {
            (Some(provider), Some(event_type), Some(event_id)) => match self.outcome {
                RecordOutcome::Failed => tracing::warn!(
                    provider,
                    r#type = event_type,
                    event_id,
                    origin,
                    outcome,
                    message_id,
                    reason,
                    "record"
                ),
                _ if self.follow_up => tracing::info!(
                    provider,
                    r#type = event_type,
                    event_id,
                    origin,
                    outcome,
                    message_id,
                    follow_up = true,
                    "record"
                ),
                _ => tracing::info!(
                    provider,
                    r#type = event_type,
                    event_id,
                    origin,
                    outcome,
                    message_id,
                    "record"
                ),
            },
            _ => tracing::warn!(outcome, message_id, reason, "record"),
        }
    }
}

/// Every record's result, in batch order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchReport {
    pub records: Vec<RecordReport>,
}

impl BatchReport {
    /// The Lambda response: the failed records' message ids, in batch order. A failed
    /// record without a message id (never sent by SQS) is reported with an empty id,
    /// which makes Lambda treat the whole batch as failed: nothing is lost.
    pub fn response(&self) -> SqsBatchResponse {
        let mut response = SqsBatchResponse::default();
        response.batch_item_failures = self
            .failed_message_ids()
            .into_iter()
            .map(|id| {
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = id.to_owned();
                failure
            })
            .collect();
        response
    }

    pub fn failed_message_ids(&self) -> Vec<&str> {
        self.records
            .iter()
            .filter(|r| r.outcome == RecordOutcome::Failed)
            .map(|r| r.message_id.as_str())
            .collect()
    }

    pub fn count(&self, outcome: RecordOutcome) -> usize {
        self.records.iter().filter(|r| r.outcome == outcome).count()
    }

    /// Handled records the handler asked to look at (unknown types, `UNPARSED`, …).
    pub fn follow_ups(&self) -> usize {
        self.records.iter().filter(|r| r.follow_up).count()
    }
}

/// The message group a record's order is kept in, or `None` on a standard queue.
///
/// The event source ARN decides when present (standard queues may carry a
/// MessageGroupId too, for fair queueing, without any order); without it, the
/// MessageGroupId attribute does. A FIFO record without one (never sent by SQS) is
/// ordered with every other such record.
fn message_group(record: &SqsMessage) -> Option<&str> {
    let group = record.attributes.get(MESSAGE_GROUP_ATTRIBUTE);
    let fifo = match record.event_source_arn.as_deref() {
        Some(arn) => arn.ends_with(".fifo"),
        None => group.is_some(),
    };
    fifo.then(|| group.map(String::as_str).unwrap_or_default())
}

/// Runs a handler over SQS batches; see the module documentation.
pub struct BatchProcessor<H, S = NoIdempotency> {
    handler: H,
    idempotency: Option<Idempotency<S>>,
}

impl<H: EventHandler> BatchProcessor<H> {
    /// Without idempotency: every delivery of an event runs the handler.
    pub fn new(handler: H) -> Self {
        BatchProcessor {
            handler,
            idempotency: None,
        }
    }
}

impl<H: EventHandler, S: ClaimStore> BatchProcessor<H, S> {
    /// With idempotency on the envelope `id`.
    pub fn with_idempotency<T: ClaimStore>(
        self,
        idempotency: Idempotency<T>,
    ) -> BatchProcessor<H, T> {
        BatchProcessor {
            handler: self.handler,
            idempotency: Some(idempotency),
        }
    }

    pub fn idempotency(&self) -> Option<&Idempotency<S>> {
        self.idempotency.as_ref()
    }

    /// Processes the batch in order, logging one line per record. `deadline` is the
    /// invocation's (it bounds idempotency claims); `None` outside Lambda.
    pub async fn process(&self, event: &SqsEvent, deadline: Option<OffsetDateTime>) -> BatchReport {
        let mut failed_groups: HashSet<&str> = HashSet::new();
        let mut report = BatchReport::default();
        for record in &event.records {
            let group = message_group(record);
            let record_report = if group.is_some_and(|g| failed_groups.contains(g)) {
                let envelope = parse_envelope(record);
                RecordReport::new(record, envelope.as_ref()).failed(EARLIER_RECORD_OF_GROUP_FAILED)
            } else {
                self.process_record(record, deadline).await
            };
            if record_report.outcome == RecordOutcome::Failed
                && let Some(group) = group
            {
                failed_groups.insert(group);
            }
            record_report.log();
            report.records.push(record_report);
        }
        report
    }

    async fn process_record(
        &self,
        record: &SqsMessage,
        deadline: Option<OffsetDateTime>,
    ) -> RecordReport {
        let Some(envelope) = parse_envelope(record) else {
            return RecordReport::new(record, None).failed(NOT_AN_ENVELOPE);
        };
        let report = RecordReport::new(record, Some(&envelope));
        let record = Record::new(envelope, record);
        let envelope = &record.envelope;
        let Some(idempotency) = &self.idempotency else {
            return match self.handler.handle(&record).await {
                Ok(handled) => report.handled(handled),
                Err(error) => report.failed(error.to_string()),
            };
        };
        let claim = match idempotency.claim(envelope, deadline).await {
            Ok((claim, ClaimOutcome::Claimed)) => claim,
            Ok((_, ClaimOutcome::AlreadyCompleted)) => {
                return report.with_outcome(RecordOutcome::Duplicate);
            }
            Ok((_, ClaimOutcome::InProgress)) => return report.failed(IN_PROGRESS_ELSEWHERE),
            Err(error) => return report.failed(error.to_string()),
        };
        match self.handler.handle(&record).await {
            Ok(handled) => {
                // The work is done: a lost completion only means a later redelivery,
                // after the lease, could run it again (at least once), so the record is
                // still handled rather than retried now.
                if let Err(error) = idempotency.complete(&claim).await {
                    tracing::warn!(provider = %envelope.provider, event_id = %envelope.id, error = %error, "completion not recorded");
                }
                report.handled(handled)
            }
            Err(error) => {
                if let Err(release) = idempotency.release(&claim).await {
                    // The claim blocks retries until its lease (the invocation's deadline) ends.
                    tracing::warn!(provider = %envelope.provider, event_id = %envelope.id, error = %release, "claim not released");
                }
                report.failed(error.to_string())
            }
        }
    }
}

fn message_id(record: &SqsMessage) -> &str {
    record.message_id.as_deref().unwrap_or_default()
}

fn parse_envelope(record: &SqsMessage) -> Option<Envelope> {
    serde_json::from_str(record.body.as_deref()?).ok()
}

#[cfg(test)]
mod tests;

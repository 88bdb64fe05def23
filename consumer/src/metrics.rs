//! CloudWatch embedded-metric-format counters: one line per batch on stdout, per
//! consumer (function name): `handled`, `duplicate`, `failed`, and `follow_up` (of
//! `handled`, the records the handler asked to look at: unknown types, `UNPARSED`).

use brokerhooks_logging::emf::EmfLine;

use crate::batch::{BatchReport, RecordOutcome};

/// Namespace of the consumer metrics (the receivers' is `brokerhooks`).
pub const NAMESPACE: &str = "brokerhooks/consumer";

/// `BROKERHOOKS_METRICS_OFF` (any value) silences the lines.
pub fn emit_batch(consumer: &str, report: &BatchReport) {
    batch_line(consumer, report).emit();
}

/// One batch's EMF line.
fn batch_line(consumer: &str, report: &BatchReport) -> EmfLine {
    EmfLine::new(NAMESPACE, r#"[["consumer"]]"#)
        .text("consumer", consumer)
        .count("handled", report.count(RecordOutcome::Handled))
        .count("duplicate", report.count(RecordOutcome::Duplicate))
        .count("failed", report.count(RecordOutcome::Failed))
        .count("follow_up", report.follow_ups())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::RecordReport;

    fn record(outcome: RecordOutcome, follow_up: bool) -> RecordReport {
        RecordReport {
            message_id: "m".to_owned(),
            provider: None,
            event_type: None,
            origin: None,
            event_id: None,
            outcome,
            follow_up,
            reason: None,
        }
    }

    #[test]
    fn one_line_with_every_count() {
        let report = BatchReport {
            records: vec![
                record(RecordOutcome::Handled, false),
                record(RecordOutcome::Handled, true),
                record(RecordOutcome::Duplicate, false),
                record(RecordOutcome::Failed, false),
                record(RecordOutcome::Failed, false),
            ],
        };
        let line = batch_line("example-consumer", &report).finish(1_700_000_000_000);
        assert!(line.ends_with("}\n") && !line[..line.len() - 1].contains('\n'));
        let value: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(value["consumer"], "example-consumer");
        assert_eq!(
            [
                &value["handled"],
                &value["duplicate"],
                &value["failed"],
                &value["follow_up"]
            ],
            [2, 1, 2, 1]
        );
        let metrics = &value["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(metrics["Namespace"], "brokerhooks/consumer");
        assert_eq!(metrics["Dimensions"], serde_json::json!([["consumer"]]));
        let names: Vec<&str> = metrics["Metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["Name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["handled", "duplicate", "failed", "follow_up"]);
        assert_eq!(value["_aws"]["Timestamp"], 1_700_000_000_000i64);
    }
}

//! CloudWatch embedded-metric-format counters: one line per batch on stdout, per
//! consumer (function name): `handled`, `duplicate`, `failed`, and `follow_up` (of
//! `handled`, the records the handler asked to look at: unknown types, `UNPARSED`).

use std::io::Write;

use crate::batch::{BatchReport, RecordOutcome};

/// Namespace of the consumer metrics (the receivers' is `brokerhooks`).
pub const NAMESPACE: &str = "brokerhooks/consumer";

/// `BROKERHOOKS_METRICS_OFF` (any value) silences the lines.
pub fn emit_batch(consumer: &str, report: &BatchReport) {
    if std::env::var_os("BROKERHOOKS_METRICS_OFF").is_some() {
        return;
    }
    let now_ms = (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64;
    let line = batch_line(consumer, report, now_ms);
    let _ = std::io::stdout().lock().write_all(line.as_bytes());
}

/// One EMF line, newline-terminated.
fn batch_line(consumer: &str, report: &BatchReport, timestamp_ms: i64) -> String {
    let record = serde_json::json!({
        "_aws": {
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [["consumer"]],
                "Metrics": [
                    {"Name": "handled", "Unit": "Count"},
                    {"Name": "duplicate", "Unit": "Count"},
                    {"Name": "failed", "Unit": "Count"},
                    {"Name": "follow_up", "Unit": "Count"},
                ],
            }],
        },
        "consumer": consumer,
        "handled": report.count(RecordOutcome::Handled),
        "duplicate": report.count(RecordOutcome::Duplicate),
        "failed": report.count(RecordOutcome::Failed),
        "follow_up": report.follow_ups(),
    });
    format!("{record}\n")
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
        let line = batch_line("example-consumer", &report, 1_700_000_000_000);
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

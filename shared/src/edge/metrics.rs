//! CloudWatch embedded-metric-format counters: one line per delivery on stdout.

use brokerhooks_logging::emf::{EmfLine, Unit};

use crate::pipeline::origin::Origin;
use crate::pipeline::tally::Tally;

/// Namespace of every brokerhooks metric.
pub const NAMESPACE: &str = "brokerhooks";

/// Emits counters per provider and outcome (accepted, duplicate, rejected, failed) and
/// the delivery latency. Lambda ships stdout to CloudWatch, which extracts the metrics.
/// A configured source's line is also counted under its `function` (`generic`): its
/// sources are named in configuration, so the template's alarms cannot name them.
pub fn emit_delivery(origin: &Origin, tally: &Tally, rejected: bool, latency_ms: f64) {
    delivery_line(origin, tally, rejected, latency_ms).emit();
}

/// One delivery's EMF line.
pub(crate) fn delivery_line(
    origin: &Origin,
    tally: &Tally,
    rejected: bool,
    latency_ms: f64,
) -> EmfLine {
    // A built-in provider's line is counted by provider; a source's adds the function.
    let line = if origin.is_source() {
        EmfLine::new(NAMESPACE, r#"[["provider"],["function"]]"#)
            .text("provider", origin.name())
            .text("function", origin.function())
    } else {
        EmfLine::new(NAMESPACE, r#"[["provider"]]"#).text("provider", origin.name())
    };
    line.count("accepted", tally.accepted)
        .count("duplicate", tally.duplicates)
        .count("rejected", usize::from(rejected))
        .count("failed", tally.failed)
        .count("in_progress", tally.in_progress)
        .count("unparsed", tally.unparsed)
        .metric("latency", Unit::Milliseconds, latency_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_shape() {
        let tally = Tally {
            accepted: 2,
            duplicates: 1,
            in_progress: 0,
            failed: 0,
            unparsed: 1,
        };
        let line = delivery_line(&Origin::provider("upvest"), &tally, false, 1.5)
            .finish(1_700_000_000_000);
        assert!(line.ends_with("}\n") && !line[..line.len() - 1].contains('\n'));
        let record: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(record["provider"], "upvest");
        assert_eq!(record["accepted"], 2);
        assert_eq!(record["duplicate"], 1);
        assert_eq!(record["rejected"], 0);
        assert_eq!(record["unparsed"], 1);
        assert_eq!(record["latency"], 1.5);
        let metrics = &record["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(metrics["Namespace"], "brokerhooks");
        assert_eq!(metrics["Dimensions"], serde_json::json!([["provider"]]));
        assert_eq!(metrics["Metrics"].as_array().unwrap().len(), 7);
        assert_eq!(
            metrics["Metrics"][6],
            serde_json::json!({"Name": "latency", "Unit": "Milliseconds"})
        );
        assert_eq!(record["_aws"]["Timestamp"], 1_700_000_000_000i64);
        assert_eq!(record.get("function"), None);
    }

    #[test]
    fn a_configured_source_is_also_counted_under_its_function() {
        let tally = Tally {
            unparsed: 1,
            accepted: 1,
            ..Tally::default()
        };
        let line = delivery_line(&Origin::source("generic", "acme"), &tally, false, 1.0).finish(1);
        let record: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(record["provider"], "acme");
        assert_eq!(record["function"], "generic");
        assert_eq!(record["unparsed"], 1);
        assert_eq!(
            record["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            serde_json::json!([["provider"], ["function"]])
        );
    }
}

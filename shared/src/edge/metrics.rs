//! CloudWatch embedded-metric-format counters: one line per delivery on stdout.

use std::io::Write;
use std::sync::OnceLock;

use crate::pipeline::origin::Origin;
use crate::pipeline::tally::Tally;

/// Namespace of every brokerhooks metric.
pub const NAMESPACE: &str = "brokerhooks";

/// Metric definitions of every line: constant, so written once as text.
const METRICS: &str = r#"[{"Name":"accepted","Unit":"Count"},{"Name":"duplicate","Unit":"Count"},{"Name":"rejected","Unit":"Count"},{"Name":"failed","Unit":"Count"},{"Name":"in_progress","Unit":"Count"},{"Name":"unparsed","Unit":"Count"},{"Name":"latency","Unit":"Milliseconds"}]"#;

/// `BROKERHOOKS_METRICS_OFF` (any value) silences the lines; read once.
fn enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var_os("BROKERHOOKS_METRICS_OFF").is_none())
}

/// Emits counters per provider and outcome (accepted, duplicate, rejected, failed) and
/// the delivery latency. Lambda ships stdout to CloudWatch, which extracts the metrics.
/// A configured source's line is also counted under its `function` (`generic`): its
/// sources are named in configuration, so the template's alarms cannot name them.
pub fn emit_delivery(origin: &Origin, tally: &Tally, rejected: bool, latency_ms: f64) {
    if !enabled() {
        return;
    }
    let line = delivery_line(origin, tally, rejected, latency_ms, now_millis());
    let _ = std::io::stdout().lock().write_all(line.as_bytes());
}

fn now_millis() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// One EMF line, newline-terminated. Written by hand: it is on every request's path.
pub(crate) fn delivery_line(
    origin: &Origin,
    tally: &Tally,
    rejected: bool,
    latency_ms: f64,
    timestamp_ms: i64,
) -> String {
    let provider =
        serde_json::to_string(origin.name()).unwrap_or_else(|_| "\"unknown\"".to_owned());
    // A built-in provider's line is unchanged; a source's adds the function dimension.
    let (dimensions, function) = if origin.is_source() {
        (
            r#"[["provider"],["function"]]"#,
            format!(r#","function":"{}""#, origin.function()),
        )
    } else {
        (r#"[["provider"]]"#, String::new())
    };
    let latency = if latency_ms.is_finite() {
        latency_ms
    } else {
        0.0
    };
    format!(
        "{{\"_aws\":{{\"Timestamp\":{timestamp_ms},\"CloudWatchMetrics\":[{{\"Namespace\":\"{NAMESPACE}\",\"Dimensions\":{dimensions},\"Metrics\":{METRICS}}}]}},\
         \"provider\":{provider}{function},\"accepted\":{},\"duplicate\":{},\"rejected\":{},\"failed\":{},\"in_progress\":{},\"unparsed\":{},\"latency\":{latency:.3}}}\n",
        tally.accepted,
        tally.duplicates,
        u8::from(rejected),
        tally.failed,
        tally.in_progress,
        tally.unparsed,
    )
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
        let line = delivery_line(
            &Origin::provider("upvest"),
            &tally,
            false,
            1.5,
            1_700_000_000_000,
        );
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
        let line = delivery_line(&Origin::source("generic", "acme"), &tally, false, 1.0, 1);
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

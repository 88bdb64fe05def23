//! CloudWatch embedded-metric-format counters: one line per delivery on stdout.

use serde_json::json;

use crate::pipeline::Tally;

/// Namespace of every brokerhooks metric.
pub const NAMESPACE: &str = "brokerhooks";

/// Emits counters per provider and outcome (accepted, duplicate, rejected, failed) and
/// the delivery latency. Lambda ships stdout to CloudWatch, which extracts the metrics.
pub fn emit_delivery(provider: &str, tally: &Tally, rejected: bool, latency_ms: f64) {
    if std::env::var_os("BROKERHOOKS_METRICS_OFF").is_some() {
        return;
    }
    println!(
        "{}",
        delivery_record(provider, tally, rejected, latency_ms, now_millis())
    );
}

fn now_millis() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

pub(crate) fn delivery_record(
    provider: &str,
    tally: &Tally,
    rejected: bool,
    latency_ms: f64,
    timestamp_ms: i64,
) -> serde_json::Value {
    json!({
        "_aws": {
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [["provider"]],
                "Metrics": [
                    {"Name": "accepted", "Unit": "Count"},
                    {"Name": "duplicate", "Unit": "Count"},
                    {"Name": "rejected", "Unit": "Count"},
                    {"Name": "failed", "Unit": "Count"},
                    {"Name": "in_progress", "Unit": "Count"},
                    {"Name": "latency", "Unit": "Milliseconds"}
                ]
            }]
        },
        "provider": provider,
        "accepted": tally.accepted,
        "duplicate": tally.duplicates,
        "rejected": u8::from(rejected),
        "failed": tally.failed,
        "in_progress": tally.in_progress,
        "latency": latency_ms,
    })
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
        };
        let record = delivery_record("upvest", &tally, false, 1.5, 1_700_000_000_000);
        assert_eq!(record["provider"], "upvest");
        assert_eq!(record["accepted"], 2);
        assert_eq!(record["duplicate"], 1);
        assert_eq!(record["rejected"], 0);
        assert_eq!(
            record["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([["provider"]])
        );
        assert_eq!(record["_aws"]["Timestamp"], 1_700_000_000_000i64);
    }
}

//! CloudWatch embedded metric format (EMF): one JSON line on stdout that CloudWatch Logs
//! keeps as a log line and turns into metrics. The one writer of such lines, for the
//! receivers (one per delivery) and the consumers (one per batch).
//!
//! A line holds its properties at the top level (dimension values, metric values, and any
//! other field worth reading in the log) and, under `_aws`, which of them are metrics and
//! by which dimensions they are counted. Written by hand into one string: it is on every
//! delivery's path.

use std::fmt::Write as _;
use std::sync::OnceLock;

/// The target of the `tracing` event that carries a finished line in its `line` field:
/// the subscriber of [`crate::init`] writes it to stdout as it is, whatever the log level
/// (a test's log capture keeps it as it is too).
pub const EMF_TARGET: &str = "brokerhooks_logging::emf";

/// A metric's unit, as CloudWatch names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Count,
    Milliseconds,
}

impl Unit {
    fn name(self) -> &'static str {
        match self {
            Unit::Count => "Count",
            Unit::Milliseconds => "Milliseconds",
        }
    }
}

/// One EMF line being built: properties in the order they are added, then the metric
/// declarations.
#[derive(Debug, Clone)]
pub struct EmfLine {
    namespace: &'static str,
    dimensions: &'static str,
    properties: String,
    declarations: String,
}

impl EmfLine {
    /// A line in `namespace`, counted by `dimensions`: the `Dimensions` JSON text, e.g.
    /// `[["provider"]]` (each listed name must be added as a text property).
    pub fn new(namespace: &'static str, dimensions: &'static str) -> Self {
        EmfLine {
            namespace,
            dimensions,
            properties: String::with_capacity(256),
            declarations: String::with_capacity(128),
        }
    }

    fn key(&mut self, key: &str) {
        if !self.properties.is_empty() {
            self.properties.push(',');
        }
        push_json_string(&mut self.properties, key);
        self.properties.push(':');
    }

    /// A text property (a dimension value, an outcome, a reason), JSON-escaped.
    pub fn text(mut self, key: &str, value: &str) -> Self {
        self.key(key);
        push_json_string(&mut self.properties, value);
        self
    }

    /// A list of texts (event ids).
    pub fn texts<'a>(mut self, key: &str, values: impl IntoIterator<Item = &'a str>) -> Self {
        self.key(key);
        self.properties.push('[');
        for (index, value) in values.into_iter().enumerate() {
            if index > 0 {
                self.properties.push(',');
            }
            push_json_string(&mut self.properties, value);
        }
        self.properties.push(']');
        self
    }

    /// A whole-number property that is not a metric (a status code).
    pub fn integer(mut self, key: &str, value: u64) -> Self {
        self.key(key);
        let _ = write!(self.properties, "{value}");
        self
    }

    /// A metric: its value as a property, and its declaration.
    pub fn metric(mut self, name: &str, unit: Unit, value: f64) -> Self {
        self.key(name);
        let value = if value.is_finite() { value } else { 0.0 };
        if value.fract() == 0.0 && value.abs() < 1e15 {
            let _ = write!(self.properties, "{}", value as i64);
        } else {
            let _ = write!(self.properties, "{value:.3}");
        }
        if !self.declarations.is_empty() {
            self.declarations.push(',');
        }
        self.declarations.push_str("{\"Name\":");
        push_json_string(&mut self.declarations, name);
        // A count is declared without its unit (EMF's unit is optional): 15 bytes less
        // on every delivery's line; CloudWatch's sums are the same.
        if unit != Unit::Count {
            let _ = write!(self.declarations, ",\"Unit\":\"{}\"", unit.name());
        }
        self.declarations.push('}');
        self
    }

    /// A count metric.
    pub fn count(self, name: &str, value: usize) -> Self {
        self.metric(name, Unit::Count, value as f64)
    }

    /// A count metric when it is not zero; nothing at all when it is (CloudWatch sums
    /// are the same, and the line is shorter by the declaration and the value).
    pub fn count_nonzero(self, name: &str, value: usize) -> Self {
        if value == 0 {
            self
        } else {
            self.count(name, value)
        }
    }

    /// A property whose value is JSON text the caller built (a list of objects).
    pub fn json(mut self, key: &str, json: &str) -> Self {
        self.key(key);
        self.properties.push_str(json);
        self
    }

    /// The line, newline-terminated, stamped `timestamp_ms` (epoch milliseconds).
    pub fn finish(self, timestamp_ms: i64) -> String {
        format!(
            "{{\"_aws\":{{\"Timestamp\":{timestamp_ms},\"CloudWatchMetrics\":[{{\"Namespace\":\"{}\",\"Dimensions\":{},\"Metrics\":[{}]}}]}},{}}}\n",
            self.namespace, self.dimensions, self.declarations, self.properties
        )
    }

    /// The line without its metric declarations: a plain JSON log line of the same
    /// properties.
    pub fn finish_without_metrics(self) -> String {
        format!("{{{}}}\n", self.properties)
    }

    /// Logs the line (see [`EMF_TARGET`]), stamped now; without its metric declarations
    /// when `BROKERHOOKS_METRICS_OFF` is set (tests and benchmarks; read once), so it is
    /// still the log line it also is.
    pub fn emit(self) {
        let line = if enabled() {
            let now_ms = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |since| since.as_millis() as i64);
            self.finish(now_ms)
        } else {
            self.finish_without_metrics()
        };
        tracing::info!(target: EMF_TARGET, line = line.trim_end_matches('\n'));
    }
}

fn enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var_os("BROKERHOOKS_METRICS_OFF").is_none())
}

/// `value` as a JSON string.
fn push_json_string(out: &mut String, value: &str) {
    // serde_json cannot fail to write a string into a String.
    out.push_str(&serde_json::Value::from(value).to_string());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_one_json_object_with_its_metrics_declared() {
        let line = EmfLine::new("ns", r#"[["provider"]]"#)
            .text("provider", "kite \"q\"\n")
            .count("accepted", 2)
            .integer("status", 200)
            .texts("event_ids", ["a", "b"])
            .metric("latency", Unit::Milliseconds, 1.5)
            .finish(1_700_000_000_000);
        assert!(line.ends_with("}\n") && !line[..line.len() - 1].contains('\n'));
        let record: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(record["provider"], "kite \"q\"\n");
        assert_eq!(record["accepted"], 2);
        assert_eq!(record["status"], 200);
        assert_eq!(record["event_ids"], serde_json::json!(["a", "b"]));
        assert_eq!(record["latency"], 1.5);
        assert_eq!(record["_aws"]["Timestamp"], 1_700_000_000_000i64);
        let metrics = &record["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(metrics["Namespace"], "ns");
        assert_eq!(metrics["Dimensions"], serde_json::json!([["provider"]]));
        assert_eq!(
            metrics["Metrics"],
            serde_json::json!([
                {"Name": "accepted"},
                {"Name": "latency", "Unit": "Milliseconds"}
            ])
        );
    }

    #[test]
    fn control_characters_are_escaped() {
        let line = EmfLine::new("ns", "[[]]")
            .text("x", "\u{1}\u{1f}")
            .finish(0);
        let record: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(record["x"], "\u{1}\u{1f}");
    }
}

//! A delivery's one log line: a CloudWatch embedded-metric-format record on stdout that
//! is also the audit line.
//!
//! Properties: `provider` (and `function` for a configured source), `status` (200: the
//! delivery was accepted), `reason` (not accepted: the fixed text
//! of the answer), `events` (each event's `id`, `type`, `outcome` and any `fallback`;
//! `events_omitted` beyond [`crate::pipeline::audit::MAX_LISTED_EVENTS`]), `secret` (the position of the secret
//! that matched, when not the first), the counts and `latency`. Only the counts that are
//! not zero are in the line and declared as metrics (CloudWatch's sums are the same);
//! `latency` always is.

use brokerhooks_logging::emf::{EmfLine, Unit};

use crate::pipeline::outcome::Outcome;
use crate::pipeline::tally::Tally;

/// Namespace of every brokerhooks metric.
pub const NAMESPACE: &str = "brokerhooks";

/// One delivery's line, answered `status`. A configured source's line is also counted
/// under its `function` (`generic`): its sources are named in configuration, so the
/// template's alarms cannot name them.
pub fn delivery_line(outcome: &Outcome, status: u16) -> EmfLine {
    let origin = &outcome.origin;
    // No `message`: `status` says what it would (the line is on every delivery's bill).
    let (tally, reason, rejected) = match &outcome.result {
        Ok(tally) => (tally, None, false),
        Err((error, tally)) => (
            tally,
            Some(error.to_string()),
            error.outcome() == "rejected",
        ),
    };
    let mut line = if origin.is_source() {
        EmfLine::new(NAMESPACE, r#"[["provider"],["function"]]"#)
            .text("provider", origin.name())
            .text("function", origin.function())
    } else {
        EmfLine::new(NAMESPACE, r#"[["provider"]]"#).text("provider", origin.name())
    };
    line = line.integer("status", u64::from(status));
    if let Some(reason) = &reason {
        line = line.text("reason", reason);
    }
    let audit = &outcome.audit;
    if !audit.events.is_empty() {
        line = line.json("events", &audit.events_json());
    }
    if audit.omitted > 0 {
        line = line.integer("events_omitted", audit.omitted as u64);
    }
    if audit.matched_secret > 0 {
        line = line.integer("secret", audit.matched_secret as u64);
    }
    counts(line, tally, rejected).metric(
        "latency",
        Unit::Milliseconds,
        outcome.latency.as_secs_f64() * 1000.0,
    )
}

fn counts(line: EmfLine, tally: &Tally, rejected: bool) -> EmfLine {
    line.count_nonzero("accepted", tally.accepted)
        .count_nonzero("duplicate", tally.duplicates)
        .count_nonzero("rejected", usize::from(rejected))
        .count_nonzero("failed", tally.failed)
        .count_nonzero("in_progress", tally.in_progress)
        .count_nonzero("unparsed", tally.unparsed)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::json;

    use super::*;
    use crate::pipeline::WebhookError;
    use crate::pipeline::audit::{Audit, EventAudit, MAX_LISTED_EVENTS};
    use crate::pipeline::origin::Origin;

    fn record(outcome: &Outcome, status: u16) -> serde_json::Value {
        let line = delivery_line(outcome, status).finish(1_700_000_000_000);
        assert!(line.ends_with("}\n") && !line[..line.len() - 1].contains('\n'));
        serde_json::from_str(&line).unwrap()
    }

    fn declared(record: &serde_json::Value) -> Vec<&str> {
        record["_aws"]["CloudWatchMetrics"][0]["Metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["Name"].as_str().unwrap())
            .collect()
    }

    fn event(id: &str, outcome: &'static str, fallback: &str) -> EventAudit {
        EventAudit {
            id: id.to_owned(),
            event_type: "ORDER.FILLED".to_owned(),
            outcome,
            fallback: fallback.to_owned(),
        }
    }

    #[test]
    fn an_accepted_delivery_is_one_line_with_its_events_and_only_its_non_zero_counts() {
        let outcome = Outcome {
            origin: Origin::provider("upvest"),
            result: Ok(Tally {
                accepted: 2,
                duplicates: 1,
                unparsed: 1,
                ..Tally::default()
            }),
            latency: Duration::from_micros(1500),
            audit: Audit {
                events: vec![
                    event("e1", "accepted", ""),
                    event("e2", "accepted", "type"),
                    event("e3", "duplicate", ""),
                ],
                omitted: 0,
                matched_secret: 1,
            },
        };
        let record = record(&outcome, 200);
        assert_eq!(record.get("message"), None);
        assert_eq!(record["provider"], "upvest");
        assert_eq!(record["status"], 200);
        assert_eq!(record.get("reason"), None);
        assert_eq!(record["secret"], 1);
        assert_eq!(
            record["events"],
            json!([
                {"id": "e1", "type": "ORDER.FILLED", "outcome": "accepted"},
                {"id": "e2", "type": "ORDER.FILLED", "outcome": "accepted", "fallback": "type"},
                {"id": "e3", "type": "ORDER.FILLED", "outcome": "duplicate"},
            ])
        );
        assert_eq!(
            (
                &record["accepted"],
                &record["duplicate"],
                &record["unparsed"]
            ),
            (&json!(2), &json!(1), &json!(1))
        );
        assert_eq!(record.get("rejected"), None);
        assert_eq!(record.get("failed"), None);
        assert_eq!(record["latency"], 1.5);
        assert_eq!(
            declared(&record),
            ["accepted", "duplicate", "unparsed", "latency"]
        );
        let metrics = &record["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(metrics["Namespace"], "brokerhooks");
        assert_eq!(metrics["Dimensions"], json!([["provider"]]));
        assert_eq!(record.get("function"), None);
    }

    #[test]
    fn a_refused_delivery_says_why_and_counts_one_rejection() {
        let outcome = Outcome {
            origin: Origin::provider("kite"),
            result: Err((
                WebhookError::Unauthorized("checksum mismatch"),
                Tally::default(),
            )),
            latency: Duration::from_millis(1),
            audit: Audit::default(),
        };
        let record = record(&outcome, 401);
        assert_eq!(record["status"], 401);
        assert_eq!(record["reason"], "checksum mismatch");
        assert_eq!(record.get("events"), None);
        assert_eq!(record.get("secret"), None);
        assert_eq!(declared(&record), ["rejected", "latency"]);
    }

    #[test]
    fn a_configured_source_is_also_counted_under_its_function() {
        let outcome = Outcome {
            origin: Origin::source("generic", "acme"),
            result: Ok(Tally {
                unparsed: 1,
                accepted: 1,
                ..Tally::default()
            }),
            latency: Duration::from_millis(1),
            audit: Audit::default(),
        };
        let record = record(&outcome, 200);
        assert_eq!(record["provider"], "acme");
        assert_eq!(record["function"], "generic");
        assert_eq!(record["unparsed"], 1);
        assert_eq!(
            record["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([["provider"], ["function"]])
        );
    }

    #[test]
    fn a_delivery_of_very_many_events_lists_the_first_and_counts_the_rest() {
        let mut audit = Audit::default();
        let draft = |id: usize| crate::pipeline::EventDraft {
            id: format!("e{id}"),
            event_type: "T".to_owned(),
            subject: "s".to_owned(),
            occurred_at: time::OffsetDateTime::UNIX_EPOCH,
            signed_at: None,
            payload: serde_json::value::RawValue::from_string("{}".to_owned()).unwrap(),
            fallback: Default::default(),
            state_key: None,
        };
        for id in 0..MAX_LISTED_EVENTS + 7 {
            audit.event(&draft(id), "accepted");
        }
        let outcome = Outcome {
            origin: Origin::provider("smallcase"),
            result: Ok(Tally {
                accepted: MAX_LISTED_EVENTS + 7,
                ..Tally::default()
            }),
            latency: Duration::from_millis(1),
            audit,
        };
        let record = record(&outcome, 200);
        assert_eq!(
            record["events"].as_array().unwrap().len(),
            MAX_LISTED_EVENTS
        );
        assert_eq!(record["events_omitted"], 7);
    }
}

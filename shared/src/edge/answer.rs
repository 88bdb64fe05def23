//! The one place a delivery's outcome becomes its HTTP answer and its one log line,
//! which is also its metrics line.

use serde::Serialize;

use super::metrics;
use crate::pipeline::Pipeline;
use crate::pipeline::deadline::Deadline;
use crate::pipeline::error::WebhookError;
use crate::pipeline::outcome::Outcome;
use crate::pipeline::ports::provider::Provider;
use crate::pipeline::ports::queue::EventQueue;
use crate::pipeline::ports::store::IdempotencyStore;
use crate::pipeline::request::WebhookRequest;

/// The HTTP answer to a delivery: a status and a short JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub body: String,
}

impl Answer {
    /// A 200 whose body is the tally of what the delivery did (accepted, duplicates).
    pub fn accepted(tally: &impl Serialize) -> Self {
        Answer {
            status: 200,
            body: serde_json::to_string(tally).unwrap_or_default(),
        }
    }

    /// The error's status (`WebhookError::status`) and its fixed reason.
    pub fn from_error(error: &WebhookError) -> Self {
        #[derive(Serialize)]
        struct ErrorBody<'a> {
            error: &'a str,
        }
        Answer {
            status: error.status(),
            body: serde_json::to_string(&ErrorBody {
                error: &error.to_string(),
            })
            .unwrap_or_else(|_| r#"{"error":"internal"}"#.to_owned()),
        }
    }
}

/// The answer to `outcome`, and its one log line (never content): the EMF record of its
/// metrics, carrying the audit too ([`metrics::delivery_line`]).
pub fn respond(outcome: &Outcome) -> Answer {
    let answer = match &outcome.result {
        Ok(tally) => Answer::accepted(tally),
        Err((error, _)) => Answer::from_error(error),
    };
    metrics::delivery_line(outcome, answer.status).emit();
    answer
}

impl<P: Provider, S: IdempotencyStore, Q: EventQueue> Pipeline<P, S, Q> {
    /// One delivery without a Lambda deadline (tests, benchmarks, a direct call): the
    /// pipeline's outcome answered as the function answers it, log and metrics included.
    pub async fn handle(&self, request: &WebhookRequest) -> Answer {
        respond(&self.process(request, Deadline::without_lambda()).await)
    }
}

//! The HTTP answer to a delivery: a status and a short JSON body.

use serde::Serialize;

use crate::error::WebhookError;

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

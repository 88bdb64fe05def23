//! The one place where a failed delivery becomes an HTTP status.

/// Why a delivery was not (or not fully) accepted.
///
/// Reasons are short, fixed texts or field names: they are returned to the caller and
/// logged, so they must never carry a secret, a signature or a payload value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("body larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// An authentic event whose queue message, with the characters SQS refuses escaped,
    /// would exceed SQS's message limit: refused before anything is written, since every
    /// send would fail the same way.
    #[error("event too large for the queue: its message would exceed {limit} bytes")]
    EventTooLarge { limit: usize },
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("{0}")]
    BadRequest(String),
    /// The route names a webhook source that is not configured (configured sources only).
    #[error("no such webhook source")]
    NotFound,
    #[error("event is being processed by another invocation; retry later")]
    InProgress,
    #[error("storage or queue unavailable; retry later")]
    Unavailable,
    #[error("function is misconfigured")]
    Misconfigured,
}

impl WebhookError {
    /// Shorthand for a 400 with a fixed reason.
    pub fn bad_request(reason: impl Into<String>) -> Self {
        WebhookError::BadRequest(reason.into())
    }

    pub fn status(&self) -> u16 {
        match self {
            WebhookError::MethodNotAllowed => 405,
            WebhookError::PayloadTooLarge { .. } | WebhookError::EventTooLarge { .. } => 413,
            WebhookError::Unauthorized(_) => 401,
            WebhookError::Forbidden(_) => 403,
            WebhookError::BadRequest(_) => 400,
            WebhookError::NotFound => 404,
            WebhookError::InProgress => 409,
            WebhookError::Unavailable => 503,
            WebhookError::Misconfigured => 500,
        }
    }

    /// Outcome label used in logs and metrics.
    pub fn outcome(&self) -> &'static str {
        match self {
            WebhookError::InProgress => "in_progress",
            WebhookError::Unavailable => "failed",
            WebhookError::Misconfigured => "misconfigured",
            _ => "rejected",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_maps_to_its_status() {
        let cases = [
            (WebhookError::MethodNotAllowed, 405),
            (WebhookError::PayloadTooLarge { limit: 1 }, 413),
            (WebhookError::EventTooLarge { limit: 1 }, 413),
            (WebhookError::Unauthorized("x"), 401),
            (WebhookError::Forbidden("x"), 403),
            (WebhookError::bad_request("x"), 400),
            (WebhookError::NotFound, 404),
            (WebhookError::InProgress, 409),
            (WebhookError::Unavailable, 503),
            (WebhookError::Misconfigured, 500),
        ];
        for (error, status) in cases {
            assert_eq!(error.status(), status, "{error:?}");
        }
    }
}

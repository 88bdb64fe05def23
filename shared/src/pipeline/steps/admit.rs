//! Method and size, before anything is read.

use crate::config::PipelineSettings;
use crate::pipeline::error::WebhookError;
use crate::pipeline::request::WebhookRequest;

/// 405 for any method but POST, 413 for a body over `MAX_BODY_BYTES`.
pub fn admit(request: &WebhookRequest, settings: &PipelineSettings) -> Result<(), WebhookError> {
    if !request.method.eq_ignore_ascii_case("POST") {
        return Err(WebhookError::MethodNotAllowed);
    }
    if request.body.len() > settings.max_body_bytes {
        let limit = settings.max_body_bytes;
        return Err(WebhookError::PayloadTooLarge { limit });
    }
    Ok(())
}

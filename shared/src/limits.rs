//! Limits on what a delivery may carry, shared by the verifiers and the pipeline.

/// Longest event id accepted (the DynamoDB key must stay small). Providers fall back to
/// the content hash (64 hex characters) for an id that is missing, empty or longer.
pub const MAX_EVENT_ID_BYTES: usize = 512;

/// Whether `id` can key an event: non-empty and at most [`MAX_EVENT_ID_BYTES`] bytes.
pub fn is_usable_event_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_EVENT_ID_BYTES
}

//! Limits on what a delivery may carry, shared by the verifiers and the pipeline: what
//! the function accepts must fit the table's keys and the queue's messages.

/// Longest event id accepted (the DynamoDB key must stay small). Providers fall back to
/// the content hash (64 hex characters) for an id that is missing, empty or longer.
pub const MAX_EVENT_ID_BYTES: usize = 512;

/// Whether `id` can key an event: non-empty and at most [`MAX_EVENT_ID_BYTES`] bytes.
pub fn is_usable_event_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_EVENT_ID_BYTES
}

/// Longest `type` the envelope carries (it is also a message attribute and a log field).
/// A longer one is not read: `UNPARSED`, with the `type` fallback.
pub const MAX_EVENT_TYPE_BYTES: usize = 256;

/// Longest `subject` the envelope carries. A longer one is not read: `unknown`, with the
/// `subject` fallback.
pub const MAX_SUBJECT_BYTES: usize = 512;

/// SQS's limit on one message: its body plus every attribute's name, data type and value.
pub const SQS_MAX_MESSAGE_BYTES: usize = 1_048_576;

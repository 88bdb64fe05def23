//! The example consumer's rule (`consumer/example/src/main.rs`) for in-process tests:
//! each payload parsed into its provider's typed model; unknown types, `UNPARSED` events
//! and unknown providers handled and followed up; a payload that does not fit its model
//! fails the record.

use brokerhooks_consumer::Handled;
use brokerhooks_models::{Envelope, PayloadError, TypedEvent};

pub async fn typed_handler(envelope: &Envelope) -> Result<Handled, PayloadError> {
    Ok(match envelope.typed()? {
        TypedEvent::UnknownType { .. }
        | TypedEvent::Unparsed { .. }
        | TypedEvent::UnknownProvider { .. } => Handled::FollowUp,
        _ => Handled::Done,
    })
}

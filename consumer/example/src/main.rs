//! The example consumer of the brokerhooks events queue: where a team starts its own.
//! Each record's payload is parsed into its provider's typed model; put the business
//! logic in the match. A payload that does not fit its model fails the record (after
//! `maxReceiveCount` it is in the dead-letter queue; redrive it once the model is fixed).

use brokerhooks_consumer::Handled;
use brokerhooks_models::{Envelope, PayloadError, TypedEvent};

async fn handle(envelope: &Envelope) -> Result<Handled, PayloadError> {
    match envelope.typed()? {
        TypedEvent::Kite(_postback) => {}
        TypedEvent::Smallcase(_event) => {}
        TypedEvent::SnapTrade(_webhook) => {}
        TypedEvent::Upvest(_event) => {}
        TypedEvent::OneMetric(_event) => {}
        // New provider types, `UNPARSED` events, unknown providers: logged and counted.
        TypedEvent::UnknownType { .. }
        | TypedEvent::Unparsed { .. }
        | TypedEvent::UnknownProvider { .. } => return Ok(Handled::FollowUp),
    }
    Ok(Handled::Done)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), brokerhooks_consumer::Error> {
    brokerhooks_consumer::run(handle).await
}

//! The example consumer of the brokerhooks events queue: where a team starts its own.
//! Each record's payload is parsed into its provider's typed model; put the business
//! logic in the match. A payload that does not fit its model fails the record (after
//! `maxReceiveCount` it is in the dead-letter queue; redrive it once the model is fixed).

use brokerhooks_consumer::{Handled, Record};
use brokerhooks_models::{PayloadError, TypedEvent};

/// `record` is the envelope (`record.typed()`, `record.id`) plus SQS's context:
/// `record.receive_count`, `record.fallback()`, `record.origin()`, `record.message_id`.
async fn handle(record: &Record) -> Result<Handled, PayloadError> {
    match record.typed()? {
        // `record.origin()` is `Some(EventOrigin::Reconciliation)` for an order state the
        // reconciler recovered from Kite's order book (its postback was lost): the same
        // payload, handled alike.
        TypedEvent::Kite(_postback) => {}
        TypedEvent::Smallcase(_event) => {}
        TypedEvent::SnapTrade(_webhook) => {}
        TypedEvent::Upvest(_event) => {}
        TypedEvent::OneMetric(_event) => {}
        // New provider types, `UNPARSED` events, unknown providers, and providers a later
        // version of the models adds: logged and counted.
        _ => return Ok(Handled::FollowUp),
    }
    Ok(Handled::Done)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), brokerhooks_consumer::Error> {
    brokerhooks_consumer::run(handle).await
}

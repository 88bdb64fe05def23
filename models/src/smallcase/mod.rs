//! smallcase Gateway webhooks: four kinds, told apart by the envelope `type`.

mod holdings_import;
mod kind;
mod mf_holdings_import;
mod order_batch;
mod pending_actions;

pub use holdings_import::{
    Constituent, ExchangePositions, HeldSecurity, HoldingsImport, HoldingsList, ImportedSecurities,
    ImportedSmallcases, PrivateSmallcaseSummary, PrivateSmallcases, PublicSmallcase,
    QuantityAtPrice, SecurityHoldings, SmallcaseStats,
};
pub use kind::{PENDING_ACTIONS_EVENT_TYPE, SmallcaseEventKind};
pub use mf_holdings_import::MfHoldingsImport;
pub use order_batch::{OrderBatch, SecurityOrder};
pub use pending_actions::{
    FixAction, PendingActions, PendingActionsData, PendingInvestment, RebalanceAction, SipAction,
};

use crate::payload_error::ModelMismatch;

/// What [`crate::TypedEvent::Smallcase`] holds.
pub type Event = SmallcaseEvent;

/// Each documented kind reads as its model; other `eventType`s have none.
pub fn route(event_type: &str, payload: &str) -> Option<Result<Event, ModelMismatch>> {
    SmallcaseEventKind::from_event_type(event_type).map(|kind| {
        SmallcaseEvent::parse(kind, payload).map_err(ModelMismatch::of(kind.model_name()))
    })
}

/// This provider's JSON Schema files, one per kind.
#[cfg(feature = "schema")]
pub fn schemas() -> Vec<crate::schema::file::SchemaFile> {
    use crate::schema::file::SchemaFile;
    vec![
        SchemaFile::of::<OrderBatch>("smallcase-securities-order.json"),
        SchemaFile::of::<HoldingsImport>("smallcase-holdings-import.json"),
        SchemaFile::of::<MfHoldingsImport>("smallcase-mf-holdings-import.json"),
        SchemaFile::of::<PendingActions>("smallcase-pending-actions.json"),
    ]
}

/// A smallcase webhook of a known kind, parsed into its model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmallcaseEvent {
    SecuritiesOrder(OrderBatch),
    HoldingsImport(HoldingsImport),
    MfHoldingsImport(MfHoldingsImport),
    PendingActions(PendingActions),
}

impl SmallcaseEvent {
    /// Parses `payload` (JSON text) as the model of `kind`.
    pub fn parse(kind: SmallcaseEventKind, payload: &str) -> Result<Self, serde_json::Error> {
        Ok(match kind {
            SmallcaseEventKind::SecuritiesOrder => {
                SmallcaseEvent::SecuritiesOrder(serde_json::from_str(payload)?)
            }
            SmallcaseEventKind::HoldingsImport => {
                SmallcaseEvent::HoldingsImport(serde_json::from_str(payload)?)
            }
            SmallcaseEventKind::MfHoldingsImport => {
                SmallcaseEvent::MfHoldingsImport(serde_json::from_str(payload)?)
            }
            SmallcaseEventKind::PendingActions => {
                SmallcaseEvent::PendingActions(serde_json::from_str(payload)?)
            }
        })
    }

    pub fn kind(&self) -> SmallcaseEventKind {
        match self {
            SmallcaseEvent::SecuritiesOrder(_) => SmallcaseEventKind::SecuritiesOrder,
            SmallcaseEvent::HoldingsImport(_) => SmallcaseEventKind::HoldingsImport,
            SmallcaseEvent::MfHoldingsImport(_) => SmallcaseEventKind::MfHoldingsImport,
            SmallcaseEvent::PendingActions(_) => SmallcaseEventKind::PendingActions,
        }
    }
}

/// `eventType` of the pending-actions webhook, the only kind that names itself.
pub const PENDING_ACTIONS_EVENT_TYPE: &str = "USER.PENDING_ACTIONS";

/// A smallcase webhook kind; [`SmallcaseEventKind::event_type`] is its envelope `type`.
/// Only pending actions carries a type field; the receiver names the other kinds by
/// their shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SmallcaseEventKind {
    /// Stock or basket order batch (`batchId`, `orders`, `unplaced`): [`super::OrderBatch`].
    SecuritiesOrder,
    /// Holdings import (`securities`, `smallcases`): [`super::HoldingsImport`].
    HoldingsImport,
    /// Mutual-fund holdings import: [`super::MfHoldingsImport`].
    MfHoldingsImport,
    /// `eventType: USER.PENDING_ACTIONS`: [`super::PendingActions`].
    PendingActions,
}

impl SmallcaseEventKind {
    pub const ALL: [SmallcaseEventKind; 4] = [
        SmallcaseEventKind::SecuritiesOrder,
        SmallcaseEventKind::HoldingsImport,
        SmallcaseEventKind::MfHoldingsImport,
        SmallcaseEventKind::PendingActions,
    ];

    /// The envelope `type` of this kind.
    pub const fn event_type(self) -> &'static str {
        match self {
            SmallcaseEventKind::SecuritiesOrder => "SECURITIES_ORDER",
            SmallcaseEventKind::HoldingsImport => "HOLDINGS_IMPORT",
            SmallcaseEventKind::MfHoldingsImport => "MF_HOLDINGS_IMPORT",
            SmallcaseEventKind::PendingActions => PENDING_ACTIONS_EVENT_TYPE,
        }
    }

    /// The name of the model that reads this kind.
    pub const fn model_name(self) -> &'static str {
        match self {
            SmallcaseEventKind::SecuritiesOrder => "OrderBatch",
            SmallcaseEventKind::HoldingsImport => "HoldingsImport",
            SmallcaseEventKind::MfHoldingsImport => "MfHoldingsImport",
            SmallcaseEventKind::PendingActions => "PendingActions",
        }
    }

    /// The kind an envelope `type` names; `None` for a type this version does not know.
    pub fn from_event_type(event_type: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.event_type() == event_type)
    }
}

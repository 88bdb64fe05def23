//! The four smallcase webhook kinds: which fields each is signed with, and how a
//! verified body is classified (only pending actions carries a type field).

use serde_json::{Map, Value};

use crate::error::WebhookError;
use crate::providers::json_body::required_str;

/// `eventType` of the pending-actions webhook, the only kind that names itself.
pub const PENDING_ACTIONS_EVENT_TYPE: &str = "USER.PENDING_ACTIONS";

/// A smallcase webhook kind; [`SmallcaseEventKind::event_type`] is the envelope `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

    /// The envelope `type` for this kind.
    pub const fn event_type(self) -> &'static str {
        match self {
            SmallcaseEventKind::SecuritiesOrder => "SECURITIES_ORDER",
            SmallcaseEventKind::HoldingsImport => "HOLDINGS_IMPORT",
            SmallcaseEventKind::MfHoldingsImport => "MF_HOLDINGS_IMPORT",
            SmallcaseEventKind::PendingActions => PENDING_ACTIONS_EVENT_TYPE,
        }
    }

    /// The kind an envelope `type` names, for consumers choosing a payload model.
    pub fn from_event_type(event_type: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.event_type() == event_type)
    }
}

/// Which documented checksum input a body carries. Exactly one applies to a body, so a
/// checksum made for one kind's string never authenticates a body of another kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChecksumInput {
    /// `timestamp + smallcaseAuthId` (top level): order batches and holdings imports.
    SmallcaseAuthId,
    /// `timestamp + transactionId`: mutual-fund holdings import (no top-level `smallcaseAuthId`).
    TransactionId,
    /// `timestamp + data.smallcaseAuthId`: pending actions. smallcase does not say which id
    /// signs this kind; the user id under `data` is the only one the body carries.
    PendingActionsAuthId,
}

/// The two strings a body's checksum covers, as they appear in the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignedFields<'a> {
    pub input: ChecksumInput,
    pub timestamp: &'a str,
    pub id: &'a str,
}

impl<'a> SignedFields<'a> {
    /// Picks the checksum input by the body's shape: `eventType` → pending actions; a
    /// top-level `smallcaseAuthId` → orders and holdings; otherwise `transactionId` → MF
    /// import. A body lacking the fields its checksum needs is a 400.
    pub fn locate(body: &'a Map<String, Value>) -> Result<Self, WebhookError> {
        let (input, id) = if let Some(event_type) = body.get("eventType") {
            if event_type.as_str() != Some(PENDING_ACTIONS_EVENT_TYPE) {
                return Err(WebhookError::bad_request("unsupported eventType"));
            }
            let id = body
                .get("data")
                .and_then(Value::as_object)
                .and_then(|data| data.get("smallcaseAuthId"))
                .and_then(Value::as_str)
                .filter(|id| !id.is_empty())
                .ok_or_else(|| {
                    WebhookError::bad_request("missing or non-string field data.smallcaseAuthId")
                })?;
            (ChecksumInput::PendingActionsAuthId, id)
        } else if body.get("smallcaseAuthId").is_some_and(|id| !id.is_null()) {
            (
                ChecksumInput::SmallcaseAuthId,
                required_str(body, "smallcaseAuthId")?,
            )
        } else if body.get("transactionId").is_some_and(|id| !id.is_null()) {
            (
                ChecksumInput::TransactionId,
                required_str(body, "transactionId")?,
            )
        } else {
            return Err(WebhookError::bad_request(
                "missing field smallcaseAuthId or transactionId",
            ));
        };
        Ok(SignedFields {
            input,
            timestamp: required_str(body, "timestamp")?,
            id,
        })
    }
}

/// Classifies a body whose checksum verified. Orders and holdings share a checksum input,
/// so they are told apart by their marker fields; a body with both or neither is a 400.
pub fn classify(
    body: &Map<String, Value>,
    input: ChecksumInput,
) -> Result<SmallcaseEventKind, WebhookError> {
    match input {
        ChecksumInput::PendingActionsAuthId => Ok(SmallcaseEventKind::PendingActions),
        ChecksumInput::TransactionId => Ok(SmallcaseEventKind::MfHoldingsImport),
        ChecksumInput::SmallcaseAuthId => {
            let has = |field: &str| body.get(field).is_some_and(|v| !v.is_null());
            let order = has("batchId") || has("orders") || has("unplaced");
            let holdings = has("securities") || has("smallcases");
            match (order, holdings) {
                (true, false) => Ok(SmallcaseEventKind::SecuritiesOrder),
                (false, true) => Ok(SmallcaseEventKind::HoldingsImport),
                _ => Err(WebhookError::bad_request(
                    "body matches no smallcase event kind",
                )),
            }
        }
    }
}

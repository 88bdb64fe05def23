//! The four smallcase webhook kinds: which fields each is signed with, and how a
//! verified body is classified (only pending actions carries a type field; a body naming
//! another `eventType` is authenticated by trying smallcase's checksum inputs in turn).

use serde_json::{Map, Value};

use crate::pipeline::error::WebhookError;
use crate::providers::json_body::required_str;

// The kinds and their envelope `type`s are the consumers' models' own: one definition.
pub use brokerhooks_models::smallcase::{PENDING_ACTIONS_EVENT_TYPE, SmallcaseEventKind};

/// Which documented checksum input signs a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChecksumInput {
    /// `timestamp + smallcaseAuthId` (top level): order batches and holdings imports.
    SmallcaseAuthId,
    /// `timestamp + transactionId`: mutual-fund holdings import (no top-level `smallcaseAuthId`).
    TransactionId,
    /// `timestamp + data.smallcaseAuthId`: pending actions. smallcase does not say which id
    /// signs this kind; the user id under `data` is the only one the body carries.
    DataSmallcaseAuthId,
}

impl ChecksumInput {
    /// The order smallcase's inputs are tried in for a body whose `eventType` this code
    /// does not know.
    pub const FOR_UNKNOWN_EVENT_TYPE: [ChecksumInput; 3] = [
        ChecksumInput::DataSmallcaseAuthId,
        ChecksumInput::SmallcaseAuthId,
        ChecksumInput::TransactionId,
    ];

    /// Where the signed id sits, as the field path is written in smallcase's documents.
    pub const fn field(self) -> &'static str {
        match self {
            ChecksumInput::SmallcaseAuthId => "smallcaseAuthId",
            ChecksumInput::TransactionId => "transactionId",
            ChecksumInput::DataSmallcaseAuthId => "data.smallcaseAuthId",
        }
    }

    /// The signed id in `body`, when it is a non-empty string.
    fn id_in(self, body: &Map<String, Value>) -> Option<&str> {
        let id = match self {
            ChecksumInput::SmallcaseAuthId => body.get("smallcaseAuthId"),
            ChecksumInput::TransactionId => body.get("transactionId"),
            ChecksumInput::DataSmallcaseAuthId => body
                .get("data")
                .and_then(Value::as_object)
                .and_then(|data| data.get("smallcaseAuthId")),
        };
        id.and_then(Value::as_str).filter(|id| !id.is_empty())
    }
}

/// The two strings a body's checksum covers, as they appear in the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignedFields<'a> {
    pub input: ChecksumInput,
    pub timestamp: &'a str,
    pub id: &'a str,
}

/// The body's `eventType`, unless absent or null.
fn named_type(body: &Map<String, Value>) -> Option<&Value> {
    body.get("eventType").filter(|t| !t.is_null())
}

impl<'a> SignedFields<'a> {
    /// The checksum inputs a body may be signed with, in the order they are tried.
    ///
    /// Exactly one for the documented kinds, chosen by the body's shape, so a checksum
    /// made for one kind's string never authenticates a body of another kind:
    /// `eventType: USER.PENDING_ACTIONS` → `data.smallcaseAuthId`; a top-level
    /// `smallcaseAuthId` → order batches and holdings imports; otherwise `transactionId`
    /// → MF import. A body naming any other `eventType` gets smallcase's inputs in the
    /// order [`ChecksumInput::FOR_UNKNOWN_EVENT_TYPE`], each only where its id is present.
    /// A body lacking the fields its checksum needs is a 400.
    pub fn candidates(body: &'a Map<String, Value>) -> Result<Vec<Self>, WebhookError> {
        let inputs: Vec<ChecksumInput> = match named_type(body) {
            Some(named) if named.as_str() == Some(PENDING_ACTIONS_EVENT_TYPE) => {
                if ChecksumInput::DataSmallcaseAuthId.id_in(body).is_none() {
                    return Err(WebhookError::bad_request(
                        "missing or non-string field data.smallcaseAuthId",
                    ));
                }
                vec![ChecksumInput::DataSmallcaseAuthId]
            }
            Some(_) => {
                let present: Vec<ChecksumInput> = ChecksumInput::FOR_UNKNOWN_EVENT_TYPE
                    .into_iter()
                    .filter(|input| input.id_in(body).is_some())
                    .collect();
                if present.is_empty() {
                    return Err(WebhookError::bad_request(
                        "missing field data.smallcaseAuthId, smallcaseAuthId or transactionId",
                    ));
                }
                present
            }
            None if body.get("smallcaseAuthId").is_some_and(|id| !id.is_null()) => {
                required_str(body, "smallcaseAuthId")?;
                vec![ChecksumInput::SmallcaseAuthId]
            }
            None if body.get("transactionId").is_some_and(|id| !id.is_null()) => {
                required_str(body, "transactionId")?;
                vec![ChecksumInput::TransactionId]
            }
            None => {
                return Err(WebhookError::bad_request(
                    "missing field smallcaseAuthId or transactionId",
                ));
            }
        };
        let timestamp = required_str(body, "timestamp")?;
        Ok(inputs
            .into_iter()
            .filter_map(|input| {
                Some(SignedFields {
                    input,
                    timestamp,
                    id: input.id_in(body)?,
                })
            })
            .collect())
    }

    /// The first candidate: what smallcase (and our signer of test events) signs with.
    pub fn locate(body: &'a Map<String, Value>) -> Result<Self, WebhookError> {
        Self::candidates(body)?
            .into_iter()
            .next()
            .ok_or_else(|| WebhookError::bad_request("missing signed id"))
    }
}

/// The documented kind of a body whose checksum verified with `input`, or `None`: a body
/// naming another `eventType`, or an order-or-holdings body with both or neither of the
/// two kinds' marker fields (orders and holdings share a checksum input).
pub fn classify(body: &Map<String, Value>, input: ChecksumInput) -> Option<SmallcaseEventKind> {
    if let Some(named) = named_type(body) {
        return (named.as_str() == Some(PENDING_ACTIONS_EVENT_TYPE))
            .then_some(SmallcaseEventKind::PendingActions);
    }
    match input {
        ChecksumInput::DataSmallcaseAuthId => None,
        ChecksumInput::TransactionId => Some(SmallcaseEventKind::MfHoldingsImport),
        ChecksumInput::SmallcaseAuthId => {
            let has = |field: &str| body.get(field).is_some_and(|v| !v.is_null());
            let order = has("batchId") || has("orders") || has("unplaced");
            let holdings = has("securities") || has("smallcases");
            match (order, holdings) {
                (true, false) => Some(SmallcaseEventKind::SecuritiesOrder),
                (false, true) => Some(SmallcaseEventKind::HoldingsImport),
                _ => None,
            }
        }
    }
}

/// The envelope `type` of a verified body: its kind's type, else the `eventType` it names
/// (a type this code does not know is still a type), else `None` (no type can be read).
pub fn envelope_type(body: &Map<String, Value>, input: ChecksumInput) -> Option<&str> {
    match classify(body, input) {
        Some(kind) => Some(kind.event_type()),
        None => named_type(body)
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty()),
    }
}

/// How a verified body read its signed text, for the signature binding: its kind (a
/// documented kind's type; `eventType:<name>` for an `eventType` this code does not know,
/// kept apart from the documented kinds so that naming one cannot pass for it; else
/// `UNPARSED`), the field the signed id came from, and where the timestamp ends in the
/// signed text. One checksum is accepted only under one such reading: smallcase's own
/// redeliveries, and the PLACED and UNPLACED deliveries of one batch, read the same.
pub fn binding_reading(body: &Map<String, Value>, signed: &SignedFields<'_>) -> String {
    let kind = match classify(body, signed.input) {
        Some(kind) => kind.event_type().to_owned(),
        None => match named_type(body).and_then(Value::as_str) {
            Some(name) if !name.is_empty() => format!("eventType:{name}"),
            _ => crate::pipeline::fallback::UNPARSED_TYPE.to_owned(),
        },
    };
    format!("{kind}|{}|{}", signed.input.field(), signed.timestamp.len())
}

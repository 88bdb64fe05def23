//! One identity for a Kite order state, shared by the postback path and the order-book
//! reconciler: a postback and the order book's entry for the same state have the same
//! identity, so an order state is enqueued once, whichever path delivers it first.
//!
//! The identity is the order id, the status class, and the filled, pending and cancelled
//! quantities. Postbacks and the book use different words for the same state: a postback
//! says `UPDATE` (a modification or a partial fill) where the book says `OPEN`, and
//! Kite's postback documentation says `CANCEL` where both send `CANCELLED`; those map to
//! `OPEN` and `CANCELLED`. Other statuses are taken as written (trimmed, upper case).
//!
//! Only *recoverable* states get an identity: the terminal ones (`COMPLETE`, `CANCELLED`,
//! `REJECTED`) and an open order with a filled quantity (a partial fill). Those are what
//! the book (and an order's history) can prove a postback should have said; states Kite
//! posts that the book cannot tell apart (a modification without a fill) or does not post
//! (an order placed, `TRIGGER PENDING`, `AMO REQ RECEIVED`) are not recovered.

use serde_json::{Map, Number, Value};
use sha2::{Digest, Sha256};

/// Terminal statuses: no later state follows.
pub const TERMINAL_STATUSES: [&str; 3] = ["COMPLETE", "CANCELLED", "REJECTED"];

/// A recoverable order state's identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderState {
    pub order_id: String,
    /// The status class (`OPEN` for a postback's `UPDATE`).
    pub status: String,
    pub filled: String,
    pub pending: String,
    pub cancelled: String,
}

impl OrderState {
    /// The state a postback or a book entry describes, when it is a recoverable one and
    /// every field of the identity reads. `None` otherwise: such a postback is delivered
    /// as usual, and no reconciliation can match it.
    pub fn of(entry: &Map<String, Value>) -> Option<Self> {
        let text = |name: &str| entry.get(name)?.as_str().map(str::trim);
        let order_id = text("order_id").filter(|id| !id.is_empty())?.to_owned();
        let status = status_class(text("status")?);
        let quantity = |name: &str| match entry.get(name)? {
            Value::Number(number) => quantity_text(number),
            _ => None,
        };
        let state = OrderState {
            order_id,
            filled: quantity("filled_quantity")?,
            pending: quantity("pending_quantity")?,
            cancelled: quantity("cancelled_quantity")?,
            status,
        };
        state.is_recoverable().then_some(state)
    }

    fn is_recoverable(&self) -> bool {
        TERMINAL_STATUSES.contains(&self.status.as_str())
            || (self.status == "OPEN" && self.filled != "0")
    }

    pub fn is_terminal(&self) -> bool {
        TERMINAL_STATUSES.contains(&self.status.as_str())
    }

    /// Lowercase hex SHA-256 of the identity: the state's key and, for a reconciled
    /// state, its envelope `id`.
    pub fn key_hex(&self) -> String {
        let identity = format!(
            "kite-order-state/v1\n{}\n{}\n{}\n{}\n{}",
            self.order_id, self.status, self.filled, self.pending, self.cancelled
        );
        hex::encode(Sha256::digest(identity.as_bytes()))
    }
}

/// The status class: `UPDATE` is `OPEN`, `CANCEL` is `CANCELLED`; others as written.
pub fn status_class(status: &str) -> String {
    match status.trim().to_ascii_uppercase().as_str() {
        "UPDATE" => "OPEN".to_owned(),
        "CANCEL" => "CANCELLED".to_owned(),
        other => other.to_owned(),
    }
}

/// A quantity as a whole number's decimal text (`4`, `4.0` → `4`); a fraction as written.
fn quantity_text(number: &Number) -> Option<String> {
    if let Some(whole) = number.as_u64() {
        return Some(whole.to_string());
    }
    let value = number.as_f64()?;
    if value >= 0.0 && value.fract() == 0.0 && value < 1e15 {
        Some((value as u64).to_string())
    } else {
        Some(number.to_string())
    }
}

//! One identity for a Kite order state, shared by the postback path and the order-book
//! reconciler: a postback and the order book's entry for the same state have the same
//! identity, so an order state is enqueued once, whichever path delivers it first.
//!
//! The identity is the order id and the status class, and for an open order its filled
//! quantity. Postbacks and the book use different words for the same state: a postback
//! says `UPDATE` (a modification or a partial fill) where the book says `OPEN`, and
//! Kite's postback documentation says `CANCEL` where both send `CANCELLED`; those map to
//! `OPEN` and `CANCELLED`. Other statuses are taken as written (trimmed, upper case). An
//! order reaches a terminal status once, so no quantity is part of a terminal state's
//! identity: Kite's pending and cancelled quantities of a finished order are not
//! consistent between its answers (kiteconnect-mocks' book shows a `CANCELLED` order
//! with a pending quantity), and a quantity read differently must not make one state two.
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
    /// The filled quantity as a whole number's text, when the entry has one: part of an
    /// open order's identity, and whether earlier states may have had fills.
    pub filled: Option<String>,
}

impl OrderState {
    /// The state a postback or a book entry describes, when it is a recoverable one and
    /// every field of its identity reads. `None` otherwise: such a postback is delivered
    /// as usual, and no reconciliation can match it.
    pub fn of(entry: &Map<String, Value>) -> Option<Self> {
        let text = |name: &str| entry.get(name)?.as_str().map(str::trim);
        let order_id = text("order_id").filter(|id| !id.is_empty())?.to_owned();
        let status = status_class(text("status")?);
        let filled = match entry.get("filled_quantity") {
            Some(Value::Number(number)) => quantity_text(number),
            _ => None,
        };
        let state = OrderState {
            order_id,
            status,
            filled,
        };
        state.is_recoverable().then_some(state)
    }

    fn is_recoverable(&self) -> bool {
        self.is_terminal() || (self.status == "OPEN" && self.filled.as_deref().is_some_and(|f| f != "0"))
    }

    pub fn is_terminal(&self) -> bool {
        TERMINAL_STATUSES.contains(&self.status.as_str())
    }

    /// Whether an earlier state of the order may have had fills its postback reported:
    /// any fill now, or a filled quantity the entry does not say.
    pub fn may_have_earlier_fills(&self) -> bool {
        self.filled.as_deref() != Some("0")
    }

    /// Lowercase hex SHA-256 of the identity: the state's key and, for a reconciled
    /// state, its envelope `id`.
    pub fn key_hex(&self) -> String {
        let identity = if self.is_terminal() {
            format!("kite-order-state/v1\n{}\n{}", self.order_id, self.status)
        } else {
            let filled = self.filled.as_deref().unwrap_or_default();
            format!(
                "kite-order-state/v1\n{}\n{}\n{filled}",
                self.order_id, self.status
            )
        };
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn state(entry: Value) -> Option<OrderState> {
        OrderState::of(entry.as_object().unwrap())
    }

    fn entry(status: &str, filled: Value) -> Value {
        json!({"order_id": "261120000112233", "status": status, "quantity": 10,
               "filled_quantity": filled, "pending_quantity": 6, "cancelled_quantity": 0})
    }

    #[test]
    fn known_answer_keys() {
        let complete = json!({"order_id": "220303000308932", "status": "COMPLETE", "filled_quantity": 1});
        assert_eq!(
            state(complete).unwrap().key_hex(),
            "683bda7a8bae87f27981c9536ed048361d906e5b1db54e9b84647716b920f638"
        );
        assert_eq!(
            state(entry("OPEN", json!(4))).unwrap().key_hex(),
            "9146fdb210bb9115f428ea5669455b5cfd054f7e367c8608fbd6574ecc4d7b71"
        );
    }

    #[test]
    fn a_postback_and_the_book_name_one_state_alike() {
        // The postback's UPDATE is the book's OPEN; CANCEL is CANCELLED; case and spaces
        // do not matter; a whole quantity written as a float is the same quantity.
        let same = [
            (entry("UPDATE", json!(4)), entry("OPEN", json!(4))),
            (entry(" update ", json!(4.0)), entry("OPEN", json!(4))),
            (entry("CANCEL", json!(3)), entry("CANCELLED", json!(3))),
        ];
        for (postback, book) in same {
            assert_eq!(state(postback.clone()).unwrap().key_hex(), state(book).unwrap().key_hex(), "{postback}");
        }
    }

    #[test]
    fn a_terminal_state_is_one_whatever_its_quantities_say() {
        let mut book = entry("CANCELLED", json!(3));
        book["pending_quantity"] = json!(7);
        let mut postback = entry("CANCELLED", json!(3));
        postback["pending_quantity"] = json!(0);
        postback["cancelled_quantity"] = json!(7);
        assert_eq!(state(book).unwrap().key_hex(), state(postback).unwrap().key_hex());
        // Without quantities at all, a terminal state still has its identity.
        let bare = json!({"order_id": "261120000112233", "status": "COMPLETE"});
        assert!(state(bare).unwrap().may_have_earlier_fills());
    }

    #[test]
    fn each_fill_of_an_open_order_is_its_own_state_and_differs_from_the_terminal_one() {
        let keys: std::collections::HashSet<String> = [
            entry("OPEN", json!(4)),
            entry("OPEN", json!(5)),
            entry("COMPLETE", json!(10)),
            entry("CANCELLED", json!(4)),
            entry("REJECTED", json!(0)),
        ]
        .into_iter()
        .map(|e| state(e).unwrap().key_hex())
        .collect();
        assert_eq!(keys.len(), 5);
    }

    #[test]
    fn states_no_record_can_prove_have_no_identity() {
        let none = [
            entry("OPEN", json!(0)),
            entry("UPDATE", json!(0)),
            entry("TRIGGER PENDING", json!(0)),
            entry("AMO REQ RECEIVED", json!(0)),
            entry("MODIFIED", json!(2)),
            entry("OPEN", json!("4")),
            entry("OPEN", Value::Null),
            json!({"status": "COMPLETE", "filled_quantity": 1}),
            json!({"order_id": "  ", "status": "COMPLETE"}),
            json!({"order_id": 261120000112233u64, "status": "COMPLETE"}),
            json!({"order_id": "261120000112233"}),
        ];
        for entry in none {
            assert_eq!(state(entry.clone()), None, "{entry}");
        }
    }

    #[test]
    fn a_fractional_or_huge_quantity_is_kept_as_written() {
        let fraction = state(entry("OPEN", json!(2.5))).unwrap();
        assert_eq!(fraction.filled.as_deref(), Some("2.5"));
        let huge = state(entry("OPEN", json!(1e300))).unwrap();
        assert_eq!(huge.filled.as_deref(), Some("1e+300"));
    }
}

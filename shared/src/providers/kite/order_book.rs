//! Reading Kite's order book and an order's history (Kite Connect v3: `GET /orders`,
//! `GET /orders/{order_id}`) into the states a postback should have reported. Pure: the
//! answers' bytes in, states out (`http::kite_api` fetches them).
//!
//! Both answer `{"status": "success", "data": [...]}`: the book one entry per order of the
//! day (its latest state), the history one per state of one order, oldest first. An
//! error is `{"status": "error", "message": …, "error_type": …}`; `TokenException` means
//! the session is no longer valid.

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::order_state::OrderState;
use crate::reconciliation::record::{RecordError, RecordPage, RecordedState};
use crate::text::timestamps::{IST, parse_naive_or_rfc3339};

/// Kite's error type for a session that is no longer valid.
pub const TOKEN_EXCEPTION: &str = "TokenException";

#[derive(Deserialize)]
struct Answer<'a> {
    status: &'a str,
    #[serde(borrow, default)]
    data: Option<Vec<&'a RawValue>>,
    #[serde(default)]
    error_type: Option<String>,
}

/// The book's answer: every order, and the latest state of the recoverable ones.
pub fn read_book(body: &[u8]) -> Result<RecordPage, RecordError> {
    let entries = entries(body)?;
    let orders_read = entries.len();
    let recoverable = entries
        .into_iter()
        .filter_map(|entry| recorded_state(entry).transpose())
        .collect::<Result<Vec<_>, _>>()?;
    Ok(RecordPage {
        orders_read,
        recoverable,
    })
}

/// An order's history: its recoverable states, oldest first, each identity once.
pub fn read_history(body: &[u8]) -> Result<Vec<RecordedState>, RecordError> {
    let mut seen = std::collections::HashSet::new();
    let mut states = Vec::new();
    for entry in entries(body)? {
        if let Some(state) = recorded_state(entry)?
            && seen.insert(state.state_key.clone())
        {
            states.push(state);
        }
    }
    Ok(states)
}

/// Whether an error answer says the session is no longer valid.
pub fn is_token_exception(body: &[u8]) -> bool {
    serde_json::from_slice::<Answer>(body)
        .ok()
        .and_then(|answer| answer.error_type)
        .is_some_and(|error_type| error_type == TOKEN_EXCEPTION)
}

fn entries(body: &[u8]) -> Result<Vec<&RawValue>, RecordError> {
    let answer: Answer = serde_json::from_slice(body)
        .map_err(|_| RecordError::Invalid("not Kite's JSON answer".to_owned()))?;
    if answer.status != "success" {
        return Err(RecordError::Invalid(format!(
            "status {}",
            answer.error_type.as_deref().unwrap_or("error")
        )));
    }
    answer
        .data
        .ok_or_else(|| RecordError::Invalid("no data".to_owned()))
}

/// The state one entry shows, when it is a recoverable one.
fn recorded_state(entry: &RawValue) -> Result<Option<RecordedState>, RecordError> {
    let fields: Map<String, Value> = serde_json::from_str(entry.get())
        .map_err(|_| RecordError::Invalid("an entry is not a JSON object".to_owned()))?;
    let Some(state) = OrderState::of(&fields) else {
        return Ok(None);
    };
    let time = |name: &str| {
        fields
            .get(name)
            .and_then(Value::as_str)
            .and_then(|text| parse_naive_or_rfc3339(text, IST))
    };
    let occurred_at = time("exchange_update_timestamp")
        .or_else(|| time("exchange_timestamp"))
        .or_else(|| time("order_timestamp"));
    let status = fields
        .get("status")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    Ok(Some(RecordedState {
        order_id: state.order_id.clone(),
        state_key: state.key_hex(),
        status,
        occurred_at,
        may_have_earlier_states: state.may_have_earlier_fills(),
        entry: entry.to_owned(),
    }))
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};
    use time::macros::datetime;

    use super::*;

    /// An entry in the shape of Kite's book (kiteconnect-mocks `orders.json`), the fields
    /// the reader looks at and a few it passes through.
    fn entry(id: &str, status: &str, filled: u64, pending: u64, updated: Option<&str>) -> Value {
        json!({"order_id": id, "exchange_order_id": null, "status": status,
               "variety": "regular", "tradingsymbol": "SBIN", "quantity": filled + pending,
               "filled_quantity": filled, "pending_quantity": pending, "cancelled_quantity": 0,
               "average_price": 470.05, "order_timestamp": "2021-05-31 09:18:57",
               "exchange_timestamp": updated, "exchange_update_timestamp": updated})
    }

    fn answer(entries: &[Value]) -> Vec<u8> {
        json!({"status": "success", "data": entries}).to_string().into_bytes()
    }

    #[test]
    fn the_book_gives_the_latest_state_of_each_recoverable_order_with_its_entry_as_received() {
        let book = [
            entry("100000000000000", "CANCELLED", 0, 1, Some("2021-05-31 09:18:58")),
            entry("300000000000000", "COMPLETE", 1, 0, Some("2021-05-31 15:20:28")),
            entry("220524001859672", "REJECTED", 0, 0, None),
            entry("400000000000000", "OPEN", 0, 5, Some("2021-05-31 15:30:00")),
            entry("500000000000000", "OPEN", 2, 3, Some("2021-05-31 15:31:00")),
            entry("600000000000000", "TRIGGER PENDING", 0, 1, None),
        ];
        let page = read_book(&answer(&book)).unwrap();
        assert_eq!(page.orders_read, 6);
        let read: Vec<_> = page
            .recoverable
            .iter()
            .map(|s| (s.order_id.as_str(), s.status.as_str(), s.occurred_at, s.may_have_earlier_states))
            .collect();
        assert_eq!(
            read,
            [
                ("100000000000000", "CANCELLED", Some(datetime!(2021-05-31 03:48:58 UTC)), false),
                ("300000000000000", "COMPLETE", Some(datetime!(2021-05-31 09:50:28 UTC)), true),
                // No exchange time: the order's own.
                ("220524001859672", "REJECTED", Some(datetime!(2021-05-31 03:48:57 UTC)), false),
                ("500000000000000", "OPEN", Some(datetime!(2021-05-31 10:01:00 UTC)), true),
            ]
        );
        let entry: Value = serde_json::from_str(page.recoverable[1].entry.get()).unwrap();
        assert_eq!(entry, book[1]);
    }

    #[test]
    fn a_history_gives_each_recoverable_state_once_oldest_first() {
        let history = [
            entry("500000000000000", "PUT ORDER REQ RECEIVED", 0, 5, None),
            entry("500000000000000", "OPEN", 0, 5, Some("2021-05-31 15:30:00")),
            entry("500000000000000", "OPEN", 2, 3, Some("2021-05-31 15:31:00")),
            entry("500000000000000", "MODIFIED", 2, 3, Some("2021-05-31 15:31:30")),
            entry("500000000000000", "OPEN", 2, 3, Some("2021-05-31 15:31:30")),
            entry("500000000000000", "COMPLETE", 5, 0, Some("2021-05-31 15:32:00")),
        ];
        let states = read_history(&answer(&history)).unwrap();
        let read: Vec<_> = states.iter().map(|s| (s.status.as_str(), s.occurred_at)).collect();
        assert_eq!(
            read,
            [
                ("OPEN", Some(datetime!(2021-05-31 10:01:00 UTC))),
                ("COMPLETE", Some(datetime!(2021-05-31 10:02:00 UTC))),
            ]
        );
    }

    #[test]
    fn an_empty_book_reads_as_no_orders() {
        let page = read_book(&answer(&[])).unwrap();
        assert_eq!((page.orders_read, page.recoverable.len()), (0, 0));
    }

    #[test]
    fn answers_that_are_not_kites_are_invalid_and_a_token_exception_is_told_apart() {
        let token = br#"{"status":"error","message":"Incorrect `api_key` or `access_token`.","data":null,"error_type":"TokenException"}"#;
        assert!(is_token_exception(token));
        assert_eq!(read_book(token).unwrap_err(), RecordError::Invalid("status TokenException".to_owned()));
        let others: [&[u8]; 6] = [
            b"",
            b"<html>502</html>",
            br#"{"status":"error","error_type":"NetworkException"}"#,
            br#"{"status":"success"}"#,
            br#"{"status":"success","data":{"order_id":"1"}}"#,
            br#"{"status":"success","data":[1]}"#,
        ];
        for body in others {
            assert!(!is_token_exception(body));
            assert!(matches!(read_book(body), Err(RecordError::Invalid(_))), "{}", String::from_utf8_lossy(body));
        }
    }
}

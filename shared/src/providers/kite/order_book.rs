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
        may_have_earlier_states: state.filled != "0",
        entry: entry.to_owned(),
    }))
}

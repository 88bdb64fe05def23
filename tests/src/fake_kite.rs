//! A stand-in for Kite Connect's order API on 127.0.0.1, for the reconciler's tests and
//! the local stack: `GET /orders` (the day's order book: each order's latest state) and
//! `GET /orders/{order_id}` (the order's history, oldest first), in Kite's documented
//! answer shape (`{"status": "success", "data": [...]}`; errors as
//! `{"status": "error", "message": …, "error_type": …}`), per session, authenticated by
//! `Authorization: token <api_key>:<access_token>` with `X-Kite-Version: 3`.
//!
//! A session can be made to misbehave as Kite does: answer 403 `TokenException` (expired),
//! 429 a number of times before serving (rate limited), or 503 to everything (down).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How a session's requests are answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    Serving,
    /// 403 `TokenException`: the access token expired.
    Expired,
    /// 429 for the next `n` requests, then serving.
    Throttled(usize),
    /// 503 to everything.
    Down,
}

#[derive(Debug, Default)]
struct Account {
    api_key: String,
    /// Order id → its states, oldest first.
    orders: Vec<(String, Vec<Value>)>,
    behaviour: Option<Behaviour>,
}

#[derive(Debug, Default)]
struct State {
    /// Access token → the account.
    accounts: HashMap<String, Account>,
    /// Every request: path, and whether it carried `X-Kite-Version: 3`.
    requests: Vec<(String, bool)>,
}

/// A running stand-in. Dropped, it stops accepting.
pub struct FakeKite {
    pub url: String,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

impl FakeKite {
    pub async fn start() -> std::io::Result<Self> {
        Self::start_on("127.0.0.1:0").await
    }

    /// On `address` (`127.0.0.1:<port>`).
    pub async fn start_on(address: &str) -> std::io::Result<Self> {
        let listener = TcpListener::bind(address).await?;
        let url = format!("http://{}", listener.local_addr()?);
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let _ = stream.set_nodelay(true);
                tokio::spawn(serve(stream, shared.clone()));
            }
        });
        Ok(FakeKite { url, state, task })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A session: its API key and access token.
    pub fn add_session(&self, api_key: &str, access_token: &str) {
        self.lock().accounts.insert(
            access_token.to_owned(),
            Account {
                api_key: api_key.to_owned(),
                ..Account::default()
            },
        );
    }

    pub fn set_behaviour(&self, access_token: &str, behaviour: Behaviour) {
        if let Some(account) = self.lock().accounts.get_mut(access_token) {
            account.behaviour = Some(behaviour);
        }
    }

    /// Records a new state of an order (an entry as the book shows it): appended to the
    /// order's history, and the order's latest state in the book.
    pub fn push_state(&self, access_token: &str, entry: Value) {
        let mut state = self.lock();
        let Some(account) = state.accounts.get_mut(access_token) else {
            return;
        };
        let order_id = entry["order_id"].as_str().unwrap_or_default().to_owned();
        match account.orders.iter_mut().find(|(id, _)| *id == order_id) {
            Some((_, history)) => history.push(entry),
            None => account.orders.push((order_id, vec![entry])),
        }
    }

    /// Order states held, over every session.
    pub fn state_count(&self) -> usize {
        self.lock()
            .accounts
            .values()
            .flat_map(|account| &account.orders)
            .map(|(_, history)| history.len())
            .sum()
    }

    /// Every request so far: its path, and whether it said `X-Kite-Version: 3`.
    pub fn requests(&self) -> Vec<(String, bool)> {
        self.lock().requests.clone()
    }
}

impl Drop for FakeKite {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// An order-book entry as Kite shows it (what `push_state` takes).
pub fn order_entry(
    order_id: &str,
    status: &str,
    quantity: u64,
    filled: u64,
    cancelled: u64,
    exchange_update_timestamp: &str,
) -> Value {
    json!({
        "placed_by": "AB1234", "order_id": order_id, "exchange_order_id": format!("11{order_id}"),
        "parent_order_id": null, "status": status, "status_message": null, "status_message_raw": null,
        "order_timestamp": "2026-11-20 09:15:02", "exchange_update_timestamp": exchange_update_timestamp,
        "exchange_timestamp": "2026-11-20 09:15:02", "variety": "regular", "modified": false,
        "exchange": "NSE", "tradingsymbol": "INFY", "instrument_token": 408065, "order_type": "LIMIT",
        "transaction_type": "BUY", "validity": "DAY", "product": "CNC", "quantity": quantity,
        "disclosed_quantity": 0, "price": 1480.5, "trigger_price": 0,
        "average_price": if filled > 0 { json!(1480.5) } else { json!(0) },
        "filled_quantity": filled, "pending_quantity": quantity - filled - cancelled,
        "cancelled_quantity": cancelled, "market_protection": 0, "meta": {}, "tag": "local",
        "guid": "local-guid"
    })
}

async fn serve(mut stream: TcpStream, state: Arc<Mutex<State>>) {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let end = loop {
            if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break end;
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
        buffer.drain(..end + 4);
        let (status, body) = answer(&head, &state);
        let text = body.to_string();
        let response = format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{text}",
            text.len()
        );
        if stream.write_all(response.as_bytes()).await.is_err() {
            return;
        }
    }
}

fn error(message: &str, error_type: &str) -> Value {
    json!({"status": "error", "message": message, "data": null, "error_type": error_type})
}

fn answer(head: &str, state: &Mutex<State>) -> (&'static str, Value) {
    let mut lines = head.lines();
    let request_line = lines.next().unwrap_or_default();
    let path = request_line
        .split(' ')
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    let header = |name: &str| {
        head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then(|| value.trim().to_owned())
        })
    };
    let versioned = header("x-kite-version").as_deref() == Some("3");
    let mut state = state.lock().unwrap_or_else(|p| p.into_inner());
    state.requests.push((path.clone(), versioned));
    let credentials = header("authorization")
        .and_then(|value| value.strip_prefix("token ").map(str::to_owned))
        .and_then(|pair| {
            let (key, token) = pair.split_once(':')?;
            Some((key.to_owned(), token.to_owned()))
        });
    let Some(account) = credentials.and_then(|(key, token)| {
        state
            .accounts
            .get_mut(&token)
            .filter(|account| account.api_key == key)
    }) else {
        return (
            "403 Forbidden",
            error("Incorrect `api_key` or `access_token`.", "TokenException"),
        );
    };
    match account.behaviour {
        Some(Behaviour::Expired) => {
            return (
                "403 Forbidden",
                error("Token is invalid or has expired.", "TokenException"),
            );
        }
        Some(Behaviour::Down) => {
            return (
                "503 Service Unavailable",
                error("Service unavailable", "NetworkException"),
            );
        }
        Some(Behaviour::Throttled(left)) if left > 0 => {
            account.behaviour = Some(Behaviour::Throttled(left - 1));
            return (
                "429 Too Many Requests",
                error("Too many requests", "NetworkException"),
            );
        }
        _ => {}
    }
    if !versioned {
        return (
            "400 Bad Request",
            error("X-Kite-Version missing", "InputException"),
        );
    }
    if path == "/orders" {
        let book: Vec<Value> = account
            .orders
            .iter()
            .filter_map(|(_, history)| history.last().cloned())
            .collect();
        return ("200 OK", json!({"status": "success", "data": book}));
    }
    if let Some(order_id) = path.strip_prefix("/orders/")
        && let Some((_, history)) = account.orders.iter().find(|(id, _)| id == order_id)
    {
        return ("200 OK", json!({"status": "success", "data": history}));
    }
    ("404 Not Found", error("Not found", "GeneralException"))
}

//! A TCP proxy in front of the emulator that makes AWS calls fail part of the time.
//!
//! moto server closes the connection after every response, so the SDK opens one
//! connection per call and a per-connection fault is a per-call fault. Faults:
//! - refused: the connection is closed before the request is read (the call never ran);
//! - lost response: the request reaches the emulator (the call ran) but the response is
//!   dropped — the hard case for idempotency, since the SDK retries a call that succeeded;
//! - delay: the response is held back before it is relayed;
//! - reset: the connection is reset (TCP RST), half of the time before the request is
//!   relayed (the call never ran), half after the emulator answered (it ran);
//! - paused: every connection is refused (the emulator is "down"); [`FaultProxy::outage`]
//!   pauses for a while.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Longest wait for the emulator's whole answer (far above any SDK attempt timeout).
const UPSTREAM_LIMIT: Duration = Duration::from_secs(15);

/// Fault rates in percent, and the delay.
#[derive(Debug, Clone, Copy, Default)]
pub struct Faults {
    pub refuse_percent: u32,
    pub lose_response_percent: u32,
    pub delay_percent: u32,
    pub delay: Duration,
    pub reset_percent: u32,
}

#[derive(Debug, Default)]
pub struct FaultCounts {
    pub connections: AtomicU64,
    pub refused: AtomicU64,
    pub lost_responses: AtomicU64,
    pub delayed: AtomicU64,
    pub resets: AtomicU64,
    pub active: AtomicU64,
}

struct State {
    upstream: String,
    refuse: AtomicU32,
    lose: AtomicU32,
    delay_percent: AtomicU32,
    delay_ms: AtomicU64,
    reset: AtomicU32,
    paused: AtomicBool,
    seed: AtomicU64,
    counts: FaultCounts,
}

/// A running proxy on 127.0.0.1. Dropped, it stops accepting.
pub struct FaultProxy {
    pub url: String,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

impl FaultProxy {
    /// Starts a proxy to `upstream` (`host:port`) with no faults.
    pub async fn start(upstream: &str) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let state = Arc::new(State {
            upstream: upstream.to_owned(),
            refuse: AtomicU32::new(0),
            lose: AtomicU32::new(0),
            delay_percent: AtomicU32::new(0),
            delay_ms: AtomicU64::new(0),
            reset: AtomicU32::new(0),
            paused: AtomicBool::new(false),
            seed: AtomicU64::new(0x9E37_79B9_7F4A_7C15),
            counts: FaultCounts::default(),
        });
        let accept_state = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let state = accept_state.clone();
                tokio::spawn(async move { relay(client, state).await });
            }
        });
        Ok(FaultProxy { url, state, task })
    }

    pub fn set_faults(&self, faults: Faults) {
        self.state
            .refuse
            .store(faults.refuse_percent, Ordering::SeqCst);
        self.state
            .lose
            .store(faults.lose_response_percent, Ordering::SeqCst);
        self.state
            .delay_percent
            .store(faults.delay_percent, Ordering::SeqCst);
        self.state
            .delay_ms
            .store(faults.delay.as_millis() as u64, Ordering::SeqCst);
        self.state
            .reset
            .store(faults.reset_percent, Ordering::SeqCst);
    }

    /// Refuses every new connection while paused.
    pub fn set_paused(&self, paused: bool) {
        self.state.paused.store(paused, Ordering::SeqCst);
    }

    /// Refuses every connection for `length` from now (in the background).
    pub fn outage(&self, length: Duration) -> tokio::task::JoinHandle<()> {
        self.set_paused(true);
        let state = self.state.clone();
        tokio::spawn(async move {
            tokio::time::sleep(length).await;
            state.paused.store(false, Ordering::SeqCst);
        })
    }

    /// Waits until no relayed connection is open (calls in flight have finished).
    pub async fn wait_idle(&self) {
        while self.state.counts.active.load(Ordering::SeqCst) > 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub fn counts(&self) -> &FaultCounts {
        &self.state.counts
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// xorshift64*: deterministic, good enough to pick a share of connections.
fn roll(state: &State) -> u32 {
    let mut x = state.seed.load(Ordering::SeqCst);
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    state.seed.store(x, Ordering::SeqCst);
    (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as u32 % 100
}

async fn relay(client: TcpStream, state: Arc<State>) {
    state.counts.connections.fetch_add(1, Ordering::SeqCst);
    // Counted active before the pause is checked: `wait_idle` after `set_paused(true)`
    // either waits for this connection or this connection sees the pause.
    state.counts.active.fetch_add(1, Ordering::SeqCst);
    relay_counted(client, &state).await;
    state.counts.active.fetch_sub(1, Ordering::SeqCst);
}

async fn relay_counted(mut client: TcpStream, state: &State) {
    if state.paused.load(Ordering::SeqCst) || roll(state) < state.refuse.load(Ordering::SeqCst) {
        state.counts.refused.fetch_add(1, Ordering::SeqCst);
        return; // dropping the stream closes it unanswered
    }
    let lose = roll(state) < state.lose.load(Ordering::SeqCst);
    let delay = roll(state) < state.delay_percent.load(Ordering::SeqCst);
    let reset = roll(state) < state.reset.load(Ordering::SeqCst);
    let reset_after_call = roll(state) < 50;
    if reset && !reset_after_call {
        state.counts.resets.fetch_add(1, Ordering::SeqCst);
        reset_connection(client);
        return;
    }
    let _ = client.set_nodelay(true);
    if let Ok(mut upstream) = TcpStream::connect(&state.upstream).await {
        let _ = upstream.set_nodelay(true);
        let (mut client_read, mut client_write) = client.split();
        let (mut upstream_read, mut upstream_write) = upstream.split();
        // A client that gives up mid-request must not leave the emulator waiting for the
        // rest of it (and the connection open forever): pass its end of stream on.
        let upload = async {
            let _ = tokio::io::copy(&mut client_read, &mut upstream_write).await;
            let _ = upstream_write.shutdown().await;
        };
        let download = async {
            // Read the whole response (moto closes after it) before deciding its fate; an
            // emulator that never finishes counts as a lost response.
            let mut response = Vec::new();
            let read = upstream_read.read_to_end(&mut response);
            if tokio::time::timeout(UPSTREAM_LIMIT, read).await.is_err() {
                state.counts.lost_responses.fetch_add(1, Ordering::SeqCst);
                return false;
            }
            if reset {
                return true;
            }
            if lose {
                state.counts.lost_responses.fetch_add(1, Ordering::SeqCst);
                return false;
            }
            if delay {
                state.counts.delayed.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(state.delay_ms.load(Ordering::SeqCst)))
                    .await;
            }
            let _ = client_write.write_all(&response).await;
            let _ = client_write.shutdown().await;
            false
        };
        let reset_now = tokio::select! {
            reset_now = download => reset_now,
            _ = async { upload.await; std::future::pending::<()>().await } => false,
        };
        if reset_now {
            state.counts.resets.fetch_add(1, Ordering::SeqCst);
            reset_connection(client);
        }
    }
}

/// Closes with RST instead of FIN: the client sees "connection reset by peer".
fn reset_connection(client: TcpStream) {
    let _ = client.set_zero_linger();
    drop(client);
}

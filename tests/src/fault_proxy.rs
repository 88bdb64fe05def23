//! A TCP proxy in front of the emulator that makes AWS calls fail part of the time.
//!
//! moto server closes the connection after every response, so the SDK opens one
//! connection per call and a per-connection fault is a per-call fault. Faults:
//! - refused: the connection is closed before the request is read (the call never ran);
//! - lost response: the request reaches the emulator (the call ran) but the response is
//!   dropped — the hard case for idempotency, since the SDK retries a call that succeeded;
//! - delay: the response is held back before it is relayed;
//! - paused: every connection is refused (the emulator is "down").

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Fault rates in percent, and the delay.
#[derive(Debug, Clone, Copy, Default)]
pub struct Faults {
    pub refuse_percent: u32,
    pub lose_response_percent: u32,
    pub delay_percent: u32,
    pub delay: Duration,
}

#[derive(Debug, Default)]
pub struct FaultCounts {
    pub connections: AtomicU64,
    pub refused: AtomicU64,
    pub lost_responses: AtomicU64,
    pub delayed: AtomicU64,
    pub active: AtomicU64,
}

struct State {
    upstream: String,
    refuse: AtomicU32,
    lose: AtomicU32,
    delay_percent: AtomicU32,
    delay_ms: AtomicU64,
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
    }

    /// Refuses every new connection while paused.
    pub fn set_paused(&self, paused: bool) {
        self.state.paused.store(paused, Ordering::SeqCst);
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

async fn relay(mut client: TcpStream, state: Arc<State>) {
    state.counts.connections.fetch_add(1, Ordering::SeqCst);
    if state.paused.load(Ordering::SeqCst) || roll(&state) < state.refuse.load(Ordering::SeqCst) {
        state.counts.refused.fetch_add(1, Ordering::SeqCst);
        return; // dropping the stream closes it unanswered
    }
    let lose = roll(&state) < state.lose.load(Ordering::SeqCst);
    let delay = roll(&state) < state.delay_percent.load(Ordering::SeqCst);
    state.counts.active.fetch_add(1, Ordering::SeqCst);
    let _ = client.set_nodelay(true);
    if let Ok(mut upstream) = TcpStream::connect(&state.upstream).await {
        let _ = upstream.set_nodelay(true);
        let (mut client_read, mut client_write) = client.split();
        let (mut upstream_read, mut upstream_write) = upstream.split();
        let upload = tokio::io::copy(&mut client_read, &mut upstream_write);
        let download = async {
            // Read the whole response (moto closes after it) before deciding its fate.
            let mut response = Vec::new();
            let _ = upstream_read.read_to_end(&mut response).await;
            if lose {
                state.counts.lost_responses.fetch_add(1, Ordering::SeqCst);
                return;
            }
            if delay {
                state.counts.delayed.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(state.delay_ms.load(Ordering::SeqCst)))
                    .await;
            }
            let _ = client_write.write_all(&response).await;
            let _ = client_write.shutdown().await;
        };
        tokio::select! {
            _ = download => {}
            _ = async { let _ = upload.await; std::future::pending::<()>().await } => {}
        }
    }
    state.counts.active.fetch_sub(1, Ordering::SeqCst);
}

//! A minimal Lambda Runtime API on loopback, to measure a function binary's cold start
//! (exec → first `/invocation/next` poll), per-invocation latency and peak memory
//! without AWS. It sets TCP_NODELAY: without it every invocation gains ~40 ms of Nagle delay.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Mutex, mpsc};

/// What the function did, as the fake API saw it.
#[derive(Debug)]
pub enum RuntimeEvent {
    /// First GET /invocation/next.
    FirstPoll(Instant),
    /// POST /invocation/<id>/response or /error, with the body.
    Response {
        request_id: String,
        at: Instant,
        body: Vec<u8>,
        error: bool,
    },
    /// POST /init/error.
    InitError(Vec<u8>),
}

struct Shared {
    /// Invocation payloads still to hand out.
    pending: Mutex<mpsc::Receiver<(String, Vec<u8>)>>,
    events: mpsc::UnboundedSender<RuntimeEvent>,
    polled: Mutex<bool>,
}

/// A running fake API. Queue invocations with `invoke`, read what happened from `events`.
pub struct FakeRuntimeApi {
    pub address: String,
    invocations: mpsc::Sender<(String, Vec<u8>)>,
    pub events: mpsc::UnboundedReceiver<RuntimeEvent>,
    task: tokio::task::JoinHandle<()>,
}

impl FakeRuntimeApi {
    pub async fn start() -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?.to_string();
        let (invocations, pending) = mpsc::channel(1024);
        let (events_tx, events) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            pending: Mutex::new(pending),
            events: events_tx,
            polled: Mutex::new(false),
        });
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let _ = stream.set_nodelay(true);
                tokio::spawn(serve(stream, shared.clone()));
            }
        });
        Ok(FakeRuntimeApi {
            address,
            invocations,
            events,
            task,
        })
    }

    /// Queues one invocation with this request id and event payload.
    pub async fn invoke(&self, request_id: &str, payload: Vec<u8>) {
        let _ = self
            .invocations
            .send((request_id.to_owned(), payload))
            .await;
    }
}

impl Drop for FakeRuntimeApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct Request {
    method: String,
    path: String,
    body: Vec<u8>,
}

async fn read_request(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<Request> {
    loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
            let mut lines = head.lines();
            let mut first = lines.next()?.split_whitespace();
            let method = first.next()?.to_owned();
            let path = first.next()?.to_owned();
            let length: usize = lines
                .filter_map(|l| l.split_once(':'))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
                .and_then(|(_, v)| v.trim().parse().ok())
                .unwrap_or(0);
            while buffer.len() < end + 4 + length {
                let mut chunk = [0u8; 8192];
                let n = stream.read(&mut chunk).await.ok()?;
                if n == 0 {
                    return None;
                }
                buffer.extend_from_slice(&chunk[..n]);
            }
            let body = buffer[end + 4..end + 4 + length].to_vec();
            buffer.drain(..end + 4 + length);
            return Some(Request { method, path, body });
        }
        let mut chunk = [0u8; 8192];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
}

async fn serve(mut stream: TcpStream, shared: Arc<Shared>) {
    let mut buffer = Vec::new();
    while let Some(request) = read_request(&mut stream, &mut buffer).await {
        let now = Instant::now();
        if request.method == "GET" && request.path.ends_with("/runtime/invocation/next") {
            {
                let mut polled = shared.polled.lock().await;
                if !*polled {
                    *polled = true;
                    let _ = shared.events.send(RuntimeEvent::FirstPoll(now));
                }
            }
            let next = shared.pending.lock().await.recv().await;
            let Some((request_id, payload)) = next else {
                return;
            };
            let deadline = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or(Duration::ZERO)
                + Duration::from_secs(30);
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nlambda-runtime-aws-request-id: {request_id}\r\n\
                 lambda-runtime-deadline-ms: {}\r\nlambda-runtime-invoked-function-arn: arn:aws:lambda:us-east-1:123456789012:function:bench\r\n\
                 lambda-runtime-trace-id: Root=1-00000000-000000000000000000000000;Sampled=0\r\ncontent-length: {}\r\n\r\n",
                deadline.as_millis(),
                payload.len()
            );
            if stream.write_all(head.as_bytes()).await.is_err()
                || stream.write_all(&payload).await.is_err()
            {
                return;
            }
        } else {
            let event = if request.path.contains("/init/error") {
                RuntimeEvent::InitError(request.body)
            } else {
                let request_id = request
                    .path
                    .split('/')
                    .nth(4)
                    .unwrap_or_default()
                    .to_owned();
                RuntimeEvent::Response {
                    request_id,
                    at: now,
                    body: request.body,
                    error: request.path.ends_with("/error"),
                }
            };
            let _ = shared.events.send(event);
            if stream
                .write_all(b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n")
                .await
                .is_err()
            {
                return;
            }
        }
    }
}

//! A stand-in for SQS's character rule, as an HTTP proxy in front of the emulator.
//!
//! Real SQS refuses a message body or string attribute value holding a character outside
//! `#x9 | #xA | #xD | #x20–#xD7FF | #xE000–#xFFFD | #x10000–#x10FFFF`, and an empty
//! attribute value; moto accepts both. The SDK speaks SQS's JSON protocol
//! (`x-amz-target: AmazonSQS.SendMessage`, `application/x-amz-json-1.0`), so the proxy
//! reads each request's JSON and answers as SQS does: SendMessage gets a 400
//! `InvalidMessageContents` (or `InvalidParameterValue` for an empty attribute) and reaches
//! nothing; in a SendMessageBatch only the offending entries fail (listed in `Failed`,
//! sender's fault) and the others go on to the emulator. Everything else is relayed as is.
//!
//! The size rule too: a message over 1 MiB (body and attributes) is refused the same
//! way, which moto does not do either.
//!
//! The character rule is written out here from SQS's documentation, independently of
//! `brokerhooks::text::sqs_text`, so the two check each other.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What SQS's documentation lists as allowed.
pub fn sqs_allows(c: char) -> bool {
    let c = u32::from(c);
    c == 0x9
        || c == 0xA
        || c == 0xD
        || (0x20..=0xD7FF).contains(&c)
        || (0xE000..=0xFFFD).contains(&c)
        || (0x10000..=0x10FFFF).contains(&c)
}

#[derive(Debug, Default)]
pub struct GuardCounts {
    /// SendMessage requests answered with an error.
    pub refused_requests: AtomicU64,
    /// SendMessageBatch entries answered as failed.
    pub refused_entries: AtomicU64,
    /// Messages (single or batch entries) passed on to the emulator.
    pub passed_messages: AtomicU64,
    /// SendMessageBatch requests seen.
    pub batch_requests: AtomicU64,
}

/// A running guard on 127.0.0.1. Dropped, it stops accepting.
pub struct SqsCharacterGuard {
    pub url: String,
    counts: Arc<GuardCounts>,
    task: tokio::task::JoinHandle<()>,
}

impl SqsCharacterGuard {
    /// Starts a guard in front of `upstream` (`host:port`).
    pub async fn start(upstream: &str) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let counts = Arc::new(GuardCounts::default());
        let upstream = upstream.to_owned();
        let task_counts = counts.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (upstream, counts) = (upstream.clone(), task_counts.clone());
                tokio::spawn(async move {
                    let _ = serve(client, &upstream, &counts).await;
                });
            }
        });
        Ok(SqsCharacterGuard { url, counts, task })
    }

    pub fn counts(&self) -> &GuardCounts {
        &self.counts
    }
}

impl Drop for SqsCharacterGuard {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// SQS's limit on one message: the body plus each attribute's name, data type and value.
pub const SQS_MAX_MESSAGE_BYTES: usize = 1_048_576;

/// A message's size as SQS counts it against [`SQS_MAX_MESSAGE_BYTES`].
pub fn sqs_message_bytes(message: &Value) -> usize {
    let body = message
        .get("MessageBody")
        .and_then(Value::as_str)
        .map_or(0, str::len);
    let attributes = message.get("MessageAttributes").and_then(Value::as_object);
    body + attributes
        .into_iter()
        .flatten()
        .map(|(name, attribute)| {
            let text = |key: &str| {
                attribute
                    .get(key)
                    .and_then(Value::as_str)
                    .map_or(0, str::len)
            };
            name.len() + text("DataType") + text("StringValue")
        })
        .sum::<usize>()
}

/// Why SQS would refuse a message: its error code and message, or `None`.
fn refusal(message: &Value) -> Option<(&'static str, String)> {
    let body = message.get("MessageBody").and_then(Value::as_str)?;
    let size = sqs_message_bytes(message);
    if size > SQS_MAX_MESSAGE_BYTES {
        return Some((
            "InvalidParameterValue",
            format!(
                "One or more parameters are invalid. Reason: Message must be shorter than {SQS_MAX_MESSAGE_BYTES} bytes."
            ),
        ));
    }
    if let Some(bad) = body.chars().find(|&c| !sqs_allows(c)) {
        return Some((
            "InvalidMessageContents",
            format!(
                "Invalid binary character '#x{:X}' was found in the message body, the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF",
                u32::from(bad)
            ),
        ));
    }
    let attributes = message.get("MessageAttributes").and_then(Value::as_object);
    for (name, attribute) in attributes.into_iter().flatten() {
        let Some(value) = attribute.get("StringValue").and_then(Value::as_str) else {
            continue;
        };
        if value.is_empty() {
            return Some((
                "InvalidParameterValue",
                format!(
                    "Message (user) attribute '{name}' must contain a non-empty value of type 'String'."
                ),
            ));
        }
        if let Some(bad) = value.chars().find(|&c| !sqs_allows(c)) {
            return Some((
                "InvalidMessageContents",
                format!(
                    "Invalid binary character '#x{:X}' was found in the message attribute '{name}'",
                    u32::from(bad)
                ),
            ));
        }
    }
    None
}

struct HttpRequest {
    head: String,
    body: Vec<u8>,
}

impl HttpRequest {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }

    /// The request with another body (and its length).
    fn with_body(&self, body: Vec<u8>) -> Vec<u8> {
        let mut bytes: Vec<u8> = self
            .head
            .split("\r\n")
            .filter(|line| {
                !line
                    .split_once(':')
                    .is_some_and(|(key, _)| key.trim().eq_ignore_ascii_case("content-length"))
            })
            .flat_map(|line| [line, "\r\n"])
            .collect::<String>()
            .into_bytes();
        bytes.extend_from_slice(format!("content-length: {}\r\n\r\n", body.len()).as_bytes());
        bytes.extend_from_slice(&body);
        bytes
    }

    fn bytes(&self) -> Vec<u8> {
        let mut bytes = format!("{}\r\n\r\n", self.head).into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

async fn read_request(client: &mut TcpStream) -> std::io::Result<Option<HttpRequest>> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    let end = loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
    let mut request = HttpRequest {
        head,
        body: buffer[end + 4..].to_vec(),
    };
    let length: usize = request
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while request.body.len() < length {
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        request.body.extend_from_slice(&chunk[..n]);
    }
    Ok(Some(request))
}

/// Relays `request` to the emulator and returns its whole answer (moto closes after it).
async fn relay(upstream: &str, request: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut connection = TcpStream::connect(upstream).await?;
    connection.write_all(request).await?;
    let mut response = Vec::new();
    connection.read_to_end(&mut response).await?;
    Ok(response)
}

fn http_response(status: &str, extra_headers: &str, body: &[u8]) -> Vec<u8> {
    let mut bytes = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/x-amz-json-1.0\r\n{extra_headers}content-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

async fn serve(mut client: TcpStream, upstream: &str, counts: &GuardCounts) -> std::io::Result<()> {
    let Some(request) = read_request(&mut client).await? else {
        return Ok(());
    };
    let target = request
        .header("x-amz-target")
        .unwrap_or_default()
        .to_owned();
    let parsed: Option<Value> = serde_json::from_slice(&request.body).ok();
    let response = match (target.as_str(), parsed) {
        ("AmazonSQS.SendMessage", Some(message)) => match refusal(&message) {
            Some((code, text)) => {
                counts.refused_requests.fetch_add(1, Ordering::SeqCst);
                let body = json!({"__type": format!("com.amazonaws.sqs#{code}"), "message": text});
                http_response(
                    "400 Bad Request",
                    &format!("x-amzn-query-error: {code};Sender\r\n"),
                    body.to_string().as_bytes(),
                )
            }
            None => {
                counts.passed_messages.fetch_add(1, Ordering::SeqCst);
                relay(upstream, &request.bytes()).await?
            }
        },
        ("AmazonSQS.SendMessageBatch", Some(mut batch)) => {
            counts.batch_requests.fetch_add(1, Ordering::SeqCst);
            send_batch(&request, &mut batch, upstream, counts).await?
        }
        _ => relay(upstream, &request.bytes()).await?,
    };
    client.write_all(&response).await?;
    client.shutdown().await
}

/// Passes the acceptable entries on and reports the others as SQS does, per entry.
async fn send_batch(
    request: &HttpRequest,
    batch: &mut Value,
    upstream: &str,
    counts: &GuardCounts,
) -> std::io::Result<Vec<u8>> {
    let entries = batch
        .get_mut("Entries")
        .and_then(Value::as_array_mut)
        .map(std::mem::take)
        .unwrap_or_default();
    let mut failed = Vec::new();
    let mut passed = Vec::new();
    for entry in entries {
        match refusal(&entry) {
            Some((code, text)) => failed.push(json!({
                "Id": entry.get("Id").cloned().unwrap_or(Value::Null),
                "SenderFault": true,
                "Code": code,
                "Message": text,
            })),
            None => passed.push(entry),
        }
    }
    counts
        .refused_entries
        .fetch_add(failed.len() as u64, Ordering::SeqCst);
    counts
        .passed_messages
        .fetch_add(passed.len() as u64, Ordering::SeqCst);
    if failed.is_empty() {
        return relay(upstream, &request.bytes()).await;
    }
    let mut answer = json!({"Successful": [], "Failed": []});
    if !passed.is_empty() {
        batch["Entries"] = Value::Array(passed);
        let response = relay(upstream, &request.with_body(batch.to_string().into_bytes())).await?;
        let body_start = response
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map_or(response.len(), |end| end + 4);
        let status_ok =
            response.starts_with(b"HTTP/1.1 200") || response.starts_with(b"HTTP/1.0 200");
        if !status_ok {
            return Ok(response);
        }
        answer = serde_json::from_slice(&response[body_start..])
            .map_err(|e| std::io::Error::other(e.to_string()))?;
    }
    match answer.get_mut("Failed").and_then(Value::as_array_mut) {
        Some(list) => list.extend(failed),
        None => answer["Failed"] = Value::Array(failed),
    }
    Ok(http_response("200 OK", "", answer.to_string().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_ranges() {
        for c in [
            '\u{9}',
            '\u{A}',
            '\u{D}',
            ' ',
            '\u{D7FF}',
            '\u{E000}',
            '\u{FFFD}',
            '\u{10000}',
            '\u{10FFFF}',
        ] {
            assert!(sqs_allows(c), "{:X}", u32::from(c));
        }
        for c in ['\u{0}', '\u{8}', '\u{B}', '\u{1F}', '\u{FFFE}', '\u{FFFF}'] {
            assert!(!sqs_allows(c), "{:X}", u32::from(c));
        }
    }

    #[test]
    fn refusals_name_the_code() {
        let ok = json!({"MessageBody": "{\"a\":\"\\uFFFF\"}", "MessageAttributes": {"type": {"DataType": "String", "StringValue": "X"}}});
        assert_eq!(refusal(&ok), None);
        let raw = json!({"MessageBody": "a\u{FFFF}"});
        assert_eq!(refusal(&raw).unwrap().0, "InvalidMessageContents");
        let attribute = json!({"MessageBody": "a", "MessageAttributes": {"type": {"DataType": "String", "StringValue": "\u{FFFE}"}}});
        assert_eq!(refusal(&attribute).unwrap().0, "InvalidMessageContents");
        let empty = json!({"MessageBody": "a", "MessageAttributes": {"type": {"DataType": "String", "StringValue": ""}}});
        assert_eq!(refusal(&empty).unwrap().0, "InvalidParameterValue");
    }
}

//! The local stack's helper:
//!
//! - `local-stack create <emulator-url> <env-file> [<kite-api-url>]`: creates the table,
//!   the FIFO queue with its dead-letter queue and redrive policy, the example consumer's
//!   table and the Kite reconciler's sessions table (with the local book's session) in
//!   the emulator, and writes the functions' environment (local secrets included; the
//!   reconciler's Kite API URL when given).
//! - `local-stack fake-kite <address> [<book-file>]`: serves a stand-in for Kite's order
//!   API on `<address>` with the book (default `reconcilers/kite/local-order-book.json`)
//!   until stopped.
//! - `local-stack replay <watch-url> [function…]`: POSTs every `events/<function>/*.json`
//!   to the served functions (`generic`'s to their sources' paths) and prints each answer.
//! - `local-stack drain <emulator-url> <queue-url>`: prints and deletes what reached the queue.
//! - `local-stack consume <emulator-url> <queue-url> <watch-url> [--follow]`: feeds the
//!   queue to the example consumer served by `cargo lambda watch`, as Lambda's event
//!   source mapping would, and prints what it handled: until the queue is idle (failed
//!   records waited for until they are handled or in the dead-letter queue), or batch
//!   by batch forever with `--follow`.

use std::fmt::Write as _;
use std::process::ExitCode;

use brokerhooks::providers::Receiver;
use brokerhooks_testkit::emulator::Emulator;
use brokerhooks_testkit::event_source_mapping::{Batch, LocalEventSourceMapping, WatchFunction};
use brokerhooks_testkit::fake_kite::FakeKite;
use brokerhooks_testkit::local_secrets::{LocalSecrets, env_file_line, repo_root};
use brokerhooks_testkit::local_stack::{
    EXAMPLE_CONSUMER, LOCAL_CONSUMER_TABLE, LOCAL_MAX_RECEIVE_COUNT, LOCAL_ORDER_BOOK, LOCAL_QUEUE,
    LOCAL_SESSIONS_TABLE, LOCAL_TABLE,
};
use brokerhooks_testkit::replay;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["create", emulator, env_file] => create(emulator, env_file, None).await,
        ["create", emulator, env_file, kite_api] => {
            create(emulator, env_file, Some(kite_api)).await
        }
        ["fake-kite", address] => fake_kite(address, LOCAL_ORDER_BOOK).await,
        ["fake-kite", address, book] => fake_kite(address, book).await,
        ["replay", base, providers @ ..] => replay_all(base, providers).await,
        ["drain", emulator, queue_url] => drain(emulator, queue_url).await,
        ["consume", emulator, queue_url, watch] => consume(emulator, queue_url, watch, false).await,
        ["consume", emulator, queue_url, watch, "--follow"] => {
            consume(emulator, queue_url, watch, true).await
        }
        _ => Err("usage: local-stack create <emulator-url> <env-file> [<kite-api-url>] | fake-kite <address> [<book-file>] | replay <watch-url> [provider…] | drain <emulator-url> <queue-url> | consume <emulator-url> <queue-url> <watch-url> [--follow]".to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("local-stack: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn create(endpoint: &str, env_file: &str, kite_api: Option<&str>) -> Result<(), String> {
    let emulator = Emulator::connect(endpoint).await;
    emulator.create_table(LOCAL_TABLE).await?;
    emulator.create_table(LOCAL_CONSUMER_TABLE).await?;
    emulator.create_sessions_table(LOCAL_SESSIONS_TABLE).await?;
    let book = LocalBook::read(&repo_root().join(LOCAL_ORDER_BOOK).to_string_lossy())?;
    // Valid for a day from now, as a session the login flow wrote this morning.
    let expires_at = time::OffsetDateTime::now_utc().unix_timestamp() + 86_400;
    emulator
        .put_session(LOCAL_SESSIONS_TABLE, &book.session(expires_at))
        .await?;
    // Dead-letter queue and redrive policy as the template's defaults; SQS's default
    // visibility timeout (30 s), as the template leaves it.
    let (queue_url, dead_letter_url) = emulator
        .create_queue_with_dead_letter_queue(LOCAL_QUEUE, LOCAL_MAX_RECEIVE_COUNT, None)
        .await?;
    let secrets =
        LocalSecrets::load_default().map_err(|e| format!("events/<function>/local.env: {e}"))?;
    let mut env = String::new();
    for (name, value) in [
        ("EVENTS_TABLE", LOCAL_TABLE),
        ("EVENTS_QUEUE_URL", queue_url.as_str()),
        // The example consumer: idempotency on.
        ("CONSUMER_TABLE", LOCAL_CONSUMER_TABLE),
        ("AWS_ENDPOINT_URL", endpoint),
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_REGION", "us-east-1"),
        // Sample events carry fixed dates: the age check is off locally, never when deployed.
        ("MAX_EVENT_AGE_SECONDS", "0"),
        ("BROKERHOOKS_METRICS_OFF", "1"),
        // The Kite reconciler (`make reconcile`).
        ("RECONCILE_SESSIONS_TABLE", LOCAL_SESSIONS_TABLE),
    ] {
        let _ = writeln!(env, "{name}={value}");
    }
    if let Some(url) = kite_api {
        let _ = writeln!(env, "KITE_API_URL={url}");
    }
    let mut local: Vec<_> = secrets.iter().collect();
    local.sort();
    for (name, value) in local {
        let _ = writeln!(env, "{}", env_file_line(name, value));
    }
    std::fs::write(env_file, env).map_err(|e| format!("{env_file}: {e}"))?;
    println!(
        "table {LOCAL_TABLE}, queue {queue_url}, dead-letter queue {dead_letter_url}, consumer table {LOCAL_CONSUMER_TABLE}"
    );
    Ok(())
}

/// The local order book: one session and every state of its orders, oldest first.
struct LocalBook {
    user_id: String,
    api_key: String,
    access_token: String,
    states: Vec<serde_json::Value>,
}

impl LocalBook {
    fn read(path: &str) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
        let book: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))?;
        let text_of = |name: &str| {
            book["session"][name]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("{path}: session.{name} missing"))
        };
        Ok(LocalBook {
            user_id: text_of("user_id")?,
            api_key: text_of("api_key")?,
            access_token: text_of("access_token")?,
            states: book["states"]
                .as_array()
                .cloned()
                .ok_or_else(|| format!("{path}: states missing"))?,
        })
    }

    fn session(&self, expires_at: i64) -> brokerhooks::reconciliation::Session {
        brokerhooks::reconciliation::Session {
            user_id: self.user_id.clone(),
            api_key: self.api_key.clone(),
            access_token: self.access_token.clone(),
            expires_at,
        }
    }
}

async fn fake_kite(address: &str, book: &str) -> Result<(), String> {
    let book = LocalBook::read(book)?;
    let kite = FakeKite::start_on(address)
        .await
        .map_err(|e| format!("{address}: {e}"))?;
    kite.add_session(&book.api_key, &book.access_token);
    for state in book.states {
        kite.push_state(&book.access_token, state);
    }
    println!(
        "Kite order API stand-in on {} ({} order states)",
        kite.url,
        kite.state_count()
    );
    std::future::pending::<()>().await;
    Ok(())
}

async fn replay_all(base: &str, providers: &[&str]) -> Result<(), String> {
    let client = reqwest::Client::new();
    let events = repo_root().join("events");
    let chosen: Vec<&str> = if providers.is_empty() {
        Receiver::names().collect()
    } else {
        providers.to_vec()
    };
    let mut failures = 0;
    for provider in chosen {
        for path in replay::event_files(&events, provider) {
            let delivery = replay::read_event_file(&path)?;
            let (status, body) = replay::send(&client, base, provider, &delivery).await?;
            let name = path.strip_prefix(&events).unwrap_or(&path).display();
            println!("{status} {name} {body}");
            if status != 200 {
                failures += 1;
            }
        }
    }
    if failures > 0 {
        return Err(format!("{failures} sample events were not accepted"));
    }
    Ok(())
}

async fn drain(endpoint: &str, queue_url: &str) -> Result<(), String> {
    let emulator = Emulator::connect(endpoint).await;
    let messages = emulator.drain(queue_url).await;
    println!("{} messages reached the queue:", messages.len());
    for message in messages {
        let envelope: serde_json::Value =
            serde_json::from_str(&message.body).map_err(|e| e.to_string())?;
        println!(
            "  {} {} subject={} id={} occurred_at={}",
            envelope["provider"].as_str().unwrap_or("?"),
            envelope["type"].as_str().unwrap_or("?"),
            envelope["subject"].as_str().unwrap_or("?"),
            envelope["id"].as_str().unwrap_or("?"),
            envelope["occurred_at"].as_str().unwrap_or("?"),
        );
    }
    Ok(())
}

async fn consume(endpoint: &str, queue_url: &str, watch: &str, follow: bool) -> Result<(), String> {
    let emulator = Emulator::connect(endpoint).await;
    let function = WatchFunction::new(watch, EXAMPLE_CONSUMER);
    let mapping =
        LocalEventSourceMapping::new(emulator.sqs.clone(), queue_url, 10, function).await?;
    let visibility = mapping.visibility_timeout().as_secs();
    if !follow {
        let mut handled = 0;
        for batch in mapping.run_until_idle(1000).await? {
            handled += print_batch(&batch, visibility);
        }
        println!("{handled} records handled by {EXAMPLE_CONSUMER}");
        return Ok(());
    }
    loop {
        match mapping.poll().await? {
            Some(batch) => {
                print_batch(&batch, visibility);
            }
            None => tokio::time::sleep(std::time::Duration::from_millis(500)).await,
        }
    }
}

/// One line per record; returns how many were handled (deleted).
fn print_batch(batch: &Batch, visibility_seconds: u64) -> usize {
    if let Some(error) = &batch.invocation_error {
        println!("  invocation failed, whole batch back after {visibility_seconds} s: {error}");
    }
    for record in &batch.records {
        let field = |name| {
            record
                .envelope_field(name)
                .unwrap_or_else(|| "?".to_owned())
        };
        let outcome = if record.failed {
            let dlq = if record.receive_count >= LOCAL_MAX_RECEIVE_COUNT {
                "dead-letter queue next"
            } else {
                "back after the visibility timeout"
            };
            format!(
                "failed (receive {}/{LOCAL_MAX_RECEIVE_COUNT}, {dlq})",
                record.receive_count
            )
        } else {
            "handled".to_owned()
        };
        let event = match record.envelope_field("id") {
            Some(id) => format!("{} {} id={id}", field("provider"), field("type")),
            None => "(body is not an envelope)".to_owned(),
        };
        println!(
            "  {outcome:<10} {event} group={}",
            record.group_id.as_deref().unwrap_or("-"),
        );
    }
    batch.records.iter().filter(|r| !r.failed).count()
}

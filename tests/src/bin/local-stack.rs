//! The local stack's helper:
//!
//! - `local-stack create <emulator-url> <env-file>`: creates the table and FIFO queue in
//!   the emulator and writes the functions' environment (local secrets included).
//! - `local-stack replay <watch-url> [provider…]`: POSTs every `events/<provider>/*.json`
//!   to the served functions and prints each answer.
//! - `local-stack drain <emulator-url> <queue-url>`: prints and deletes what reached the queue.

use std::fmt::Write as _;
use std::process::ExitCode;

use brokerhooks_testkit::emulator::Emulator;
use brokerhooks_testkit::local_secrets::{LocalSecrets, env_file_line, repo_root};
use brokerhooks_testkit::local_stack::{LOCAL_QUEUE, LOCAL_TABLE, PROVIDERS};
use brokerhooks_testkit::replay;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["create", emulator, env_file] => create(emulator, env_file).await,
        ["replay", base, providers @ ..] => replay_all(base, providers).await,
        ["drain", emulator, queue_url] => drain(emulator, queue_url).await,
        _ => Err("usage: local-stack create <emulator-url> <env-file> | replay <watch-url> [provider…] | drain <emulator-url> <queue-url>".to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("local-stack: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn create(endpoint: &str, env_file: &str) -> Result<(), String> {
    let emulator = Emulator::connect(endpoint).await;
    emulator.create_table(LOCAL_TABLE).await?;
    let queue_url = emulator.create_queue(LOCAL_QUEUE).await?;
    let secrets = LocalSecrets::load_default().map_err(|e| format!("events/local.env: {e}"))?;
    let mut env = String::new();
    for (name, value) in [
        ("EVENTS_TABLE", LOCAL_TABLE),
        ("EVENTS_QUEUE_URL", queue_url.as_str()),
        ("AWS_ENDPOINT_URL", endpoint),
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_REGION", "us-east-1"),
        // Sample events carry fixed dates: the age check is off locally, never when deployed.
        ("MAX_EVENT_AGE_SECONDS", "0"),
        ("BROKERHOOKS_METRICS_OFF", "1"),
    ] {
        let _ = writeln!(env, "{name}={value}");
    }
    let mut local: Vec<_> = secrets.iter().collect();
    local.sort();
    for (name, value) in local {
        let _ = writeln!(env, "{}", env_file_line(name, value));
    }
    std::fs::write(env_file, env).map_err(|e| format!("{env_file}: {e}"))?;
    println!("table {LOCAL_TABLE}, queue {queue_url}");
    Ok(())
}

async fn replay_all(base: &str, providers: &[&str]) -> Result<(), String> {
    let client = reqwest::Client::new();
    let events = repo_root().join("events");
    let chosen: Vec<&str> = if providers.is_empty() {
        PROVIDERS.to_vec()
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

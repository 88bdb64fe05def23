//! Measures function binaries against the fake Lambda Runtime API (see BENCHMARKS.md):
//! time from exec to the first `/invocation/next` poll, per-invocation latency, and peak
//! RSS (VmHWM) while serving.
//!
//! Usage: `cold-start --runs N --invocations M --env-file F --event FILE BINARY…`
//! The env file (KEY=VALUE lines) configures the function (table, queue, secrets,
//! AWS_ENDPOINT_URL); the event is an API Gateway v2 event file.

use std::collections::HashMap;
use std::process::{ExitCode, Stdio};
use std::time::{Duration, Instant};

use brokerhooks_testkit::fake_runtime_api::{FakeRuntimeApi, RuntimeEvent};
use brokerhooks_testkit::local_secrets::LocalSecrets;

struct Options {
    runs: usize,
    invocations: usize,
    env: Vec<(String, String)>,
    event: Vec<u8>,
    binaries: Vec<String>,
}

fn parse_args() -> Result<Options, String> {
    let mut args = std::env::args().skip(1);
    let (mut runs, mut invocations, mut env, mut event, mut binaries) =
        (20, 20, Vec::new(), Vec::new(), Vec::new());
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--runs" => runs = value()?.parse().map_err(|_| "--runs takes a number")?,
            "--invocations" => {
                invocations = value()?
                    .parse()
                    .map_err(|_| "--invocations takes a number")?
            }
            "--env-file" => {
                let path = value()?;
                let secrets = LocalSecrets::load(std::path::Path::new(&path))
                    .map_err(|e| format!("{path}: {e}"))?;
                env.extend(secrets.iter().map(|(k, v)| (k.to_owned(), v.to_owned())));
            }
            "--event" => {
                let path = value()?;
                event = std::fs::read(&path).map_err(|e| format!("{path}: {e}"))?;
            }
            other => binaries.push(other.to_owned()),
        }
    }
    if binaries.is_empty() || event.is_empty() {
        return Err(
            "usage: cold-start [--runs N] [--invocations M] --env-file F --event FILE BINARY…"
                .to_owned(),
        );
    }
    Ok(Options {
        runs,
        invocations,
        env,
        event,
        binaries,
    })
}

fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

struct Run {
    to_first_poll: Duration,
    latencies: Vec<Duration>,
    peak_rss_kib: u64,
    first_status: String,
}

async fn measure(binary: &str, options: &Options) -> Result<Run, String> {
    let mut api = FakeRuntimeApi::start().await.map_err(|e| e.to_string())?;
    let name = std::path::Path::new(binary)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("bench")
        .to_owned();
    let started = Instant::now();
    let mut child = tokio::process::Command::new(binary)
        .env_clear()
        .envs(options.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("AWS_LAMBDA_RUNTIME_API", &api.address)
        .env("AWS_LAMBDA_FUNCTION_NAME", &name)
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/bench")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
        .env("BROKERHOOKS_METRICS_OFF", "1")
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("{binary}: {e}"))?;
    let pid = child.id().ok_or("child has no pid")?;
    let first_poll = match tokio::time::timeout(Duration::from_secs(20), api.events.recv()).await {
        Ok(Some(RuntimeEvent::FirstPoll(at))) => at,
        other => return Err(format!("{binary}: no first poll ({other:?})")),
    };
    let mut latencies = Vec::new();
    let mut first_status = String::new();
    for i in 0..options.invocations {
        let sent = Instant::now();
        api.invoke(&format!("req-{i}"), options.event.clone()).await;
        match tokio::time::timeout(Duration::from_secs(20), api.events.recv()).await {
            Ok(Some(RuntimeEvent::Response {
                at, body, error, ..
            })) => {
                latencies.push(at - sent);
                if i == 0 {
                    let value: serde_json::Value =
                        serde_json::from_slice(&body).unwrap_or_default();
                    first_status = if error {
                        "error".to_owned()
                    } else {
                        value["statusCode"].to_string()
                    };
                }
            }
            other => return Err(format!("{binary}: invocation {i} failed ({other:?})")),
        }
    }
    let peak_rss_kib = peak_rss_kib(pid).unwrap_or(0);
    let _ = child.kill().await;
    Ok(Run {
        to_first_poll: first_poll - started,
        latencies,
        peak_rss_kib,
        first_status,
    })
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values.get(values.len() / 2).copied().unwrap_or_default()
}

fn percentile(mut values: Vec<Duration>, p: f64) -> Duration {
    values.sort();
    let index = ((values.len() as f64 - 1.0) * p).round() as usize;
    values.get(index).copied().unwrap_or_default()
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let options = match parse_args() {
        Ok(options) => options,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "| binary | exec → first poll (median of {}) | min | invocation p50 | p99 | peak RSS (max) | first answer |",
        options.runs
    );
    println!("|---|---|---|---|---|---|---|");
    for binary in &options.binaries {
        let mut runs = Vec::new();
        for _ in 0..options.runs {
            match measure(binary, &options).await {
                Ok(run) => runs.push(run),
                Err(e) => {
                    eprintln!("{e}");
                    return ExitCode::FAILURE;
                }
            }
        }
        let first_polls: Vec<Duration> = runs.iter().map(|r| r.to_first_poll).collect();
        let latencies: Vec<Duration> = runs
            .iter()
            .flat_map(|r| r.latencies.iter().copied())
            .collect();
        let statuses: HashMap<&str, usize> = runs.iter().fold(HashMap::new(), |mut m, r| {
            *m.entry(r.first_status.as_str()).or_default() += 1;
            m
        });
        let name = std::path::Path::new(binary)
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or(binary);
        println!(
            "| {name} | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms | {:.1} MB | {statuses:?} |",
            median(first_polls.clone()).as_secs_f64() * 1e3,
            first_polls
                .iter()
                .min()
                .copied()
                .unwrap_or_default()
                .as_secs_f64()
                * 1e3,
            percentile(latencies.clone(), 0.5).as_secs_f64() * 1e3,
            percentile(latencies, 0.99).as_secs_f64() * 1e3,
            runs.iter().map(|r| r.peak_rss_kib).max().unwrap_or(0) as f64 / 1024.0,
        );
    }
    ExitCode::SUCCESS
}

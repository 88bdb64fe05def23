//! Runs function binaries at the CPU share Lambda gives each memory size (BENCHMARKS.md,
//! "At Lambda's memory sizes"), against the fake Runtime API and the local emulator.
//!
//! Usage:
//! `lambda-size-bench --provider P --env-file F [--sizes 128,256,…] [--period-us N]
//!  [--runs R] [--events N] [--format table|tsv] [--log-dir DIR] [--env NAME=VALUE]…
//!  [--baseline LABEL] [--new-only] LABEL=PROGRAM [ARG…]…`
//!
//! A function is a program and its arguments in one word, split at spaces
//! (`peer=".venv-peer/bin/python -m awslambdaric kite_peer.handler"`), so an
//! interpreted function runs under its runtime interface client exactly as a binary runs.
//! `--env` adds a variable to every function's environment (which is otherwise only the
//! env file's and the Lambda variables). `--baseline` names the function every other one
//! is compared with: its CPU per event divided by the baseline's, round by round.
//! `--new-only` leaves out the duplicates (for a profile of new events alone).
//! With `--provider kite`, every function also gets `SDK_FLOOR_MESSAGE_BODY`: the
//! receiver's queue message for the bench's first delivery, which `benches/sdk-floor`
//! sends for every event instead of building an envelope. `AWS_DEFAULT_REGION` is set to `AWS_REGION`, as Lambda
//! sets both (botocore reads only the former).
//!
//! Each run is one process lifetime in a cgroup v1 CPU group with
//! quota = period × MB / 1769 (1769 MB = one full vCPU, no quota): exec → first
//! `/invocation/next` (init), then `--events` distinct new deliveries of the provider's
//! first template (the first one reported apart as the first invocation), then the same
//! deliveries again (duplicates); with `--log-dir`, then each once more with an empty
//! object for a body (refusals, for their log bytes). CPU is the process's scheduler run time
//! (`/proc/<pid>/task/*/schedstat`), so it counts on-CPU time only, whatever the quota.
//! Runs alternate warm-up on and off (WARM_CONNECTIONS) and, with several binaries,
//! alternate the binaries, so an A/B comparison shares the machine's state. Peak RSS is
//! the process's `VmHWM` after its last invocation. Needs root (cgroup) when a size below
//! 1769 is asked for. Not part of `make test`.

use std::collections::BTreeMap;
use std::process::{ExitCode, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use brokerhooks::providers::BuiltIn;
use brokerhooks_testkit::distinct_events::distinct_deliveries_from;
use brokerhooks_testkit::emulator::Emulator;
use brokerhooks_testkit::fake_runtime_api::{FakeRuntimeApi, RuntimeEvent};
use brokerhooks_testkit::local_secrets::LocalSecrets;
use brokerhooks_testkit::memory_pipeline::enqueued;

/// The memory size at which Lambda gives one full vCPU.
const FULL_CORE_MB: u64 = 1769;
const CGROUP_CPU: &str = "/sys/fs/cgroup/cpu";
/// Lambda's prices (us-east-1, arm64, first pricing tier), as infra/COST.md.
const PRICE_PER_GB_SECOND: f64 = 0.000_013_333_4;
const PRICE_PER_MILLION_REQUESTS: f64 = 0.20;

struct Options {
    provider: BuiltIn,
    env: Vec<(String, String)>,
    secrets: LocalSecrets,
    sizes: Vec<u64>,
    period_us: u64,
    runs: usize,
    events: usize,
    tsv: bool,
    /// Where each run's stdout (the function's log lines) goes; discarded without it.
    log_dir: Option<std::path::PathBuf>,
    /// The label every other function's CPU is divided by.
    baseline: Option<String>,
    /// No duplicate phase (a profile of new events only).
    new_only: bool,
    binaries: Vec<Function>,
}

/// One function under test: its label and the program (with arguments) that runs it.
struct Function {
    label: String,
    program: String,
    args: Vec<String>,
}

impl Function {
    /// `LABEL=PROGRAM [ARG…]`, or a bare program (its own label).
    fn parse(spec: &str) -> Result<Self, String> {
        let (label, command) = spec.split_once('=').unwrap_or((spec, spec));
        let mut words = command.split_whitespace().map(str::to_owned);
        let program = words.next().ok_or(format!("{spec}: no program"))?;
        Ok(Function {
            label: label.to_owned(),
            program,
            args: words.collect(),
        })
    }
}

fn parse_args() -> Result<Options, String> {
    let usage = "usage: lambda-size-bench --provider P --env-file F [--sizes 128,256,512,1024,1769] [--period-us 20000] [--runs 6] [--events 100] [--format table|tsv] [--log-dir DIR] [--env NAME=VALUE]… [--baseline LABEL] [--new-only] LABEL=PROGRAM [ARG…]…";
    let mut args = std::env::args().skip(1);
    let mut provider = None;
    let mut env = Vec::new();
    let mut secrets = None;
    let mut sizes = vec![128, 256, 512, 1024, FULL_CORE_MB];
    let (mut period_us, mut runs, mut events, mut tsv) = (20_000, 6, 100, false);
    let mut log_dir = None;
    let mut baseline = None;
    let mut new_only = false;
    let mut extra_env = Vec::new();
    let mut binaries = Vec::new();
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--provider" => {
                let name = value()?;
                provider = Some(
                    BuiltIn::ALL
                        .into_iter()
                        .find(|p| p.name() == name)
                        .ok_or(format!("unknown provider {name}"))?,
                );
            }
            "--env-file" => {
                let path = value()?;
                let loaded = LocalSecrets::load(std::path::Path::new(&path))
                    .map_err(|e| format!("{path}: {e}"))?;
                // The metrics line stays on: its write is part of what each delivery costs.
                env.extend(
                    loaded
                        .iter()
                        .filter(|(k, _)| *k != "BROKERHOOKS_METRICS_OFF")
                        .map(|(k, v)| (k.to_owned(), v.to_owned())),
                );
                secrets = Some(loaded);
            }
            "--sizes" => {
                sizes = value()?
                    .split(',')
                    .map(|s| s.trim().parse().map_err(|_| format!("bad size {s}")))
                    .collect::<Result<_, _>>()?
            }
            "--period-us" => period_us = value()?.parse().map_err(|_| "bad --period-us")?,
            "--runs" => runs = value()?.parse().map_err(|_| "bad --runs")?,
            "--events" => events = value()?.parse().map_err(|_| "bad --events")?,
            "--format" => tsv = value()? == "tsv",
            "--new-only" => new_only = true,
            "--log-dir" => log_dir = Some(std::path::PathBuf::from(value()?)),
            "--baseline" => baseline = Some(value()?),
            "--env" => {
                let pair = value()?;
                let (name, value) = pair
                    .split_once('=')
                    .ok_or(format!("--env {pair}: not NAME=VALUE"))?;
                extra_env.push((name.to_owned(), value.to_owned()));
            }
            other => binaries.push(Function::parse(other)?),
        }
    }
    if let Some(label) = &baseline
        && !binaries.iter().any(|f| f.label == *label)
    {
        return Err(format!("--baseline {label}: no function has that label"));
    }
    env.extend(extra_env);
    match (provider, secrets) {
        (Some(provider), Some(secrets)) if !binaries.is_empty() && events >= 2 => Ok(Options {
            provider,
            env,
            secrets,
            sizes,
            period_us,
            runs,
            events,
            tsv,
            log_dir,
            baseline,
            new_only,
            binaries,
        }),
        _ => Err(usage.to_owned()),
    }
}

/// A cgroup v1 CPU group holding one memory size's share, removed on drop.
struct CpuShare {
    dir: Option<std::path::PathBuf>,
}

impl CpuShare {
    fn new(mb: u64, period_us: u64) -> Result<Self, String> {
        if mb >= FULL_CORE_MB {
            return Ok(CpuShare { dir: None });
        }
        let dir = std::path::PathBuf::from(CGROUP_CPU)
            .join(format!("lambda-size-bench-{}-{mb}", std::process::id()));
        let write = |file: &str, value: String| {
            std::fs::write(dir.join(file), value).map_err(|e| format!("{file}: {e}"))
        };
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        write("cpu.cfs_period_us", period_us.to_string())?;
        write(
            "cpu.cfs_quota_us",
            (period_us * mb / FULL_CORE_MB).to_string(),
        )?;
        Ok(CpuShare { dir: Some(dir) })
    }

    /// Spawns `command` inside the group: this process joins it for the fork (a child
    /// starts in its parent's group) and leaves it right after, so the child is
    /// throttled from its first instruction.
    fn spawn(
        &self,
        command: &mut tokio::process::Command,
    ) -> Result<tokio::process::Child, String> {
        let Some(dir) = &self.dir else {
            return command.spawn().map_err(|e| e.to_string());
        };
        let own = std::process::id().to_string();
        std::fs::write(dir.join("cgroup.procs"), &own).map_err(|e| format!("join: {e}"))?;
        let child = command.spawn().map_err(|e| e.to_string());
        std::fs::write(std::path::Path::new(CGROUP_CPU).join("cgroup.procs"), &own)
            .map_err(|e| format!("leave: {e}"))?;
        child
    }
}

impl Drop for CpuShare {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// The process's peak resident set (`VmHWM`) so far, in MB (10^6 bytes).
fn peak_rss_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024.0 / 1e6)
}

/// On-CPU time of every thread of `pid` so far.
fn cpu_time(pid: u32) -> Duration {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Duration::ZERO;
    };
    let nanos: u64 = tasks
        .filter_map(Result::ok)
        .filter_map(|task| std::fs::read_to_string(task.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum();
    Duration::from_nanos(nanos)
}

#[derive(Default)]
struct Samples {
    init_warm: Vec<f64>,
    init_cold: Vec<f64>,
    first_warm: Vec<f64>,
    first_cold: Vec<f64>,
    new: Vec<f64>,
    duplicate: Vec<f64>,
    cpu_new: Vec<f64>,
    cpu_duplicate: Vec<f64>,
    billed_new: Vec<f64>,
    /// Peak RSS per run, MB.
    peak_rss: Vec<f64>,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Hands one event to the function and waits for its answer; the latency in ms, or an
/// error unless it answered 200.
async fn invoke(
    api: &mut FakeRuntimeApi,
    i: usize,
    event: &serde_json::Value,
) -> Result<f64, String> {
    let payload = serde_json::to_vec(event).map_err(|e| e.to_string())?;
    let sent = Instant::now();
    api.invoke(&format!("req-{i}"), payload).await;
    match tokio::time::timeout(Duration::from_secs(30), api.events.recv()).await {
        Ok(Some(RuntimeEvent::Response {
            at, body, error, ..
        })) => {
            let status: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            if error || status["statusCode"] != 200 {
                return Err(format!("invocation {i} answered {status}"));
            }
            Ok(ms(at - sent))
        }
        other => Err(format!("invocation {i} failed ({other:?})")),
    }
}

#[allow(clippy::too_many_arguments)]
async fn one_run(
    options: &Options,
    function: &Function,
    (mb, run): (u64, usize),
    share: &CpuShare,
    warm: bool,
    deliveries: &[serde_json::Value],
    samples: &mut Samples,
) -> Result<(), String> {
    let mut api = FakeRuntimeApi::start().await.map_err(|e| e.to_string())?;
    let stdout = match &options.log_dir {
        Some(dir) => {
            let path = dir.join(format!("{}-{mb}-{run}.log", function.label));
            Stdio::from(
                std::fs::File::create(&path).map_err(|e| format!("{}: {e}", path.display()))?,
            )
        }
        None => Stdio::null(),
    };
    let mut command = tokio::process::Command::new(&function.program);
    command
        .args(&function.args)
        .env_clear()
        .envs(options.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("WARM_CONNECTIONS", if warm { "true" } else { "false" })
        .envs(
            options
                .env
                .iter()
                .filter(|(k, _)| k == "AWS_REGION")
                .map(|(_, v)| ("AWS_DEFAULT_REGION", v.as_str())),
        )
        .env("AWS_LAMBDA_RUNTIME_API", &api.address)
        .env("AWS_LAMBDA_FUNCTION_NAME", options.provider.name())
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/bench")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
        .stdout(stdout)
        .stderr(Stdio::null())
        .kill_on_drop(true);
    let started = Instant::now();
    let mut child = share.spawn(&mut command)?;
    let pid = child.id().ok_or("child has no pid")?;
    let first_poll = match tokio::time::timeout(Duration::from_secs(30), api.events.recv()).await {
        Ok(Some(RuntimeEvent::FirstPoll(at))) => at,
        other => return Err(format!("{}: no first poll ({other:?})", function.label)),
    };
    let init = ms(first_poll - started);
    let first = invoke(&mut api, 0, &deliveries[0]).await?;
    let before_new = cpu_time(pid);
    let mut new = Vec::new();
    for (i, event) in deliveries.iter().enumerate().skip(1) {
        new.push(invoke(&mut api, i, event).await?);
    }
    let after_new = cpu_time(pid);
    let mut duplicate = Vec::new();
    for (i, event) in deliveries.iter().enumerate().skip(1) {
        if options.new_only {
            break;
        }
        duplicate.push(invoke(&mut api, deliveries.len() + i, event).await?);
    }
    let after_duplicate = cpu_time(pid);
    let peak_rss = peak_rss_mb(pid).unwrap_or(f64::NAN);
    if options.log_dir.is_some() {
        // For the log bytes of a refusal (infra/COST.md): each delivery again with an
        // empty JSON object for a body, which no provider's signature covers.
        for (i, event) in deliveries.iter().enumerate().skip(1) {
            let mut refused = event.clone();
            refused["body"] = serde_json::Value::from("{}");
            refused["isBase64Encoded"] = serde_json::Value::from(false);
            let payload = serde_json::to_vec(&refused).map_err(|e| e.to_string())?;
            api.invoke(&format!("req-refused-{i}"), payload).await;
            let _ = tokio::time::timeout(Duration::from_secs(30), api.events.recv()).await;
        }
    }
    let _ = child.kill().await;
    let count = (deliveries.len() - 1) as f64;
    if warm {
        samples.init_warm.push(init);
        samples.first_warm.push(first);
    } else {
        samples.init_cold.push(init);
        samples.first_cold.push(first);
    }
    samples.cpu_new.push(ms(after_new - before_new) / count);
    if !options.new_only {
        samples
            .cpu_duplicate
            .push(ms(after_duplicate - after_new) / count);
    }
    samples.peak_rss.push(peak_rss);
    samples.billed_new.extend(new.iter().map(|l| l.ceil()));
    samples.new.extend(new);
    samples.duplicate.extend(duplicate);
    Ok(())
}

fn percentile(values: &[f64], p: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn median(values: &[f64]) -> f64 {
    percentile(values, 0.5)
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len().max(1) as f64
}

/// Lambda's cost per million invocations at `mb` with this mean billed duration.
fn cost_per_million(mb: u64, mean_billed_ms: f64) -> f64 {
    1e6 * (mean_billed_ms / 1e3) * (mb as f64 / 1024.0) * PRICE_PER_GB_SECOND
        + PRICE_PER_MILLION_REQUESTS
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lambda-size-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The Kite receiver's queue message for the first bench delivery: the in-memory
/// pipeline configured with the local secrets (`process`, which writes no log or metrics
/// line into this bench's output).
async fn kite_message_body(options: &Options, first: usize) -> Result<String, String> {
    let delivery = distinct_deliveries_from(BuiltIn::Kite, first, 1, &options.secrets)?;
    let config: Vec<(String, String)> = options
        .secrets
        .iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let requests: Vec<_> = delivery.iter().map(|d| d.to_request()).collect();
    enqueued(BuiltIn::Kite, &config, &requests)
        .await
        .first()
        .map(|message| message.body.clone())
        .ok_or("the in-memory pipeline enqueued nothing for the first delivery".to_owned())
}

/// One function's figures at one size, and how its CPU compares with the baseline's.
struct Row<'a> {
    label: &'a str,
    mb: u64,
    samples: &'a Samples,
    /// CPU per new event and per duplicate over the baseline's: the ratio of the medians,
    /// and the lowest and highest ratio of one round (the baseline's run next to it).
    new_vs_baseline: Option<Ratio>,
    dup_vs_baseline: Option<Ratio>,
}

#[derive(Clone, Copy)]
struct Ratio {
    of_medians: f64,
    lowest: f64,
    highest: f64,
}

impl Ratio {
    fn of(own: &[f64], baseline: &[f64]) -> Self {
        let per_round: Vec<f64> = own.iter().zip(baseline).map(|(o, b)| o / b).collect();
        Ratio {
            of_medians: median(own) / median(baseline),
            lowest: per_round.iter().copied().fold(f64::INFINITY, f64::min),
            highest: per_round.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        }
    }
}

async fn run() -> Result<(), String> {
    let mut options = parse_args()?;
    let endpoint = options
        .env
        .iter()
        .find(|(k, _)| k == "AWS_ENDPOINT_URL")
        .map(|(_, v)| v.clone())
        .ok_or("the env file sets no AWS_ENDPOINT_URL")?;
    let queue_url = options
        .env
        .iter()
        .find(|(k, _)| k == "EVENTS_QUEUE_URL")
        .map(|(_, v)| v.clone())
        .ok_or("the env file sets no EVENTS_QUEUE_URL")?;
    let emulator = Emulator::connect(&endpoint).await;
    // Event ids unique to this bench run, so every "new" delivery is new to the table.
    // (Kept below 10^9: Upvest's ids are numbered ×100 into a 12-digit UUID field.)
    let mut next_id = (SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_secs() as usize
        % 1_000_000)
        * 1_000;
    if options.provider == BuiltIn::Kite {
        let body = kite_message_body(&options, next_id).await?;
        options
            .env
            .push(("SDK_FLOOR_MESSAGE_BODY".to_owned(), body));
    }
    let mut results: BTreeMap<(u64, usize), Samples> = BTreeMap::new();
    for &mb in &options.sizes {
        let share = CpuShare::new(mb, options.period_us)?;
        for run in 0..options.runs {
            // Warm-up alternates; binaries alternate within a round (A/B on one machine state).
            let warm = run % 2 == 0;
            for (index, function) in options.binaries.iter().enumerate() {
                let deliveries: Vec<serde_json::Value> = distinct_deliveries_from(
                    options.provider,
                    next_id,
                    options.events,
                    &options.secrets,
                )?
                .iter()
                .map(|d| d.to_event(false))
                .collect();
                next_id += options.events;
                // moto's FIFO sends slow down as the queue fills: start each run empty.
                let _ = emulator
                    .sqs
                    .purge_queue()
                    .queue_url(&queue_url)
                    .send()
                    .await;
                let samples = results.entry((mb, index)).or_default();
                one_run(
                    &options,
                    function,
                    (mb, run),
                    &share,
                    warm,
                    &deliveries,
                    samples,
                )
                .await?;
            }
        }
    }
    let baseline = options
        .baseline
        .as_ref()
        .and_then(|label| options.binaries.iter().position(|f| f.label == *label));
    // In the order the sizes were asked for, functions in their order within a size.
    let mut ordered: Vec<(&(u64, usize), &Samples)> = results.iter().collect();
    ordered
        .sort_by_key(|((mb, index), _)| (options.sizes.iter().position(|size| size == mb), *index));
    let rows: Vec<Row<'_>> = ordered
        .into_iter()
        .map(|(&(mb, index), samples)| {
            let base = baseline
                .filter(|&b| b != index)
                .and_then(|b| results.get(&(mb, b)));
            Row {
                label: &options.binaries[index].label,
                mb,
                samples,
                new_vs_baseline: base.map(|b| Ratio::of(&samples.cpu_new, &b.cpu_new)),
                dup_vs_baseline: base.map(|b| Ratio::of(&samples.cpu_duplicate, &b.cpu_duplicate)),
            }
        })
        .collect();
    let baseline_label = options.baseline.as_deref().unwrap_or("baseline");
    if options.tsv {
        println!(
            "label\tmb\tinit_warm_ms\tinit_cold_ms\tfirst_warm_ms\tfirst_cold_ms\tnew_p50_ms\tnew_p99_ms\tdup_p50_ms\tdup_p99_ms\tcpu_new_ms\tcpu_dup_ms\tbilled_new_ms\tcost_per_million_usd\tpeak_rss_mb\tcpu_new_vs_baseline\tcpu_new_vs_baseline_lowest\tcpu_new_vs_baseline_highest\tcpu_dup_vs_baseline"
        );
    } else {
        println!(
            "| binary | MB | init, warm-up on / off | first invocation, warm-up on / off | new p50 / p99 | duplicate p50 / p99 | CPU per new / duplicate | CPU per new vs {baseline_label} (rounds) | CPU per duplicate vs {baseline_label} | peak RSS | billed (mean, new) | Lambda $ per million |"
        );
        println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    }
    for row in &rows {
        print_row(row, options.tsv);
    }
    Ok(())
}

fn print_row(row: &Row<'_>, tsv: bool) {
    let s = row.samples;
    let billed = mean(&s.billed_new);
    let cost = cost_per_million(row.mb, billed);
    let figures = [
        median(&s.init_warm),
        median(&s.init_cold),
        median(&s.first_warm),
        median(&s.first_cold),
        median(&s.new),
        percentile(&s.new, 0.99),
        median(&s.duplicate),
        percentile(&s.duplicate, 0.99),
        median(&s.cpu_new),
        median(&s.cpu_duplicate),
    ];
    let rss = median(&s.peak_rss);
    let (label, mb) = (row.label, row.mb);
    if tsv {
        let cells: Vec<String> = figures.iter().map(|v| format!("{v:.3}")).collect();
        let ratio = |r: Option<Ratio>| {
            r.map_or(["-".to_owned(), "-".to_owned(), "-".to_owned()], |r| {
                [
                    format!("{:.3}", r.of_medians),
                    format!("{:.3}", r.lowest),
                    format!("{:.3}", r.highest),
                ]
            })
        };
        let [new, new_low, new_high] = ratio(row.new_vs_baseline);
        let [dup, _, _] = ratio(row.dup_vs_baseline);
        println!(
            "{label}\t{mb}\t{}\t{billed:.2}\t{cost:.4}\t{rss:.1}\t{new}\t{new_low}\t{new_high}\t{dup}",
            cells.join("\t")
        );
    } else {
        let ratio = |r: Option<Ratio>, rounds: bool| match r {
            None => "—".to_owned(),
            Some(r) if rounds => format!("{:.2}× ({:.2}–{:.2})", r.of_medians, r.lowest, r.highest),
            Some(r) => format!("{:.2}×", r.of_medians),
        };
        println!(
            "| {label} | {mb} | {:.1} / {:.1} ms | {:.1} / {:.1} ms | {:.2} / {:.2} ms | {:.2} / {:.2} ms | {:.3} / {:.3} ms | {} | {} | {rss:.1} MB | {billed:.2} ms | ${cost:.3} |",
            figures[0],
            figures[1],
            figures[2],
            figures[3],
            figures[4],
            figures[5],
            figures[6],
            figures[7],
            figures[8],
            figures[9],
            ratio(row.new_vs_baseline, true),
            ratio(row.dup_vs_baseline, false),
        );
    }
}

#!/usr/bin/env bash
# Reproduces the numbers in BENCHMARKS.md (not part of `make test`; takes several minutes):
#   1. in-process cost per event (criterion),
#   2. cold start, invocation latency and peak RSS of each release binary against the
#      fake Lambda Runtime API (tests/src/fake_runtime_api.rs), with and without
#      WARM_CONNECTIONS, the functions pointed at a local moto server,
#   3. binary and zip size per function as deployed (release profile, arm64).
# What users pay for (latency, CPU and cost per delivery at each Lambda memory size) is
# measured by scripts/lambda-size-bench.sh (needs root for its cgroup), and so is the
# receiver against the SDK floor and the Python Powertools peer (`--floor`, step 5); step 1
# is kept as a regression check of the receiver's own code, no longer a target.
# The end-to-end storm figures come from `make test` (.local/storm-report.json).
source "$(dirname "$0")/common.sh"
trap stop_all EXIT
cd "$ROOT"
ensure_tools

log "1. criterion (own code only; no target): BROKERHOOKS_METRICS_OFF=1 cargo bench -p brokerhooks-testkit --bench pipeline"
# Metrics off: one EMF line per delivery is a write(2) whose cost depends on where stdout
# goes (a pipe here, Lambda's log pipe there); the pipeline's own work is what is measured.
BROKERHOOKS_METRICS_OFF=1 cargo bench -p brokerhooks-testkit --bench pipeline -- --noplot 2>&1 | grep -E "^[a-z0-9-]+/|time:|thrpt:|bytes," || true

log "2. cold start (release, this machine's architecture)"
cargo build --release --quiet $(function_names | sed 's/^/-p /')
cargo build --quiet -p brokerhooks-testkit --bin cold-start --bin local-stack
start_emulator "$(free_port)"
env_file="$STATE/bench-functions.env"
local_stack create "$BROKERHOOKS_EMULATOR_URL" "$env_file"
binaries=()
for name in $(function_names); do binaries+=("target/release/$name"); done
for warm in true false; do
  grep -v '^WARM_CONNECTIONS=' "$env_file" > "$env_file.$warm"
  echo "WARM_CONNECTIONS=$warm" >> "$env_file.$warm"
  echo "WARM_CONNECTIONS=$warm"
  for name in $(function_names); do
    event="$(ls events/"$name"/*.json | head -n 1)"
    target/debug/cold-start --runs 20 --invocations 20 --env-file "$env_file.$warm" --event "$event" "target/release/$name" | tail -n +$([ "$name" = "$(function_names | head -n 1)" ] && echo 1 || echo 3)
  done
done

log "3. size: cargo lambda build --release --arm64 (the deployed profile)"
cargo lambda build --release --arm64 --output-format zip --quiet $(function_names | sed 's/^/--bin /') >/dev/null 2>&1 \
  || cargo lambda build --release --arm64 --output-format zip $(function_names | sed 's/^/--bin /')
for name in $(function_names); do
  zip="target/lambda/$name/bootstrap.zip"
  unzip -o -q "$zip" -d "$STATE/size-$name"
  printf '%-10s bootstrap %8d bytes   zip %8d bytes\n' "$name" "$(stat -c %s "$STATE/size-$name/bootstrap")" "$(stat -c %s "$zip")"
done

log "4. at Lambda's memory sizes: scripts/lambda-size-bench.sh; 5. the receiver against the SDK floor and the Powertools peer: scripts/lambda-size-bench.sh --floor (BENCHMARKS.md)"
if [ "$(id -u)" = 0 ] && [ -d /sys/fs/cgroup/cpu ]; then
  stop_all
  bash "$ROOT/scripts/lambda-size-bench.sh"
  bash "$ROOT/scripts/lambda-size-bench.sh" --floor
else
  log "skipped: needs root and the cgroup v1 cpu controller at /sys/fs/cgroup/cpu"
fi

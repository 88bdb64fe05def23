#!/usr/bin/env bash
# The Lambda-sized bench (BENCHMARKS.md, "At Lambda's memory sizes"; not part of
# `make test`, needs root for the cgroup v1 CPU controller at /sys/fs/cgroup/cpu):
# each function's release binary at the CPU share Lambda gives 128, 256, 512, 1024 and
# 1769 MB (quota = period × MB / 1769 of one core), against the fake Runtime API and a local
# moto server. Prints one markdown table per provider, writes the TSVs to
# .local/lambda-size/ and draws benchmarks-lambda-size.png from them.
#
#   scripts/lambda-size-bench.sh [provider…]            (default: every function)
#   RUNS=6 EVENTS=100 PERIOD_US=20000 SIZES=128,256,512,1024,1769
#   BINARIES="old=/path/kite new=target/release/kite" scripts/lambda-size-bench.sh kite
#       compares binaries of one provider, alternating them run by run (A/B).
#   CHART=0 skips the chart.
source "$(dirname "$0")/common.sh"
trap stop_all EXIT
cd "$ROOT"
ensure_tools

RUNS="${RUNS:-6}"
EVENTS="${EVENTS:-100}"
PERIOD_US="${PERIOD_US:-20000}"
SIZES="${SIZES:-128,256,512,1024,1769}"
OUT="$STATE/lambda-size"
mkdir -p "$OUT"
providers=("$@")
[ ${#providers[@]} -gt 0 ] || mapfile -t providers < <(function_names)

if [ -z "${BINARIES:-}" ]; then
  log "release build: cargo build --release ${providers[*]/#/-p }"
  cargo build --release --quiet ${providers[*]/#/-p }
fi
cargo build --quiet -p brokerhooks-testkit --bin lambda-size-bench --bin local-stack

# The emulator is plain moto_server, which closes the connection after every response
# (werkzeug's development server forces `Connection: close`; an HTTP/1.1 handler made it
# hang on the second request), so every SDK call here pays a TCP connect that the SDK
# avoids on AWS by reusing connections: CPU per event is overstated by that, alike for
# every binary compared (BENCHMARKS.md says by how much).
start_emulator "$(free_port)"
env_file="$STATE/lambda-size.env"
local_stack create "$BROKERHOOKS_EMULATOR_URL" "$env_file"

for provider in "${providers[@]}"; do
  if [ -n "${BINARIES:-}" ]; then read -r -a binaries <<< "$BINARIES"
  else binaries=("$provider=target/release/$provider"); fi
  log "$provider: lambda-size-bench --runs $RUNS --events $EVENTS --period-us $PERIOD_US --sizes $SIZES"
  common=(--provider "$provider" --env-file "$env_file" --sizes "$SIZES"
          --period-us "$PERIOD_US" --runs "$RUNS" --events "$EVENTS")
  target/debug/lambda-size-bench "${common[@]}" --format tsv "${binaries[@]}" > "$OUT/$provider.tsv"
  # The table again from the TSV, for BENCHMARKS.md.
  awk -F'\t' 'NR == 1 { print "| binary | MB | init on / off (ms) | first on / off (ms) | new p50 / p99 (ms) | dup p50 / p99 (ms) | CPU new / dup (ms) | billed (ms) | Lambda $/M |"; print "|---|---|---|---|---|---|---|---|---|"; next }
    { printf "| %s | %s | %.1f / %.1f | %.1f / %.1f | %.2f / %.2f | %.2f / %.2f | %.3f / %.3f | %.2f | $%.3f |\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14 }' "$OUT/$provider.tsv"
done

if [ "${CHART:-1}" = 1 ]; then
  chart_venv="$STATE/chart-venv"
  [ -x "$chart_venv/bin/python" ] || { python3 -m venv "$chart_venv" && "$chart_venv/bin/pip" install --quiet matplotlib; }
  tsvs=()
  for provider in "${providers[@]}"; do tsvs+=("$OUT/$provider.tsv"); done
  "$chart_venv/bin/python" scripts/lambda-size-chart.py benchmarks-lambda-size.png "${tsvs[@]}"
  log "chart: benchmarks-lambda-size.png"
fi

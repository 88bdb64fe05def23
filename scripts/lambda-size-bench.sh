#!/usr/bin/env bash
# The Lambda-sized bench (BENCHMARKS.md, "At Lambda's memory sizes" and "CPU per event";
# not part of `make test`, needs root for the cgroup v1 CPU controller at
# /sys/fs/cgroup/cpu): release binaries at the CPU share Lambda gives a memory size
# (quota = period × MB / 1769 of one core), against the fake Runtime API and a local moto
# server that keeps connections open (scripts/keepalive-moto.py), as AWS endpoints do.
#
#   scripts/lambda-size-bench.sh [provider…]            (default: every function)
#       each function at 128, 256, 512, 1024 and 1769 MB; one markdown table per
#       provider, the TSVs in .local/lambda-size/, the chart benchmarks-lambda-size.png.
#   RUNS=6 EVENTS=100 PERIOD_US=20000 SIZES=128,256,512,1024,1769
#   BINARIES="old=/path/kite new=target/release/kite" scripts/lambda-size-bench.sh kite
#       compares binaries of one provider, alternating them run by run (A/B).
#   CHART=0 skips the chart.
#
#   scripts/lambda-size-bench.sh --floor
#       the receiver (`kite`), the SDK floor (benches/sdk-floor: the same three AWS
#       calls and nothing else) and the Python peer (benches/powertools-peer: Powertools
#       on awslambdaric, installed into .venv-peer) interleaved run by run, at 1769 and
#       256 MB (SIZES), RUNS=6 × EVENTS=300, CPU compared with the floor's. Writes
#       .local/lambda-size/floor.tsv.
source "$(dirname "$0")/common.sh"
trap stop_all EXIT
cd "$ROOT"
ensure_tools

floor=0
if [ "${1:-}" = "--floor" ]; then
  floor=1
  shift
fi
RUNS="${RUNS:-6}"
PERIOD_US="${PERIOD_US:-20000}"
if [ "$floor" = 1 ]; then
  EVENTS="${EVENTS:-300}"
  SIZES="${SIZES:-1769,256}"
else
  EVENTS="${EVENTS:-100}"
  SIZES="${SIZES:-128,256,512,1024,1769}"
fi
OUT="$STATE/lambda-size"
mkdir -p "$OUT"
providers=("$@")
[ "$floor" = 0 ] || providers=(kite)
[ ${#providers[@]} -gt 0 ] || mapfile -t providers < <(function_names)

peer_venv="$ROOT/.venv-peer"
if [ "$floor" = 1 ]; then
  ensure_venv "$peer_venv" "$ROOT/benches/powertools-peer/requirements.txt"
  log "release build: cargo build --release -p kite -p sdk-floor"
  cargo build --release --quiet -p kite -p sdk-floor
elif [ -z "${BINARIES:-}" ]; then
  log "release build: cargo build --release ${providers[*]/#/-p }"
  cargo build --release --quiet ${providers[*]/#/-p }
fi
cargo build --quiet -p brokerhooks-testkit --bin lambda-size-bench --bin local-stack

# moto with keep-alive: plain moto_server closes the connection after every response, so
# each SDK call would pay a TCP connect that the SDK avoids on AWS by reusing connections.
port="$(free_port)"
log "starting moto with keep-alive on 127.0.0.1:$port (scripts/keepalive-moto.py)"
setsid "$VENV/bin/python" "$ROOT/scripts/keepalive-moto.py" -H 127.0.0.1 -p "$port" > "$STATE/keepalive-moto.log" 2>&1 &
PIDS+=("$!")
wait_for_http "http://127.0.0.1:$port/moto-api/" 60
export BROKERHOOKS_EMULATOR_URL="http://127.0.0.1:$port"
env_file="$STATE/lambda-size.env"
local_stack create "$BROKERHOOKS_EMULATOR_URL" "$env_file"

common=(--provider kite --env-file "$env_file" --sizes "$SIZES" --period-us "$PERIOD_US" --runs "$RUNS" --events "$EVENTS")
if [ "$floor" = 1 ]; then
  functions=(receiver=target/release/kite floor=target/release/sdk-floor
             "peer=$peer_venv/bin/python -m awslambdaric kite_peer.handler")
  # PYTHONPATH as Lambda sets it to the task root; no .pyc written (Lambda's task root is
  # read-only, so the handler module is compiled at every cold start there too).
  peer_env=(--env "PYTHONPATH=$ROOT/benches/powertools-peer" --env PYTHONDONTWRITEBYTECODE=1)
  log "target/debug/lambda-size-bench ${common[*]} --baseline floor ${peer_env[*]} --format tsv $(printf '%q ' "${functions[@]}")"
  target/debug/lambda-size-bench "${common[@]}" --baseline floor "${peer_env[@]}" --format tsv "${functions[@]}" > "$OUT/floor.tsv"
  awk -F'\t' 'NR == 1 { print "| function | MB | init on / off (ms) | first on / off (ms) | CPU new / dup (ms) | new vs floor (rounds) | dup vs floor | peak RSS (MB) | new p50 / p99 (ms) | dup p50 / p99 (ms) |"; print "|---|---|---|---|---|---|---|---|---|---|"; next }
    { printf "| %s | %s | %.1f / %.1f | %.1f / %.1f | %.3f / %.3f | %s (%s–%s) | %s | %.1f | %.2f / %.2f | %.2f / %.2f |\n", $1, $2, $3, $4, $5, $6, $11, $12, $16, $17, $18, $19, $15, $7, $8, $9, $10 }' "$OUT/floor.tsv"
  exit 0
fi

for provider in "${providers[@]}"; do
  if [ -n "${BINARIES:-}" ]; then read -r -a binaries <<< "$BINARIES"
  else binaries=("$provider=target/release/$provider"); fi
  log "$provider: lambda-size-bench --runs $RUNS --events $EVENTS --period-us $PERIOD_US --sizes $SIZES"
  common[1]="$provider"
  target/debug/lambda-size-bench "${common[@]}" --format tsv "${binaries[@]}" > "$OUT/$provider.tsv"
  # The table again from the TSV, for BENCHMARKS.md.
  awk -F'\t' 'NR == 1 { print "| binary | MB | init on / off (ms) | first on / off (ms) | new p50 / p99 (ms) | dup p50 / p99 (ms) | CPU new / dup (ms) | billed (ms) | Lambda $/M | peak RSS (MB) |"; print "|---|---|---|---|---|---|---|---|---|---|"; next }
    { printf "| %s | %s | %.1f / %.1f | %.1f / %.1f | %.2f / %.2f | %.2f / %.2f | %.3f / %.3f | %.2f | $%.3f | %.1f |\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15 }' "$OUT/$provider.tsv"
done

if [ "${CHART:-1}" = 1 ]; then
  chart_venv="$STATE/chart-venv"
  [ -x "$chart_venv/bin/python" ] || { python3 -m venv "$chart_venv" && "$chart_venv/bin/pip" install --quiet matplotlib; }
  tsvs=()
  for provider in "${providers[@]}"; do tsvs+=("$OUT/$provider.tsv"); done
  "$chart_venv/bin/python" scripts/lambda-size-chart.py benchmarks-lambda-size.png "${tsvs[@]}"
  log "chart: benchmarks-lambda-size.png"
fi

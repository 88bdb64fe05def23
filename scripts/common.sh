# Shared by scripts/dev.sh and scripts/test.sh. Sourced, not run.
# Installs the pinned tools into .venv, starts and stops the local AWS emulator
# (moto server) and `cargo lambda watch`, all on loopback.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
STATE="$ROOT/.local"
REQUIREMENTS="$ROOT/scripts/requirements.txt"
mkdir -p "$STATE"

log() { printf '==> %s\n' "$*" >&2; }

# ensure_venv VENV REQUIREMENTS: a virtualenv with exactly those pins, reinstalled when the
# requirements file changes (its hash is kept next to the venv).
ensure_venv() {
  local venv="$1" requirements="$2"
  local stamp="$venv/.requirements.sha256" want
  want="$(sha256sum "$requirements" | cut -d' ' -f1)"
  if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    log "installing pinned tools into ${venv#"$ROOT"/} (${requirements#"$ROOT"/})"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    echo "$want" > "$stamp"
  fi
}

# Installs the Python-packaged tools (moto server, cargo-lambda) at the pinned versions.
ensure_tools() {
  ensure_venv "$VENV" "$REQUIREMENTS"
  export PATH="$VENV/bin:$PATH"
  export BROKERHOOKS_MOTO_SERVER="$VENV/bin/moto_server"
  if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
    log "adding rustfmt and clippy"
    rustup component add rustfmt clippy
  fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_for_http URL SECONDS: until anything answers on URL.
wait_for_http() {
  local url="$1" seconds="$2" i
  for ((i = 0; i < seconds * 5; i++)); do
    if curl -s -o /dev/null "$url"; then return 0; fi
    sleep 0.2
  done
  log "nothing answered at $url after ${seconds}s"
  return 1
}

PIDS=()
stop_all() {
  local pid alive tries=0
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] && { kill -- -"$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true; }
  done
  # cargo lambda watch now and then outlives TERM (seen once in three `make test` runs):
  # what is still there after 10 s is killed.
  while [ "$tries" -lt 20 ]; do
    alive=0
    for pid in "${PIDS[@]:-}"; do
      [ -n "$pid" ] && kill -0 -- -"$pid" 2>/dev/null && alive=1
    done
    [ "$alive" = 0 ] && break
    sleep 0.5
    tries=$((tries + 1))
  done
  for pid in "${PIDS[@]:-}"; do
    [ -n "$pid" ] && kill -KILL -- -"$pid" 2>/dev/null || true
  done
  PIDS=()
}

# start_emulator PORT: moto server on loopback, logs in .local/moto.log.
start_emulator() {
  local port="$1"
  log "starting moto server on 127.0.0.1:$port"
  setsid "$VENV/bin/moto_server" -H 127.0.0.1 -p "$port" > "$STATE/moto.log" 2>&1 &
  PIDS+=("$!")
  wait_for_http "http://127.0.0.1:$port/moto-api/" 60
  export BROKERHOOKS_EMULATOR_URL="http://127.0.0.1:$port"
}

# start_watch PORT ENV_FILE LOG: serves every function binary with cargo lambda watch.
start_watch() {
  local port="$1" env_file="$2" log_file="$3"
  log "serving the functions with cargo lambda watch on 127.0.0.1:$port"
  setsid cargo lambda watch --ignore-changes --concurrency 4 \
      -A 127.0.0.1 -P "$port" --env-file "$env_file" > "$log_file" 2>&1 &
  PIDS+=("$!")
  wait_for_http "http://127.0.0.1:$port/" 120
  export BROKERHOOKS_WATCH_URL="http://127.0.0.1:$port"
}

local_stack() {
  "$ROOT/target/debug/local-stack" "$@"
}

# The function binaries, one per directory under functions/.
function_names() {
  local dir
  for dir in "$ROOT"/functions/*/; do basename "$dir"; done
}

# start_consumer_watch PORT ENV_FILE LOG: serves the example consumer with its own cargo
# lambda watch. It is not a default workspace member (Cargo.toml says why), so the
# receivers' watch cannot run it; this one builds it from its own manifest.
start_consumer_watch() {
  local port="$1" env_file="$2" log_file="$3"
  log "serving the example consumer with cargo lambda watch on 127.0.0.1:$port"
  setsid cargo lambda watch --manifest-path "$ROOT/consumer/example/Cargo.toml" \
      --ignore-changes -A 127.0.0.1 -P "$port" --env-file "$env_file" > "$log_file" 2>&1 &
  PIDS+=("$!")
  wait_for_http "http://127.0.0.1:$port/" 120
  export BROKERHOOKS_CONSUMER_WATCH_URL="http://127.0.0.1:$port"
  export BROKERHOOKS_CONSUMER_WATCH_LOG="$log_file"
}

#!/usr/bin/env bash
# Runs every test: formatting and lints, unit tests, integration tests against the
# local emulator, end-to-end tests over HTTP against `cargo lambda watch`, the README's
# consumer crate and first steps as a reader runs them, then the infrastructure checks
# (scripts/infra-checks.sh: cfn-lint, sam validate, sam build).
# Starts and stops everything it needs; nothing reaches AWS.
source "$(dirname "$0")/common.sh"
trap stop_all EXIT
trap 'exit 130' INT TERM
cd "$ROOT"

ensure_tools

log "cargo fmt --check"
cargo fmt --all -- --check
log "cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --quiet -- -D warnings

log "building"
cargo build --workspace --all-targets --quiet
# As its own watch builds it (only its own features; see Cargo.toml's default-members).
cargo build --quiet -p example-consumer

start_emulator "$(free_port)"

# The end-to-end stack: its own table and queue, functions configured from events/<function>/local.env.
env_file="$STATE/test-functions.env"
local_stack create "$BROKERHOOKS_EMULATOR_URL" "$env_file"
start_watch "$(free_port)" "$env_file" "$STATE/test-watch.log"
start_consumer_watch "$(free_port)" "$env_file" "$STATE/test-consumer-watch.log"
export BROKERHOOKS_E2E_QUEUE_URL
BROKERHOOKS_E2E_QUEUE_URL="$(grep '^EVENTS_QUEUE_URL=' "$env_file" | cut -d= -f2-)"
export BROKERHOOKS_E2E_ENV_FILE="$env_file"
export BROKERHOOKS_WATCH_LOG="$STATE/test-watch.log"

log "cargo test"
# Plain `cargo test` skips the tests that need the stack; here a missing stack is a failure.
export BROKERHOOKS_REQUIRE_STACK=1
BROKERHOOKS_METRICS_OFF=1 cargo test --workspace 2>&1 | tee "$STATE/test-output.log"

log "the JSON Schemas in other languages (README: Other languages: the JSON Schemas)"
bash "$ROOT/scripts/schema-consumers.sh"

log "auditing the logs of the whole run for secrets, signatures and e-mail addresses"
BROKERHOOKS_TEST_OUTPUT_LOG="$STATE/test-output.log" \
  cargo test --quiet -p brokerhooks-testkit --test offline log_audit -- --ignored
log "the consumer crates as dependencies of a crate outside the workspace (README's lines)"
python3 "$ROOT/scripts/consumer-as-dependency.py"
log "the README's first steps, as written, against a make dev of their own"
"$VENV/bin/python" "$ROOT/scripts/check-readme-commands.py"
log "infrastructure checks"
bash "$ROOT/scripts/infra-checks.sh"

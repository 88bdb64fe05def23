#!/usr/bin/env bash
# The local stack: emulator, table and queue (with its dead-letter queue), every
# function served by cargo lambda watch under /lambda-url/<provider>/webhooks/<provider>
# (the generic function under /lambda-url/generic/webhooks/generic/<source>),
# the sample events sent through them, a stand-in for Kite's order API with the sessions
# table for the Kite reconciler (`make reconcile`), and the example consumer fed from the queue by a
# local stand-in for Lambda's SQS event source mapping — then it keeps serving (and
# consuming) until Ctrl-C.
source "$(dirname "$0")/common.sh"
trap stop_all EXIT
trap 'exit 130' INT TERM
cd "$ROOT"

EMULATOR_PORT="${EMULATOR_PORT:-5050}"
WATCH_PORT="${WATCH_PORT:-9000}"
CONSUMER_WATCH_PORT="${CONSUMER_WATCH_PORT:-9001}"
KITE_API_PORT="${KITE_API_PORT:-9002}"

ensure_tools
log "building"
cargo build --workspace --bins --quiet
# As its own watch builds it (only its own features; see Cargo.toml's default-members).
cargo build --quiet -p example-consumer

start_emulator "$EMULATOR_PORT"
# The Kite reconciler's stand-in for Kite's order API (`make reconcile` reads it).
log "serving a stand-in for Kite's order API on 127.0.0.1:$KITE_API_PORT"
setsid "$ROOT/target/debug/local-stack" fake-kite "127.0.0.1:$KITE_API_PORT" \
    > "$STATE/dev-fake-kite.log" 2>&1 &
PIDS+=("$!")
env_file="$STATE/dev-functions.env"
local_stack create "$BROKERHOOKS_EMULATOR_URL" "$env_file" "http://127.0.0.1:$KITE_API_PORT"
queue_url="$(grep '^EVENTS_QUEUE_URL=' "$env_file" | cut -d= -f2-)"
start_watch "$WATCH_PORT" "$env_file" "$STATE/dev-watch.log"
start_consumer_watch "$CONSUMER_WATCH_PORT" "$env_file" "$STATE/dev-consumer-watch.log"

log "sending the sample events in events/"
local_stack replay "$BROKERHOOKS_WATCH_URL"

echo
log "serving; webhook URLs:"
for name in $(function_names); do
  suffix=""
  # OneMetric authenticates by a token in the URL (events/<function>/local.env holds the local one).
  [ "$name" = onemetric ] && suffix="?token=<ONEMETRIC_TOKEN from events/<function>/local.env>"
  # One function for every configured source (GENERIC_SOURCES in events/<function>/local.env).
  [ "$name" = generic ] && suffix="/<source>   (payments, acme-broker, kyc-vendor?token=…)"
  echo "    $name: $BROKERHOOKS_WATCH_URL/lambda-url/$name/webhooks/$name$suffix"
done
echo "    emulator: $BROKERHOOKS_EMULATOR_URL   queue: $queue_url"
echo "    example consumer: $BROKERHOOKS_CONSUMER_WATCH_URL/2015-03-31/functions/example-consumer/invocations"
echo "    Kite reconciler: make reconcile   (Kite order API stand-in: http://127.0.0.1:$KITE_API_PORT, book reconcilers/kite/local-order-book.json)"
echo "    function logs: .local/dev-watch.log, example consumer: .local/dev-consumer-watch.log   (Ctrl-C to stop)"

# The example consumer on the queue, as Lambda's event source mapping runs it (batches
# of up to 10, ReportBatchItemFailures, the queue's visibility timeout and redrive
# policy): what reached the queue from the samples now, then whatever arrives.
log "the example consumer on the queue (also in .local/dev-consumer.log)"
setsid bash -c '"$0" consume "$1" "$2" "$3" --follow 2>&1 | tee "$4"' \
    "$ROOT/target/debug/local-stack" "$BROKERHOOKS_EMULATOR_URL" "$queue_url" \
    "$BROKERHOOKS_CONSUMER_WATCH_URL" "$STATE/dev-consumer.log" &
PIDS+=("$!")
wait

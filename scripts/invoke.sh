#!/usr/bin/env bash
# One event to a function of a running `make dev`, through `cargo lambda invoke` from
# .venv (nothing needs to be on PATH): `make invoke FUNCTION=<function> EVENT=<file>`.
# The receivers are on WATCH_PORT (9000), the example consumer on CONSUMER_WATCH_PORT
# (9001), as `make dev` serves them. For the example consumer it also prints how its
# records ended, from the lines the consumer logged meanwhile in
# .local/dev-consumer-watch.log: the response alone says only which records failed.
source "$(dirname "$0")/common.sh"

function="${1:-}"
event="${2:-}"
if [ -z "$function" ] || [ -z "$event" ]; then
  echo "usage: make invoke FUNCTION=<function> EVENT=<event file>" >&2
  exit 2
fi
if [ ! -f "$event" ]; then
  echo "$event: no such event file" >&2
  exit 2
fi
if [ ! -x "$VENV/bin/cargo-lambda" ]; then
  echo "cargo-lambda is not installed in .venv yet: run \`make dev\` first" >&2
  exit 1
fi
export PATH="$VENV/bin:$PATH"

if [ "$function" = example-consumer ]; then
  port="${CONSUMER_WATCH_PORT:-9001}"
  consumer_log="$STATE/dev-consumer-watch.log"
  logged_before="$(wc -c < "$consumer_log" 2>/dev/null || echo 0)"
else
  port="${WATCH_PORT:-9000}"
fi

cargo lambda invoke "$function" -A 127.0.0.1 -P "$port" --data-file "$event"

if [ "$function" = example-consumer ] && [ -f "$consumer_log" ]; then
  # The consumer writes its record lines before it answers, so they are in the log now.
  tail -c +"$((logged_before + 1))" "$consumer_log" | python3 -c '
import collections, json, sys
outcomes = collections.Counter()
for line in sys.stdin:
    try:
        record = json.loads(line)
    except ValueError:
        continue
    if isinstance(record, dict) and record.get("message") == "record":
        outcomes[record.get("outcome", "?")] += 1
if outcomes:
    counts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(outcomes.items()))
    print(f"{sum(outcomes.values())} records: {counts}")
'
fi

#!/usr/bin/env bash
# One run of the Kite reconciler against a running `make dev`: its emulator's table,
# queue and sessions table, and its stand-in for Kite's order API
# (reconcilers/kite/local-order-book.json), configured from .local/dev-functions.env.
# Prints the run's summary; its log lines go to .local/dev-reconciler.log. What it
# enqueued, `make dev`'s example consumer handles (.local/dev-consumer.log).
source "$(dirname "$0")/common.sh"
cd "$ROOT"

env_file="$STATE/dev-functions.env"
binary="$ROOT/target/debug/kite-reconciler"
if [ ! -f "$env_file" ] || [ ! -x "$binary" ]; then
  echo "no local stack: run \`make dev\` first (in another shell)" >&2
  exit 1
fi
# Outside Lambda the reconciler runs once and prints its summary last.
set +e
# The env file is the one cargo lambda watch reads; its values are single-quoted where
# needed, so the shell reads it alike.
(set -a && source "$env_file" && set +a && exec "$binary") > "$STATE/dev-reconciler.log" 2>&1
status=$?
set -e
tail -n 1 "$STATE/dev-reconciler.log"
exit "$status"

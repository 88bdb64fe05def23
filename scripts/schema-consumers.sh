#!/usr/bin/env bash
# The README's "Other languages: the JSON Schemas" paths, run over every sample payload:
# Python (datamodel-code-generator + jsonschema, tests/schema-consumers/check_python.py)
# and TypeScript (ajv with the README's set-up, lossless-json, quicktype,
# tests/schema-consumers/check_typescript.mjs). Installs its pinned tools itself: a
# virtualenv in tests/schema-consumers/.venv (requirements.txt there) and `npm ci` of
# tests/schema-consumers/package-lock.json (reinstalled only when the lock changes).
source "$(dirname "$0")/common.sh"
DIR="$ROOT/tests/schema-consumers"

ensure_venv "$DIR/.venv" "$DIR/requirements.txt"
lock_hash="$(sha256sum "$DIR/package-lock.json" | cut -d' ' -f1)"
stamp="$DIR/node_modules/.package-lock.sha256"
if [ "$(cat "$stamp" 2>/dev/null)" != "$lock_hash" ]; then
  log "installing the pinned npm packages into tests/schema-consumers/node_modules (npm ci)"
  (cd "$DIR" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$lock_hash" > "$stamp"
fi

log "the README's Python path over every sample (datamodel-code-generator, jsonschema)"
"$DIR/.venv/bin/python" "$DIR/check_python.py"
log "the README's TypeScript path over every sample (ajv, lossless-json, quicktype)"
node "$DIR/check_typescript.mjs"

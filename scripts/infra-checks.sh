#!/usr/bin/env bash
# Checks infra/template.yaml offline: cfn-lint, `sam validate --lint` and `sam build`
# (cargo-lambda cross-compiles every function for arm64; no Docker). Dummy credentials
# and region, telemetry off: nothing here calls AWS. Called by scripts/test.sh.
source "$(dirname "$0")/common.sh"
cd "$ROOT"
ensure_tools

TEMPLATE=infra/template.yaml
export SAM_CLI_TELEMETRY=0
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL

log "cfn-lint $TEMPLATE"
cfn-lint -- "$TEMPLATE"

log "sam validate --lint"
sam validate --lint --template-file "$TEMPLATE"

# A check build, not a deployable one: the release profile's fat LTO and size
# optimisation cost minutes per binary on two cores and prove nothing more about
# whether every function compiles and links for provided.al2023 arm64. `sam build`
# without these overrides (README, Deploy) produces the deployable artifacts.
export CARGO_PROFILE_RELEASE_LTO=false
export CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
export CARGO_PROFILE_RELEASE_OPT_LEVEL=0
# Its own target directory, reused across runs, so a real release build elsewhere is
# not invalidated by these overrides (and the reverse).
export CARGO_TARGET_DIR="$ROOT/target/sam-check"
if ! rustup target list --installed | grep -qx aarch64-unknown-linux-gnu; then
  log "adding the aarch64-unknown-linux-gnu target"
  rustup target add aarch64-unknown-linux-gnu
fi

build_dir="$STATE/sam-build"
# The template lists every provider's function; while a function directory has not
# landed yet, build those that exist one by one (logical id = Name + "Function").
# The example consumer (consumer/example) is built too, though its Condition is off by
# default: sam build ignores Conditions.
missing=()
for binary in $(sed -n 's/^ *Binary: *\([a-z0-9_-]*\) *$/\1/p' "$TEMPLATE"); do
  [ -d "functions/$binary" ] || [ "$binary" = example-consumer ] || missing+=("$binary")
done
started=$SECONDS
if [ ${#missing[@]} -eq 0 ]; then
  log "sam build (every function)"
  sam build --template-file "$TEMPLATE" --build-dir "$build_dir"
else
  log "sam build: no functions/ directory yet for ${missing[*]}; building the others"
  for name in $(function_names); do
    sam build --template-file "$TEMPLATE" --build-dir "$build_dir" "${name^}Function"
  done
fi
log "sam build took $((SECONDS - started)) s"

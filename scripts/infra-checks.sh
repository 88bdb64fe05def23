#!/usr/bin/env bash
# Checks infra/template.yaml offline. Nothing here calls AWS: dummy credentials and
# region, telemetry off.
#
#   infra-checks.sh scan   expands the provider loops (scripts/expand-template.py) into
#                          .local/expanded-template.json (read by
#                          tests/tests/infra_template.rs) and scans the scan copy with
#                          checkov (.local/checkov.json; any failed check fails this)
#   infra-checks.sh        the scan, then cfn-lint, `sam validate --lint` and
#                          `sam build --language-extensions` (cargo-lambda
#                          cross-compiles every function for arm64; no Docker)
#
# `make test` runs the scan before the tests and the whole of it after them
# (scripts/test.sh).
source "$(dirname "$0")/common.sh"
cd "$ROOT"
ensure_tools

TEMPLATE=infra/template.yaml
EXPANDED="$STATE/expanded-template.json"
SCAN="$STATE/scan-template.json"
export SAM_CLI_TELEMETRY=0
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL

# checkov in its own virtualenv (scripts/checkov-requirements.txt says why).
ensure_checkov() {
  ensure_venv "$ROOT/.venv-checkov" "$ROOT/scripts/checkov-requirements.txt"
  CHECKOV="$ROOT/.venv-checkov/bin/checkov"
}

scan() {
  log "expanding the provider loops: $EXPANDED, $SCAN"
  python "$ROOT/scripts/expand-template.py" "$TEMPLATE" "$EXPANDED" "$SCAN"
  ensure_checkov
  # The expanded scan copy: on the template itself checkov sees only the loops and
  # checks nothing. --skip-download: offline, the bundled checks only.
  log "checkov (skips and their reasons: README, Security scan)"
  local status=0
  "$CHECKOV" --file "$SCAN" --framework cloudformation --skip-download \
      --output json > "$STATE/checkov.json" || status=$?
  python3 - "$STATE/checkov.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
summary = report["summary"]
print(f"==> checkov: {summary['passed']} passed, {summary['failed']} failed, "
      f"{summary['skipped']} skipped, {summary['parsing_errors']} parsing errors",
      file=sys.stderr)
for check in report["results"]["failed_checks"]:
    print(f"    FAILED {check['check_id']} {check['resource']}: {check['check_name']}",
          file=sys.stderr)
PY
  if [ "$status" -ne 0 ]; then
    log "checkov failed (exit $status): fix the template, or skip a check that does not apply in its Metadata with a reason"
    return "$status"
  fi
}

scan
[ "${1:-}" = scan ] && exit 0

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

# --language-extensions: SAM CLI expands the provider loops itself (without it,
# `sam build` fails on Fn::ForEach); the built template keeps them for CloudFormation.
# The example consumer is built too, though its Condition is off by default: sam build
# ignores Conditions.
started=$SECONDS
log "sam build --language-extensions (every function)"
sam build --language-extensions --template-file "$TEMPLATE" --build-dir "$STATE/sam-build"
log "sam build took $((SECONDS - started)) s"

# The built template keeps the loop; each function must point at its own artifact
# (infra/template.yaml, the loop's CodeUri, says why), not one shared by all.
python - "$STATE/sam-build/template.yaml" <<'PY'
import sys
from samcli.yamlhelper import yaml_parse
built = yaml_parse(open(sys.argv[1], encoding="utf-8").read())
loop = built["Resources"]["Fn::ForEach::Providers"]
providers, body = loop[1], loop[2]
code_uri = body["${Provider}Function"]["Properties"].get("CodeUri")
expected = {"Fn::FindInMap": ["SAMCodeUriProviders", {"Ref": "Provider"}, "CodeUri"]}
mapping = built.get("Mappings", {}).get("SAMCodeUriProviders", {})
artifacts = {p: mapping.get(p, {}).get("CodeUri") for p in providers}
wanted = {p: f"{p}Function" for p in providers}
if code_uri != expected or artifacts != wanted:
    sys.exit(f"sam build: the loop's functions do not each get their own artifact: {code_uri} {artifacts}")
print(f"==> sam build: one artifact per function: {', '.join(sorted(artifacts.values()))}", file=sys.stderr)
PY

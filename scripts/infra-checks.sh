#!/usr/bin/env bash
# Checks infra/template.yaml offline. Nothing here calls AWS: dummy credentials and
# region, telemetry off.
#
#   infra-checks.sh scan   expands the template once per ingress mode (the Ingress
#                          parameter: HttpApi, FunctionUrl) with
#                          scripts/expand-template.py into .local/expanded-template-<mode>.json
#                          and .local/translated-<mode>.json (read by
#                          tests/tests/infra_template.rs), and scans both modes' scan copies
#                          with checkov in one run (.local/checkov.json; any failed check
#                          fails this)
#   infra-checks.sh        the scan, then cfn-lint (once per mode), `sam validate --lint`
#                          and `sam build --language-extensions` (once per mode;
#                          cargo-lambda cross-compiles every function for arm64; no Docker)
#
# `make test` runs the scan before the tests and the whole of it after them
# (scripts/test.sh).
source "$(dirname "$0")/common.sh"
cd "$ROOT"
ensure_tools

TEMPLATE=infra/template.yaml
# The values of the template's Ingress parameter (scripts/expand-template.py checks the
# template allows exactly these).
INGRESS_MODES=(HttpApi FunctionUrl)
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
  local mode scans=()
  # Nothing from an earlier run may stand in for this one's files.
  rm -f "$STATE"/expanded-template*.json "$STATE"/translated-*.json \
      "$STATE"/scan-template*.json "$STATE/checkov.json"
  log "expanding the template per ingress mode (${INGRESS_MODES[*]}) into $STATE"
  python "$ROOT/scripts/expand-template.py" "$TEMPLATE" "$STATE"
  for mode in "${INGRESS_MODES[@]}"; do
    scans+=(--file "$STATE/scan-template-$mode.json")
  done
  ensure_checkov
  # The expanded, translated scan copies: on the template itself checkov sees only the
  # loops and checks nothing. Both modes in one run (one start-up, one report).
  # --skip-download: offline, the bundled checks only.
  log "checkov, both ingress modes (skips and their reasons: README, Security scan)"
  local status=0
  "$CHECKOV" "${scans[@]}" --framework cloudformation --skip-download \
      --output json > "$STATE/checkov.json" || status=$?
  python3 - "$STATE/checkov.json" "${INGRESS_MODES[@]}" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
results = report["results"]
for mode in sys.argv[2:]:
    def count(kind):
        return sum(1 for check in results[kind]
                   if check["file_path"].endswith(f"scan-template-{mode}.json"))
    print(f"==> checkov, Ingress={mode}: {count('passed_checks')} passed, "
          f"{count('failed_checks')} failed, {count('skipped_checks')} skipped",
          file=sys.stderr)
print(f"==> checkov: {report['summary']['parsing_errors']} parsing errors", file=sys.stderr)
for check in results["failed_checks"]:
    print(f"    FAILED {check['file_path']} {check['check_id']} {check['resource']}: "
          f"{check['check_name']}", file=sys.stderr)
PY
  if [ "$status" -ne 0 ]; then
    log "checkov failed (exit $status): fix the template, or skip a check that does not apply in its Metadata with a reason"
    return "$status"
  fi
}

scan
[ "${1:-}" = scan ] && exit 0

for mode in "${INGRESS_MODES[@]}"; do
  log "cfn-lint $TEMPLATE (Ingress=$mode)"
  cfn-lint --parameters "Ingress=$mode" -- "$TEMPLATE"
done

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
# ignores Conditions. Once per ingress mode (SAM CLI resolves the template with the
# mode's value to find what to build): the first build compiles, the second reuses it.
for mode in "${INGRESS_MODES[@]}"; do
  started=$SECONDS
  log "sam build --language-extensions (every function; Ingress=$mode)"
  sam build --language-extensions --template-file "$TEMPLATE" \
      --build-dir "$STATE/sam-build-$mode" --parameter-overrides "Ingress=$mode"
  log "sam build (Ingress=$mode) took $((SECONDS - started)) s"

  # The built template keeps the loop; each function must point at its own artifact
  # (infra/template.yaml, the loop's CodeUri, says why), not one shared by all.
  python - "$STATE/sam-build-$mode/template.yaml" "$mode" <<'PY'
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
    sys.exit(f"sam build (Ingress={sys.argv[2]}): the loop's functions do not each get their own artifact: {code_uri} {artifacts}")
print(f"==> sam build (Ingress={sys.argv[2]}): one artifact per function: {', '.join(sorted(artifacts.values()))}", file=sys.stderr)
PY
done

"""The README's Python path for the JSON Schemas, run over every sample payload.

Run by scripts/schema-consumers.sh with this directory's virtualenv. It:
- takes the README section "Other languages: the JSON Schemas" and runs its shell
  commands (the install lines are checked against the pins instead of run) and its
  Python code verbatim in work/, where `models` links to the repository's models/;
- builds one envelope per sample event in events/<provider>/payloads/ (as the receiver
  would: its type from the provider's rule in the README), and per order-book entry of
  reconcilers/kite/local-order-book.json (as the reconciler would), and checks that every envelope,
  and every payload of a type with a schema, validates with jsonschema and parses with
  the generated pydantic models: the right class per Upvest category and SnapTrade event
  type, every decimal a `Decimal` equal to the payload's text, no float anywhere;
- writes work/cases.json, the envelopes and what the README's TypeScript must print for
  them, for check_typescript.mjs.
"""

import contextlib
import hashlib
import importlib
import io
import json
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import jsonschema
from pydantic import BaseModel, RootModel

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
WORK = HERE / "work"
SCHEMAS = ROOT / "models" / "schemas"
SECTION = "### Other languages: the JSON Schemas\n"
RECEIVED_AT = "2026-11-21T00:00:00Z"

# Which schema file (and its generated top-level class) reads a payload, by provider and
# envelope type; None: no model for that type (the consumer handles it generically).
SMALLCASE_SCHEMAS = {
    "SECURITIES_ORDER": ("smallcase-securities-order", "OrderBatch"),
    "HOLDINGS_IMPORT": ("smallcase-holdings-import", "HoldingsImport"),
    "MF_HOLDINGS_IMPORT": ("smallcase-mf-holdings-import", "MfHoldingsImport"),
    "USER.PENDING_ACTIONS": ("smallcase-pending-actions", "PendingActions"),
}
SINGLE_SCHEMA = {
    "kite": ("kite-postback", "KitePostback"),
    "snaptrade": ("snaptrade-webhook", "SnapTradeWebhook"),
    "upvest": ("upvest-event", "UpvestEvent"),
    "onemetric": ("onemetric-event", "OneMetricEvent"),
}

# What the Rust models route by type (models/src/upvest.rs, snaptrade.rs), written out
# independently of the schemas: the generated class each event must land in.
UPVEST_VARIANTS = {
    "ORDER": ("UpvestOrderEvent", "Order"),
    "EXECUTION": ("UpvestExecutionEvent", "Execution"),
    "USER": ("UpvestUserEvent", "User"),
    "ACCOUNT": ("UpvestAccountEvent", "Account"),
}
UPVEST_OTHER = ("UpvestOtherEvent", dict)
SNAPTRADE_VARIANTS = {
    "ACCOUNT_HOLDINGS_UPDATED": ("SnapTradeHoldingsWebhook", "HoldingsSyncDetails"),
    "TRADE_DETECTION": ("SnapTradeTradeWebhook", "TradeDetails"),
    "TRADE_UPDATE": ("SnapTradeTradeWebhook", "TradeDetails"),
    "CONNECTION_ATTEMPTED": ("SnapTradeConnectionAttemptWebhook", dict),
}
SNAPTRADE_OTHER = "SnapTradeOtherWebhook"


class CheckFailed(Exception):
    pass


def check(condition, message):
    if not condition:
        raise CheckFailed(message)


# --- The README ------------------------------------------------------------------------


def readme_blocks():
    """The fenced code blocks of the section, as (language, text)."""
    readme = (ROOT / "README.md").read_text()
    check(SECTION in readme, f"README has no section {SECTION.strip()!r}")
    section = readme.split(SECTION, 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^```(\w*)\n(.*?)^```$", section, flags=re.S | re.M)


def block(blocks, language, marker):
    found = [text for lang, text in blocks if lang == language and marker in text]
    check(len(found) == 1, f"README: expected one {language} block with {marker!r}, found {len(found)}")
    return found[0]


def install_line_pins(script, installer):
    """The `pip install` / `npm install` line of a README block, and the rest of it."""
    lines = script.splitlines()
    install = [line for line in lines if line.startswith(f"{installer} install ")]
    check(len(install) == 1, f"README: expected one `{installer} install` line")
    rest = "\n".join(line for line in lines if line not in install) + "\n"
    return install[0].split()[2:], rest


def check_pins(python_block, typescript_block):
    """The README's install lines name exactly the pins this check installs."""
    pip_args, python_rest = install_line_pins(python_block, "pip")
    pinned = sorted(
        line.strip()
        for line in (HERE / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    )
    check(sorted(pip_args) == pinned, f"README pip line {pip_args} != requirements.txt {pinned}")
    npm_args, typescript_rest = install_line_pins(typescript_block, "npm")
    package = json.loads((HERE / "package.json").read_text())
    wanted = sorted(f"{name}@{version}" for name, version in package["devDependencies"].items())
    check(sorted(npm_args) == wanted, f"README npm line {npm_args} != package.json {wanted}")
    return python_rest, typescript_rest


def prepare_work_dir():
    WORK.mkdir(exist_ok=True)
    for stale in WORK.glob("*.py"):
        stale.unlink()
    link = WORK / "models"
    if not link.is_symlink():
        link.symlink_to(ROOT / "models")


def run_shell(script, path_prefix):
    """A README block, verbatim, in work/ (the generator's deprecation notices muted)."""
    env = {**os.environ, "PATH": f"{path_prefix}:{os.environ['PATH']}", "PYTHONWARNINGS": "ignore"}
    subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=WORK, check=True, env=env)


# --- Samples and their envelopes ---------------------------------------------------------


def dump(value):
    """JSON text of a value parsed with parse_float=Decimal; decimals keep their text."""
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{dump(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(dump(v) for v in value) + "]"
    if isinstance(value, Decimal):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def nonempty_string(value):
    return isinstance(value, str) and value != ""


def envelope_type(provider, event):
    """The receiver's envelope `type`, by each provider's rule in the README."""
    if provider == "kite":
        return event.get("status") if nonempty_string(event.get("status")) else "UNPARSED"
    if provider == "snaptrade":
        return event.get("eventType") if nonempty_string(event.get("eventType")) else "UNPARSED"
    if provider == "upvest":
        return event.get("type") if nonempty_string(event.get("type")) else "UNPARSED"
    if provider == "onemetric":
        if not nonempty_string(event.get("event_type")):
            return "UNPARSED"
        sub_type = event.get("sub_type")
        return f"{event['event_type']}.{sub_type}" if nonempty_string(sub_type) else event["event_type"]
    if provider == "smallcase":
        if event.get("eventType") is not None:
            return event["eventType"] if nonempty_string(event["eventType"]) else "UNPARSED"
        if "smallcaseAuthId" not in event:
            return "MF_HOLDINGS_IMPORT"
        has = lambda *fields: any(event.get(f) is not None for f in fields)  # noqa: E731
        order, holdings = has("batchId", "orders", "unplaced"), has("securities", "smallcases")
        if order != holdings:
            return "SECURITIES_ORDER" if order else "HOLDINGS_IMPORT"
        return "UNPARSED"
    raise CheckFailed(f"no envelope rule for provider {provider}")


def sample_events():
    """(name, provider, event) for every event of every sample with a provider schema."""
    for provider in ["kite", "smallcase", "snaptrade", "upvest", "onemetric"]:
        templates = sorted((ROOT / "events" / provider / "payloads").glob("*.json"))
        check(templates, f"events/{provider}/payloads/ has no samples")
        for template in templates:
            body = json.loads(template.read_text(), parse_float=Decimal)
            events = body["payload"] if provider == "upvest" else [body]
            for n, event in enumerate(events):
                if provider == "snaptrade":
                    # The receiver cuts SnapTrade's legacy secret out of the payload.
                    event.pop("webhookSecret", None)
                yield f"{provider}/{template.name}#{n}", provider, event
        if provider == "kite":
            # What the reconciler enqueues: order-book entries, as Kite's API answers them.
            book = ROOT / "reconcilers" / "kite" / "local-order-book.json"
            states = json.loads(book.read_text(), parse_float=Decimal)["states"]
            check(states, f"{book} has no states")
            for n, event in enumerate(states):
                yield f"kite/local-order-book.json#{n}", provider, event


def envelope_of(provider, event):
    text = dump(event)
    return {
        "id": event.get("id") or event.get("webhookId") or hashlib.sha256(text.encode()).hexdigest(),
        "provider": provider,
        "type": envelope_type(provider, event),
        "subject": "sample",
        "occurred_at": RECEIVED_AT,
        "received_at": RECEIVED_AT,
        "payload": event,
    }


def schema_for(provider, event_type):
    if event_type == "UNPARSED":
        return None
    if provider == "smallcase":
        return SMALLCASE_SCHEMAS.get(event_type)
    return SINGLE_SCHEMA[provider]


# --- Checking a parsed model --------------------------------------------------------------


def walk(model, raw, path, decimals):
    """No float anywhere; every Decimal equals the payload's value, scale included."""
    check(not isinstance(model, float), f"{path}: a float ({model!r})")
    if isinstance(model, RootModel):
        walk(model.root, raw, path, decimals)
    elif isinstance(model, BaseModel):
        check(isinstance(raw, dict), f"{path}: a model for a non-object")
        for name, field in type(model).model_fields.items():
            key = field.alias or name
            walk(getattr(model, name), raw.get(key), f"{path}.{key}", decimals)
    elif isinstance(model, Decimal):
        check(isinstance(raw, (Decimal, int, str)), f"{path}: a Decimal from {type(raw).__name__}")
        check(str(model) == str(Decimal(str(raw))), f"{path}: {model} read from {raw!r}")
        decimals.append(path)
    elif isinstance(model, list):
        for n, (item, raw_item) in enumerate(zip(model, raw)):
            walk(item, raw_item, f"{path}[{n}]", decimals)
    elif isinstance(model, dict):
        check(model == raw, f"{path}: the object was not kept whole")


def class_name(value):
    return "dict" if isinstance(value, dict) else type(value).__name__


def check_routing(provider, event, parsed):
    """The generated union picked the class the Rust models route to."""
    if provider == "upvest":
        category = event["type"].split(".", 1)[0]
        variant, object_class = UPVEST_VARIANTS.get(category, UPVEST_OTHER)
        object_class = "dict" if object_class is dict else object_class
        got = (class_name(parsed.root), class_name(parsed.root.object))
        check(got == (variant, object_class), f"{event['type']}: {got}, expected {(variant, object_class)}")
        return variant
    if provider == "snaptrade":
        variant, details_class = SNAPTRADE_VARIANTS.get(event["eventType"], (SNAPTRADE_OTHER, None))
        check(class_name(parsed.root) == variant, f"{event['eventType']}: {class_name(parsed.root)}, expected {variant}")
        if details_class is not None and event.get("details") is not None:
            details_class = "dict" if details_class is dict else details_class
            got = class_name(parsed.root.details)
            check(got == details_class, f"{event['eventType']} details: {got}, expected {details_class}")
        return variant
    return class_name(parsed)


def check_receiver_envelopes(cases, schemas):
    """events/consumer/fifo-batch.json holds envelopes the receiver wrote: they fit the
    envelope schema, their payloads fit theirs, and this check's type rules agree."""
    batch = json.loads((ROOT / "events" / "consumer" / "fifo-batch.json").read_text())
    without_checksum = lambda payload: {k: v for k, v in payload.items() if k != "checksum"}  # noqa: E731
    mine = {json.dumps(without_checksum(json.loads(c["body"], parse_float=Decimal)["payload"]),
                       sort_keys=True, default=str): c for c in cases}
    for record in batch["Records"]:
        envelope = json.loads(record["body"], parse_float=Decimal)
        jsonschema.validate(envelope, schemas["envelope"])
        target = schema_for(envelope["provider"], envelope["type"])
        if target is not None:
            jsonschema.validate(envelope["payload"], schemas[target[0]])
        case = mine.get(json.dumps(without_checksum(envelope["payload"]), sort_keys=True, default=str))
        check(case is not None, f"fifo-batch.json: a {envelope['provider']} payload that is no sample")
        check(case["type"] == envelope["type"],
              f"{case['name']}: type {case['type']}, the receiver wrote {envelope['type']}")
    return len(batch["Records"])


# --- The run -----------------------------------------------------------------------------


def main():
    blocks = readme_blocks()
    python_shell = block(blocks, "sh", "datamodel-codegen")
    python_code = block(blocks, "python", "def handle(body: str)")
    lambda_code = block(blocks, "python", "def handler(event, context)")
    typescript_shell = block(blocks, "sh", "quicktype")
    typescript_code = block(blocks, "ts", "export function handle(body: string)")
    python_shell, typescript_shell = check_pins(python_shell, typescript_shell)

    prepare_work_dir()
    run_shell(python_shell, str(Path(sys.executable).parent))
    sys.path.insert(0, str(WORK))
    schemas = {path.stem: json.loads(path.read_text()) for path in SCHEMAS.glob("*.json")}
    modules = {name: importlib.import_module(name.replace("-", "_")) for name in schemas}

    envelope_class = modules["envelope"].Envelope
    cases, variants_seen, skipped, decimal_count = [], set(), [], 0
    for name, provider, event in sample_events():
        envelope = envelope_of(provider, event)
        body = dump(envelope)
        # Every envelope fits the envelope schema and model.
        jsonschema.validate(json.loads(body, parse_float=Decimal), schemas["envelope"])
        envelope_class.model_validate(json.loads(body, parse_float=Decimal))
        target = schema_for(provider, envelope["type"])
        case = {"name": name, "body": body, "provider": provider, "type": envelope["type"],
                "schema": target[0] if target else None}
        if target is None:
            skipped.append(f"{name} ({envelope['type']})")
            if envelope["type"] == "UNPARSED" and provider in SINGLE_SCHEMA:
                # The receiver's fallback and the schema agree: the payload does not fit.
                schema = schemas[SINGLE_SCHEMA[provider][0]]
                check(not jsonschema.Draft202012Validator(schema).is_valid(event),
                      f"{name}: UNPARSED, yet it fits {SINGLE_SCHEMA[provider][0]}")
        else:
            schema_name, class_name_ = target
            payload = json.loads(body, parse_float=Decimal)["payload"]
            try:
                jsonschema.validate(payload, schemas[schema_name])
                parsed = getattr(modules[schema_name], class_name_).model_validate(payload)
                variant = check_routing(provider, event, parsed)
                decimals = []
                walk(parsed, payload, name, decimals)
            except (jsonschema.ValidationError, ValueError, AttributeError, TypeError) as error:
                raise CheckFailed(f"{name} against {schema_name}: {error}") from error
            variants_seen.add((provider, variant))
            decimal_count += len(decimals)
            case["variant"] = variant
        cases.append(case)

    # Every variant has a sample, so each routing rule above was exercised.
    expected_variants = {("upvest", v) for v, _ in UPVEST_VARIANTS.values()} | {
        ("snaptrade", v) for v, _ in SNAPTRADE_VARIANTS.values()
    } | {("snaptrade", SNAPTRADE_OTHER)}
    check(expected_variants <= variants_seen, f"variants without a sample: {expected_variants - variants_seen}")
    check(decimal_count > 0, "no decimal field was read")
    receiver_envelopes = check_receiver_envelopes(cases, schemas)

    # The README's code, verbatim, over every envelope: what it prints is exactly what
    # the payloads say.
    namespace = {"__name__": "readme"}
    with contextlib.chdir(WORK):
        exec(compile(python_code, "README.md (Python)", "exec"), namespace)
        for case in cases:
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                namespace["handle"](case["body"])
            expected = readme_output(case, none="None")
            check(printed.getvalue() == expected, f"{case['name']}: README Python printed {printed.getvalue()!r}, expected {expected!r}")
            case["typescript_prints"] = readme_output(case, none="null")
        exec(compile(lambda_code, "README.md (Python Lambda consumer)", "exec"), namespace)
        check_lambda_handler(namespace["handler"], cases)

    (WORK / "cases.json").write_text(json.dumps({"cases": cases, "typescript_shell": typescript_shell,
                                                  "typescript_code": typescript_code}, indent=1))
    kept = len(cases) - len(skipped)
    print(f"schema consumers (Python): {kept} payloads validated and parsed into the generated models "
          f"({decimal_count} decimals, all Decimal), {len(cases)} envelopes validated "
          f"(and the receiver's {receiver_envelopes} in fifo-batch.json); "
          f"skipped (UNPARSED or no model for the type): {', '.join(skipped)}")


def check_lambda_handler(handler, cases):
    """The README's Lambda handler over an SQS FIFO batch of the envelopes, with one record
    that fails in the middle of a message group: it and the rest of its group are reported,
    every other record is handled, in order."""
    groups = ["g1", "g2"]
    records = []
    for n, case in enumerate(cases):
        records.append({"messageId": f"m{n}", "body": case["body"],
                        "eventSourceARN": "arn:aws:sqs:ap-south-1:123456789012:events.fifo",
                        "attributes": {"MessageGroupId": groups[n % 2]}})
    broken = len(records) // 2
    broken -= broken % 2  # in group g1
    records[broken]["body"] = "{}"  # not an envelope: the README's handle raises
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        answer = handler({"Records": records}, None)
    expected = [{"itemIdentifier": f"m{n}"} for n in range(broken, len(records), 2)]
    check(answer == {"batchItemFailures": expected},
          f"README Lambda handler answered {answer}, expected the failing record and the rest of its group")
    handled = "".join(readme_output(case, none="None") for n, case in enumerate(cases)
                      if not (n >= broken and n % 2 == 0))
    check(printed.getvalue() == handled, "README Lambda handler did not handle every other record in order")


def readme_output(case, none):
    """What the README's handle(body) prints for a case, from the payload's own text."""
    if case["type"] == "UNPARSED":
        return ""
    payload = json.loads(case["body"], parse_float=Decimal)["payload"]
    text = lambda value: none if value is None else str(value)  # noqa: E731
    if case["provider"] == "kite":
        return f"{payload['order_id']} {payload['status']} {text(payload.get('average_price'))}\n"
    if case["provider"] == "upvest" and re.match(r"ORDER(\.|$)", case["type"]):
        order = payload["object"]
        return f"{payload['type']} {text(order.get('status'))} {text(order.get('cash_amount'))}\n"
    return ""


if __name__ == "__main__":
    try:
        main()
    except (CheckFailed, subprocess.CalledProcessError) as error:
        print(f"schema consumers (Python): FAILED: {error}", file=sys.stderr)
        sys.exit(1)

"""A minimal Kite Connect postback receiver on AWS Lambda Powertools for Python.

The benchmarks' peer (BENCHMARKS.md): what a team would write in Python for the same job
as the `kite` function, measured by the same bench against the same fake Runtime API and
emulator. Run by the Lambda runtime interface client:

    AWS_LAMBDA_RUNTIME_API=… PYTHONPATH=benches/powertools-peer \
        .venv-peer/bin/python -m awslambdaric kite_peer.handler

Per delivery: Kite's checksum (hex SHA-256 of order_id + order_timestamp + api_secret,
compared in constant time; `KITE_API_SECRET` may list several, comma-separated), then
Powertools' idempotency utility on the events table (a conditional PutItem claiming
the payload's hash, the function, a conditional UpdateItem storing its result; a
redelivery is one failed PutItem that returns the stored result), the function being one
FIFO SendMessage of an envelope like the receiver's, and one Powertools log line.

Not shipped and not a reference for behaviour: the contract is the Rust receiver's
(README). This only has to do comparable work.
"""

import base64
import hashlib
import hmac
import json
import os
from datetime import datetime, timedelta, timezone

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
)

PROVIDER = "kite"
# Kite's timestamps are Indian Standard Time without an offset.
IST = timezone(timedelta(hours=5, minutes=30))
# As the receiver's DEDUPE_TTL_SECONDS default.
KEPT_SECONDS = 30 * 24 * 3600

logger = Logger(service="kite-peer")
SECRETS = [s for s in os.environ.get("KITE_API_SECRET", "").split(",") if s]
QUEUE_URL = os.environ.get("EVENTS_QUEUE_URL", "")
FIFO = QUEUE_URL.endswith(".fifo")
sqs = boto3.client("sqs")
persistence = DynamoDBPersistenceLayer(
    table_name=os.environ.get("EVENTS_TABLE", ""),
    key_attr="pk",
    expiry_attr="expires_at",
)


def mark_duplicate(response, data_record):
    """Powertools calls this when it returns a stored result: the event is a duplicate."""
    return {"accepted": 0, "duplicates": 1}


config = IdempotencyConfig(
    expires_after_seconds=KEPT_SECONDS, response_hook=mark_duplicate
)


def answer(status, body):
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(body),
        "isBase64Encoded": False,
        "cookies": [],
    }


def checksum_matches(postback):
    order_id = postback.get("order_id")
    order_timestamp = postback.get("order_timestamp")
    given = postback.get("checksum")
    if not (
        isinstance(order_id, str)
        and isinstance(order_timestamp, str)
        and isinstance(given, str)
    ):
        return False
    signed = (order_id + order_timestamp).encode()
    return any(
        hmac.compare_digest(hashlib.sha256(signed + secret.encode()).hexdigest(), given)
        for secret in SECRETS
    )


def occurred_at(postback, received_at):
    try:
        local = datetime.strptime(postback["order_timestamp"], "%Y-%m-%d %H:%M:%S")
        return local.replace(tzinfo=IST).astimezone(timezone.utc)
    except (KeyError, TypeError, ValueError):
        return received_at


def rfc3339(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@idempotent_function(
    data_keyword_argument="postback", persistence_store=persistence, config=config
)
def enqueue(postback):
    received_at = datetime.now(timezone.utc)
    text = json.dumps(postback, separators=(",", ":"))
    event_id = hashlib.sha256(text.encode()).hexdigest()
    event_type = str(postback.get("status") or "UNPARSED")
    subject = str(postback.get("order_id") or "unknown")
    envelope = {
        "id": event_id,
        "provider": PROVIDER,
        "type": event_type,
        "subject": subject,
        "occurred_at": rfc3339(occurred_at(postback, received_at)),
        "received_at": rfc3339(received_at),
        "payload": postback,
    }
    message = {
        "QueueUrl": QUEUE_URL,
        "MessageBody": json.dumps(envelope, separators=(",", ":")),
        "MessageAttributes": {
            "provider": {"DataType": "String", "StringValue": PROVIDER},
            "type": {"DataType": "String", "StringValue": event_type},
        },
    }
    if FIFO:
        message["MessageGroupId"] = f"{PROVIDER}:{subject}"
        message["MessageDeduplicationId"] = hashlib.sha256(
            f"{PROVIDER}:{event_id}".encode()
        ).hexdigest()
    sqs.send_message(**message)
    return {"accepted": 1, "duplicates": 0}


def handler(event, context):
    config.register_lambda_context(context)
    body = event.get("body") or ""
    try:
        raw = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode()
        postback = json.loads(raw)
    except ValueError:
        return answer(400, {"error": "body is not JSON"})
    if not isinstance(postback, dict):
        return answer(400, {"error": "body is not a JSON object"})
    if not checksum_matches(postback):
        logger.warning("delivery not accepted", extra={"status": 401})
        return answer(401, {"error": "checksum mismatch"})
    try:
        result = enqueue(postback=postback)
    except IdempotencyAlreadyInProgressError:
        logger.warning("delivery not accepted", extra={"status": 409})
        return answer(409, {"error": "event in progress"})
    except Exception:  # noqa: BLE001 - any AWS failure: the sender retries
        logger.exception("delivery not accepted", extra={"status": 503})
        return answer(503, {"error": "unavailable"})
    logger.info("delivery accepted", extra={"status": 200, **result})
    return answer(200, result)

#!/usr/bin/env python3
"""Signs one webhook delivery with implementations independent of brokerhooks, for the
acceptance tests of configured sources (tests/tests/generic_acceptance_http.rs):

- standard-webhooks: the `standardwebhooks` package from PyPI (pinned in
  scripts/requirements.txt), the Standard Webhooks reference implementation;
- hmac: Python's own hmac/hashlib;
- url-token: Python's own urllib.parse.

Reads one JSON request on stdin and writes one JSON answer on stdout:
  in:  {"scheme": "standard-webhooks", "secret": "whsec_…", "id": "msg_…", "timestamp": 1795348800, "body": "…"}
       {"scheme": "hmac", "secret": "…", "header": "X-Sig", "algorithm": "sha256",
        "encoding": "hex", "prefix": "sha256=", "body": "…"}
       {"scheme": "url-token", "secret": "…", "parameter": "token", "body": "…"}
  out: {"headers": {name: value, …}, "query": "…" or null}
Test tooling only: the secrets it is given are test secrets.
"""

import base64
import hashlib
import hmac
import json
import sys
import urllib.parse
from datetime import datetime, timezone


def standard_webhooks(request):
    from standardwebhooks.webhooks import Webhook

    at = datetime.fromtimestamp(request["timestamp"], tz=timezone.utc)
    signature = Webhook(request["secret"]).sign(request["id"], at, request["body"])
    return {
        "headers": {
            "webhook-id": request["id"],
            "webhook-timestamp": str(request["timestamp"]),
            "webhook-signature": signature,
        },
        "query": None,
    }


def plain_hmac(request):
    digest = {"sha256": hashlib.sha256, "sha512": hashlib.sha512}[request["algorithm"]]
    tag = hmac.new(request["secret"].encode(), request["body"].encode(), digest).digest()
    encoded = tag.hex() if request["encoding"] == "hex" else base64.b64encode(tag).decode()
    return {
        "headers": {request["header"]: request.get("prefix", "") + encoded},
        "query": None,
    }


def url_token(request):
    query = urllib.parse.urlencode({request.get("parameter", "token"): request["secret"]})
    return {"headers": {}, "query": query}


SCHEMES = {"standard-webhooks": standard_webhooks, "hmac": plain_hmac, "url-token": url_token}


def main():
    request = json.load(sys.stdin)
    json.dump(SCHEMES[request["scheme"]](request), sys.stdout)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Registers this deployment's OneMetric webhook URL with OneMetric.

OneMetric signs nothing, so the registered URL carries the secret:
    <base>/webhooks/onemetric?token=<token>
This script builds that URL, POSTs {"webhook_url": "<url>"} to OneMetric's register
endpoint, prints OneMetric's answer and exits non-zero if OneMetric refuses.

The token is read from the environment, never from the command line, so it stays out
of shell history and process lists; it is masked in everything this script prints.

Usage:
    ONEMETRIC_TOKEN=<token> infra/register-onemetric.py --base-url https://abc123.execute-api.ap-south-1.amazonaws.com
    ONEMETRIC_TOKEN=<token> infra/register-onemetric.py --stack-name brokerhooks [--output-key WebhookBaseUrl]

--stack-name reads the base URL from the deployed CloudFormation stack's output with
the `aws` CLI (which must be installed and configured). Give exactly one token: while
rotating, the function's ONEMETRIC_TOKEN lists old and new, and this script registers
the new one.

Environment:
    ONEMETRIC_TOKEN              the token to register (required; exactly one value)
    ONEMETRIC_REGISTER_ENDPOINT  override of https://onemetric.in/api/webhook/register (tests)
    AWS_CLI                      the aws CLI to run for --stack-name (default: aws on PATH)

Exit status: 0 registered; 1 OneMetric refused (4xx/5xx) or could not be reached;
2 usage or configuration error.
"""

import argparse
import json
import os
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

DEFAULT_ENDPOINT = "https://onemetric.in/api/webhook/register"
WEBHOOK_PATH = "/webhooks/onemetric"
TIMEOUT_SECONDS = 30


class UsageError(Exception):
    """Bad arguments or configuration: exit status 2."""


def read_token():
    raw = os.environ.get("ONEMETRIC_TOKEN", "").strip()
    if not raw:
        raise UsageError("set ONEMETRIC_TOKEN to the token to register (it is not taken as an argument)")
    if "," in raw:
        raise UsageError("ONEMETRIC_TOKEN holds a list; give exactly the one token to register")
    return raw


def base_url_from_stack(stack_name, output_key):
    command = [
        os.environ.get("AWS_CLI", "").strip() or "aws",
        "cloudformation", "describe-stacks",
        "--stack-name", stack_name,
        "--query", f"Stacks[0].Outputs[?OutputKey=='{output_key}'].OutputValue",
        "--output", "text",
    ]
    try:
        result = subprocess.run(command, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise UsageError("the aws CLI is not installed; pass --base-url instead")
    value = result.stdout.strip()
    if result.returncode != 0:
        raise UsageError(f"aws cloudformation describe-stacks failed: {result.stderr.strip()}")
    if not value or value == "None":
        raise UsageError(f"stack {stack_name} has no output {output_key}")
    return value


def webhook_url(base_url, token):
    parsed = urllib.parse.urlsplit(base_url)
    # The URL carries the token: plain http would send it in clear text on every delivery.
    if parsed.scheme != "https" or not parsed.netloc:
        raise UsageError("the base URL must be an absolute https URL")
    if parsed.query or parsed.fragment:
        raise UsageError("the base URL must not have a query or fragment")
    path = parsed.path.rstrip("/")
    if not path.endswith(WEBHOOK_PATH):
        path += WEBHOOK_PATH
    query = urllib.parse.urlencode({"token": token}, quote_via=urllib.parse.quote)
    return urllib.parse.urlunsplit((parsed.scheme, parsed.netloc, path, query, ""))


def masked(text, token):
    """The text with the token (raw or URL-encoded) replaced by <token>."""
    for form in {token, urllib.parse.quote(token, safe="")}:
        text = text.replace(form, "<token>")
    return text


def register(endpoint, url):
    """POSTs the registration; returns (status, answer text)."""
    body = json.dumps({"webhook_url": url}).encode("utf-8")
    request = urllib.request.Request(
        endpoint,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def main(argv):
    parser = argparse.ArgumentParser(
        description="Register <base>/webhooks/onemetric?token=$ONEMETRIC_TOKEN with OneMetric."
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--base-url", help="the API's base URL, e.g. https://abc123.execute-api.ap-south-1.amazonaws.com")
    source.add_argument("--stack-name", help="read the base URL from this CloudFormation stack's outputs (aws CLI)")
    parser.add_argument("--output-key", default="WebhookBaseUrl", help="stack output holding the base URL (default: WebhookBaseUrl)")
    args = parser.parse_args(argv)

    try:
        token = read_token()
        base = args.base_url or base_url_from_stack(args.stack_name, args.output_key)
        url = webhook_url(base, token)
    except UsageError as error:
        print(f"register-onemetric: {error}", file=sys.stderr)
        return 2

    endpoint = os.environ.get("ONEMETRIC_REGISTER_ENDPOINT", "").strip() or DEFAULT_ENDPOINT
    print(f"registering {masked(url, token)} with {endpoint}")
    try:
        status, answer = register(endpoint, url)
    except (urllib.error.URLError, OSError) as error:
        print(f"register-onemetric: could not reach {endpoint}: {masked(str(error), token)}", file=sys.stderr)
        return 1
    answer = masked(answer, token)
    if 200 <= status < 300:
        print(f"OneMetric answered HTTP {status}: {answer}")
        return 0
    print(f"register-onemetric: OneMetric refused the registration: HTTP {status}: {answer}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

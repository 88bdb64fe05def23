#!/usr/bin/env python3
"""The HTTP request inside a sample event, for curl.

Usage: python3 scripts/sample-request.py events/<function>/<sample>.json <prefix>

The samples in events/ are API Gateway events (what `cargo lambda invoke` takes). This
writes the request they carry: <prefix>.body, the body's exact bytes (base64-decoded when
the event says so, and no trailing newline: the signatures cover every byte), and
<prefix>.headers, one `name: value` line per header, as `curl -H @<prefix>.headers` reads
them. Send them with `curl --data-binary @<prefix>.body` (not `-d`, which drops newlines).
Standard library only.
"""

import base64
import json
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    sample, prefix = Path(argv[1]), argv[2]
    try:
        event = json.loads(sample.read_text(encoding="utf-8"))
        body = event.get("body") or ""
        headers = event.get("headers") or {}
        if not isinstance(body, str) or not isinstance(headers, dict):
            raise ValueError("not an API Gateway HTTP API event")
        raw = base64.b64decode(body, validate=True) if event.get("isBase64Encoded") else body.encode()
    except (OSError, ValueError) as error:
        print(f"{sample}: {error}", file=sys.stderr)
        return 1
    Path(prefix).parent.mkdir(parents=True, exist_ok=True)
    Path(f"{prefix}.body").write_bytes(raw)
    lines = "".join(f"{name}: {value}\n" for name, value in headers.items())
    Path(f"{prefix}.headers").write_text(lines, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

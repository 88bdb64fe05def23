"""moto's server with HTTP/1.1 keep-alive, for benchmarks (BENCHMARKS.md).

Plain `moto_server` (werkzeug's development server) answers every request with
`Connection: close`, so each AWS SDK call opens a new TCP connection, which AWS does not
make a client pay: CPU per event measured against it is mostly TCP set-up and teardown.
This runs the same moto application (DomainDispatcherApplication) with a request handler
that keeps connections open: it reads the request body itself (Content-Length or
chunked), hands the application a buffered copy, and writes the whole response at once
with a Content-Length and without `Connection: close`. TCP_NODELAY is set on every
connection (without it small responses wait for Nagle's algorithm).

    .venv/bin/python scripts/keepalive-moto.py [-H 127.0.0.1] [-p 5000]

Not for the tests: `make test` keeps plain moto, whose behaviour the tests are written
against. Request logging is off (it would cost CPU on the shared machine during a bench).
"""

import argparse
import io
import os
import socket
import sys

from werkzeug.serving import make_server

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)

# Headers that describe the connection or the framing: this handler sets its own.
HOP_BY_HOP = {"connection", "transfer-encoding", "content-length", "keep-alive"}
NO_BODY_STATUSES = {204, 304}


class KeepAliveHandler(MotoRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_request(self, code="-", size="-"):
        pass

    def read_body(self):
        """The request body, read completely, so the next request starts at its line."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size_line = self.rfile.readline()
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    # Trailers, up to the empty line.
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def run_wsgi(self):
        if self.headers.get("Expect", "").lower().strip(" \t") == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        body = self.read_body()
        self.environ = environ = self.make_environ()
        environ["wsgi.input"] = io.BytesIO(body)
        environ["wsgi.input_terminated"] = False
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING", None)

        started = {}
        written = []

        def start_response(status, headers, exc_info=None):
            started["status"] = status
            started["headers"] = headers
            return written.append

        result = self.server.app(environ, start_response)
        try:
            for data in result:
                written.append(data)
        finally:
            if hasattr(result, "close"):
                result.close()

        status = started.get("status", "500 INTERNAL SERVER ERROR")
        code = int(status.split(None, 1)[0])
        payload = b"".join(written)
        if code in NO_BODY_STATUSES or environ["REQUEST_METHOD"] == "HEAD":
            payload = b""
        lines = [f"HTTP/1.1 {status}"]
        for name, value in started.get("headers", []):
            if name.lower() not in HOP_BY_HOP:
                lines.append(f"{name}: {value}")
        lines.append(f"Content-Length: {len(payload)}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(head + payload)
        self.wfile.flush()
        if self.headers.get("Connection", "").lower() == "close":
            self.close_connection = True


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=5000)
    args = parser.parse_args(argv)
    # As moto_server does: some of moto's URLs (SQS queue URLs) name this port.
    os.environ.setdefault("MOTO_PORT", str(args.port))
    app = DomainDispatcherApplication(create_backend_app)
    server = make_server(
        args.host, args.port, app, threaded=True, request_handler=KeepAliveHandler
    )
    print(f"keep-alive moto on http://{args.host}:{server.port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main(sys.argv[1:])

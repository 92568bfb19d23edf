"""A local HTTP server for the load tests: 127.0.0.1 only, told per test to be slow or to fail."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

PAGE = b"<html><body><h1>Production Server</h1></body></html>"


@dataclass
class Behaviour:
    """What the server does: sleep `delay_s` per request, answer 500 for `fail_fraction`."""

    delay_s: float = 0.0
    fail_fraction: float = 0.0
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_fails(self) -> bool:
        """Exactly `fail_fraction` of the requests fail, spread evenly."""
        with self.lock:
            n = self.requests
            self.requests += 1
        return int((n + 1) * self.fail_fraction) > int(n * self.fail_fraction)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: PageServer

    def do_GET(self) -> None:
        behaviour = self.server.behaviour
        if behaviour.delay_s:
            time.sleep(behaviour.delay_s)
        status, body = (500, b"boom") if behaviour.next_fails() else (200, PAGE)
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class PageServer(ThreadingHTTPServer):
    daemon_threads = True
    behaviour: Behaviour

    def handle_error(self, request: object, client_address: object) -> None:
        """Quiet: the load stops mid-request, so some clients hang up before the answer."""

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/"


@pytest.fixture
def server() -> Iterator[PageServer]:
    """A server on a free port of 127.0.0.1; set `server.behaviour` fields before the run."""
    srv = PageServer(("127.0.0.1", 0), Handler)
    srv.behaviour = Behaviour()
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(timeout=5)

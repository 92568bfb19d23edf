"""Local HTTP servers for the load tests (127.0.0.1 only, told per test to be slow, to slow
down with load, or to fail), and the CLI run the way a user meets it."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

PAGE = b"<html><body><h1>Production Server</h1></body></html>"

# The CLI's main() with the commands registered (a no-op once cli.py registers them itself).
LAUNCH = ("from prodstack.cli import cli, main\n"
          "from prodstack.cli.loadtest import loadtest_cmd, worker_cmd\n"
          "cli.commands.setdefault('loadtest', loadtest_cmd)\n"
          "cli.commands.setdefault('loadtest-worker', worker_cmd)\n"
          "main()\n")


def prodstack(*args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", LAUNCH, *args], capture_output=True,
                          text=True, timeout=timeout, check=False)


@dataclass
class Behaviour:
    """What the server does: sleep `delay_s` per request (`slow_paths`: only there); once more
    than `slow_above_rps` requests arrived in the last second, sleep `slow_s` more; answer 500
    for `fail_fraction` of the requests."""

    delay_s: float = 0.0
    slow_paths: tuple[str, ...] = ()
    slow_above_rps: float | None = None
    slow_s: float = 0.0
    fail_fraction: float = 0.0
    requests: int = 0
    paths: dict[str, int] = field(default_factory=dict)
    arrivals: deque[float] = field(default_factory=deque)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def arrive(self, path: str) -> tuple[float, bool]:
        """Count the request; return (how long to sleep, whether it fails)."""
        now = time.monotonic()
        with self.lock:
            n = self.requests
            self.requests += 1
            self.paths[path] = self.paths.get(path, 0) + 1
            self.arrivals.append(now)
            while self.arrivals and self.arrivals[0] < now - 1:
                self.arrivals.popleft()
            rate = len(self.arrivals)
        delay = self.delay_s if not self.slow_paths or path.startswith(self.slow_paths) else 0
        if self.slow_above_rps is not None and rate > self.slow_above_rps:
            delay += self.slow_s
        fails = int((n + 1) * self.fail_fraction) > int(n * self.fail_fraction)
        return delay, fails

    def rate(self) -> int:
        with self.lock:
            now = time.monotonic()
            return sum(1 for t in self.arrivals if t >= now - 1)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: PageServer

    def do_GET(self) -> None:
        delay, fails = self.server.behaviour.arrive(self.path)
        if delay:
            time.sleep(delay)
        status, body = (500, b"boom") if fails else (200, PAGE)
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


def start_server() -> tuple[PageServer, threading.Thread]:
    srv = PageServer(("127.0.0.1", 0), Handler)
    srv.behaviour = Behaviour()
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    return srv, thread


@pytest.fixture
def server() -> Iterator[PageServer]:
    """A server on a free port of 127.0.0.1; set `server.behaviour` fields before the run."""
    srv, thread = start_server()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(timeout=5)


@pytest.fixture
def other_server() -> Iterator[PageServer]:
    """A second loopback server that no load may reach (the guard's witness)."""
    srv, thread = start_server()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(timeout=5)

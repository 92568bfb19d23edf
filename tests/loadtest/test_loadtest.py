"""`prodstack loadtest` against a local server: SLO verdicts, --expect, and bad input.

Every run goes through `prodstack.cli.main` in a subprocess, the way a user meets it. All
traffic goes to 127.0.0.1.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from typing import Any

import pytest

from prodstack.loadtest.command import (
    MAX_USERS,
    Measurement,
    judge,
    parse_url,
    users_for,
)

# The CLI's main() with the command registered (a no-op once cli.py registers it itself).
LAUNCH = ("from prodstack.cli import cli, main\n"
          "from prodstack.loadtest import loadtest_cmd\n"
          "cli.commands.setdefault('loadtest', loadtest_cmd)\n"
          "main()\n")

REPORT_KEYS = {"url", "duration_s", "requests", "rate_rps", "p50_ms", "p95_ms", "p99_ms",
               "error_rate", "slo", "passed"}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", LAUNCH, "loadtest", *args],
                          capture_output=True, text=True, timeout=90, check=False)


def run_json(*args: str) -> tuple[int, dict[str, Any]]:
    proc = run(*args, "--format", "json")
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads(proc.stdout)
    assert set(report) == REPORT_KEYS
    return proc.returncode, report


def test_passing_slo(server):
    code, report = run_json(server.url, "--duration", "2", "--rate", "20",
                            "--expect", "Production Server")
    assert code == 0 and report["passed"] is True
    assert report["url"] == server.url
    assert 1.9 <= report["duration_s"] <= 3
    assert 0.7 * 40 <= report["requests"] <= 1.3 * 40
    assert report["requests"] <= server.behaviour.requests
    assert 14 <= report["rate_rps"] <= 26
    assert report["error_rate"] == 0
    assert 0 <= report["p50_ms"] <= report["p95_ms"] <= report["p99_ms"] < 500
    assert report["slo"] == {"p95_ms": 500, "max_error_rate": 0.01}


def test_slow_server_misses_p95(server):
    server.behaviour.delay_s = 0.25
    proc = run(server.url, "--duration", "2", "--rate", "10", "--p95-ms", "100")
    assert proc.returncode == 1, proc.stderr
    assert "FAILED: p95" in proc.stdout and "above 100 ms" in proc.stdout
    assert "error rate  0.00%" in proc.stdout
    assert proc.stderr == ""


def test_erroring_server_misses_error_rate(server):
    server.behaviour.fail_fraction = 0.3
    code, report = run_json(server.url, "--duration", "2", "--rate", "20",
                            "--max-error-rate", "0.1")
    assert code == 1 and report["passed"] is False
    assert 0.2 <= report["error_rate"] <= 0.4
    assert report["p95_ms"] < 500  # only the error-rate SLO is missed


def test_expect_mismatch_counts_as_failure(server):
    code, report = run_json(server.url, "--duration", "2", "--rate", "10",
                            "--expect", "Staging Server")
    assert code == 1 and report["passed"] is False
    assert report["requests"] > 0 and report["error_rate"] == 1.0


def refused_url() -> str:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@pytest.mark.parametrize(("args", "fragment"), [
    (["not-a-url"], "malformed URL"),
    (["ftp://127.0.0.1/"], "http:// or https://"),
    (["http:///index.html"], "names no host"),
    (["http://127.0.0.1:99999/"], "port"),
    (["http://127.0.0.1 /"], "spaces"),
    (["{server}", "--duration", "0"], "--duration"),
    (["{server}", "--duration", "601"], "--duration"),
    (["{server}", "--rate", "-5"], "--rate"),
    (["{server}", "--rate", "501"], "--rate"),
    (["{server}", "--max-error-rate", "1.5"], "--max-error-rate"),
    (["{server}", "--p95-ms", "0"], "--p95-ms"),
    (["{refused}"], "refuses connections"),
])
def test_bad_input_is_one_line(server, args, fragment):
    args = [a.format(server=server.url, refused=refused_url()) for a in args]
    proc = run(*args)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("prodstack: error: ") and fragment in lines[0]
    assert server.behaviour.requests == 0


def test_users_follow_the_rate_within_bounds():
    assert users_for(0.5) == 1
    assert users_for(20) == 20
    assert users_for(500) == MAX_USERS


def test_url_split_for_locust():
    target = parse_url("https://shop.acme.io/health?full=1")
    assert (target.base, target.path, target.port) == ("https://shop.acme.io",
                                                       "/health?full=1", 443)


@pytest.mark.parametrize(("failures", "p95", "passed"), [
    (0, 100, True), (1, 100, True), (2, 100, False), (0, 101, False)])
def test_verdict_at_the_thresholds(failures, p95, passed):
    m = Measurement(duration_s=10, requests=100, failures=failures, p50_ms=50, p95_ms=p95,
                    p99_ms=200, errors=[])
    target = parse_url("http://127.0.0.1:8080/")
    assert judge(target, m, p95_ms=100, max_error_rate=0.01)["passed"] is passed


def test_no_completed_request_fails():
    m = Measurement(duration_s=2, requests=0, failures=0, p50_ms=0, p95_ms=0, p99_ms=0,
                    errors=[])
    assert judge(parse_url("http://127.0.0.1:8080/"), m, 500, 0.01)["passed"] is False

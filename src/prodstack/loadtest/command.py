"""The `prodstack loadtest` command: validate, probe, run the worker, judge against the SLO.

Owns the user-facing side of FM-7.2: the bounds on duration and rate, how many simulated users
a rate needs, the one-line errors for bad input (exit 2), the text and JSON reports, and the
verdict (exit 1 when p95 latency or the error rate misses its SLO). The load itself comes from
the worker in `prodstack.loadtest.__main__`, started as a subprocess so that locust's gevent
monkey-patching never touches the CLI process.
"""

from __future__ import annotations

import json
import math
import socket
import subprocess
import sys
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import click

from prodstack.errors import UserError

DEFAULT_DURATION_S = 30.0
MAX_DURATION_S = 600.0
DEFAULT_RATE = 20.0
MAX_RATE = 500.0
DEFAULT_P95_MS = 500.0
DEFAULT_MAX_ERROR_RATE = 0.01
# Each simulated user keeps its own steady pace; up to MAX_USERS, one user per request/second,
# so a user tolerates up to 1 s of latency before the achieved rate falls behind the target.
USER_RATE = 1.0
MAX_USERS = 250
REQUEST_TIMEOUT_S = 10.0
PROBE_TIMEOUT_S = 5.0
WORKER_GRACE_S = 60.0


@dataclass(frozen=True)
class Target:
    """A validated URL split the way locust wants it: a host (scheme://netloc) and a path."""

    url: str
    base: str
    path: str
    hostname: str
    port: int


@dataclass(frozen=True)
class Measurement:
    """The worker's numbers for one run."""

    duration_s: float
    requests: int
    failures: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: list[tuple[str, int]]


def parse_url(url: str) -> Target:
    """Accept http(s)://host[:port][/path][?query]; anything else is a UserError (exit 2)."""
    if not url or any(ch.isspace() for ch in url):
        raise UserError(f"malformed URL {url!r}: it must not be empty or contain spaces",
                        exit_code=2)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise UserError(f"malformed URL {url!r}: it must start with http:// or https://",
                        exit_code=2)
    try:
        port = parts.port
    except ValueError:
        raise UserError(f"malformed URL {url!r}: the port is not a number from 1 to 65535",
                        exit_code=2) from None
    if not parts.hostname:
        raise UserError(f"malformed URL {url!r}: it names no host", exit_code=2)
    if port == 0:
        raise UserError(f"malformed URL {url!r}: the port is not a number from 1 to 65535",
                        exit_code=2)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(url=url, base=f"{parts.scheme}://{parts.netloc}", path=path,
                  hostname=parts.hostname,
                  port=port or (443 if parts.scheme == "https" else 80))


def check_bounds(duration: float, rate: float, p95_ms: float, max_error_rate: float) -> None:
    """Reject values outside the bounds with one line naming the option (exit 2)."""
    if not (math.isfinite(duration) and 0 < duration <= MAX_DURATION_S):
        raise UserError(f"--duration must be more than 0 and at most {MAX_DURATION_S:g} seconds,"
                        f" not {duration:g}", exit_code=2)
    if not (math.isfinite(rate) and 0 < rate <= MAX_RATE):
        raise UserError(f"--rate must be more than 0 and at most {MAX_RATE:g} requests per "
                        f"second, not {rate:g}", exit_code=2)
    if not (math.isfinite(p95_ms) and p95_ms > 0):
        raise UserError(f"--p95-ms must be more than 0, not {p95_ms:g}", exit_code=2)
    if not (math.isfinite(max_error_rate) and 0 <= max_error_rate <= 1):
        raise UserError(f"--max-error-rate is a fraction from 0 to 1, not {max_error_rate:g}",
                        exit_code=2)


def users_for(rate: float) -> int:
    """Simulated users needed for `rate`: one per USER_RATE requests/second, 1..MAX_USERS."""
    return max(1, min(MAX_USERS, math.ceil(rate / USER_RATE)))


def probe(target: Target) -> None:
    """One TCP connection before the run: an address that takes none is bad input (exit 2)."""
    where = f"{target.hostname}:{target.port}"
    try:
        with socket.create_connection((target.hostname, target.port), timeout=PROBE_TIMEOUT_S):
            pass
    except socket.gaierror:
        raise UserError(f"cannot resolve {target.hostname!r} (from {target.url})",
                        exit_code=2) from None
    except ConnectionRefusedError:
        raise UserError(f"{where} refuses connections (from {target.url})", exit_code=2) from None
    except TimeoutError:
        raise UserError(f"{where} did not accept a connection within {PROBE_TIMEOUT_S:g} s "
                        f"(from {target.url})", exit_code=2) from None
    except OSError as exc:
        raise UserError(f"cannot connect to {where}: {exc.strerror or exc}", exit_code=2) from None


def run_worker(target: Target, duration: float, rate: float, expect: str | None) -> Measurement:
    """Run `python -m prodstack.loadtest SPEC` and read its one JSON line."""
    spec = {"base": target.base, "path": target.path, "duration_s": duration, "rate": rate,
            "users": users_for(rate), "expect": expect, "timeout_s": REQUEST_TIMEOUT_S}
    try:
        proc = subprocess.run([sys.executable, "-m", "prodstack.loadtest", json.dumps(spec)],
                              capture_output=True, text=True, check=False,
                              timeout=duration + WORKER_GRACE_S)
    except subprocess.TimeoutExpired:
        raise UserError(f"the load test did not finish within {duration + WORKER_GRACE_S:g} s"
                        ) from None
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        detail = (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]
        raise UserError(f"the load test worker failed: {detail}")
    data = json.loads(lines[-1])
    return Measurement(duration_s=data["duration_s"], requests=data["requests"],
                       failures=data["failures"], p50_ms=data["p50_ms"], p95_ms=data["p95_ms"],
                       p99_ms=data["p99_ms"],
                       errors=[(str(msg), int(n)) for msg, n in data["errors"]])


def judge(target: Target, m: Measurement, p95_ms: float, max_error_rate: float
          ) -> dict[str, Any]:
    """The report as JSON-ready data; `passed` is false when either SLO is missed."""
    error_rate = m.failures / m.requests if m.requests else 0.0
    passed = m.requests > 0 and m.p95_ms <= p95_ms and error_rate <= max_error_rate
    return {
        "url": target.url,
        "duration_s": round(m.duration_s, 2),
        "requests": m.requests,
        "rate_rps": round(m.requests / m.duration_s, 2) if m.duration_s > 0 else 0.0,
        "p50_ms": m.p50_ms,
        "p95_ms": m.p95_ms,
        "p99_ms": m.p99_ms,
        "error_rate": round(error_rate, 4),
        "slo": {"p95_ms": p95_ms, "max_error_rate": max_error_rate},
        "passed": passed,
    }


def render_text(report: dict[str, Any], m: Measurement, rate: float) -> str:
    slo = report["slo"]
    lines = [
        f"load test of {report['url']}: {report['duration_s']:g} s at {rate:g}/s target "
        f"({users_for(rate)} users)",
        f"requests    {report['requests']} ({report['rate_rps']:g}/s achieved)",
        f"latency     p50 {report['p50_ms']:g} ms, p95 {report['p95_ms']:g} ms, "
        f"p99 {report['p99_ms']:g} ms",
        f"error rate  {report['error_rate']:.2%} ({m.failures} failed)",
    ]
    lines += [f"  {n} x {msg}" for msg, n in m.errors]
    if report["requests"] and report["rate_rps"] < 0.9 * rate:
        lines.append("note: the achieved rate is below the target (the server answers more "
                     "slowly than the users' pace allows)")
    misses = []
    if not report["requests"]:
        misses.append("no request completed")
    if report["p95_ms"] > slo["p95_ms"]:
        misses.append(f"p95 {report['p95_ms']:g} ms above {slo['p95_ms']:g} ms")
    if report["error_rate"] > slo["max_error_rate"]:
        misses.append(f"error rate {report['error_rate']:.2%} above "
                      f"{slo['max_error_rate']:.2%}")
    verdict = "PASSED" if report["passed"] else "FAILED: " + "; ".join(misses)
    lines.append(f"SLO         p95 <= {slo['p95_ms']:g} ms, error rate <= "
                 f"{slo['max_error_rate']:.2%}: {verdict}")
    return "\n".join(lines)


@click.command("loadtest")
@click.argument("url")
@click.option("--duration", type=float, default=DEFAULT_DURATION_S, show_default=True,
              metavar="SECONDS", help=f"How long to send load (at most {MAX_DURATION_S:g}).")
@click.option("--rate", type=float, default=DEFAULT_RATE, show_default=True,
              metavar="REQUESTS_PER_SECOND", help=f"Target request rate (at most {MAX_RATE:g}).")
@click.option("--p95-ms", "p95_ms", type=float, default=DEFAULT_P95_MS, show_default=True,
              metavar="MS", help="SLO: the 95th percentile latency may not exceed this.")
@click.option("--max-error-rate", type=float, default=DEFAULT_MAX_ERROR_RATE,
              show_default=True, metavar="FRACTION",
              help="SLO: the fraction of failed requests may not exceed this.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--expect", default=None, metavar="TEXT",
              help="Count a successful response whose body lacks TEXT as a failure.")
def loadtest_cmd(url: str, duration: float, rate: float, p95_ms: float, max_error_rate: float,
                 fmt: str, expect: str | None) -> None:
    """Send steady GET load to URL and check latency and errors against an SLO (FM-7.2).

    Prints requests, the rate achieved, p50/p95/p99 latency and the error rate. Exits 1 when
    p95 is above --p95-ms or the error rate above --max-error-rate, 2 on bad input.
    """
    target = parse_url(url)
    check_bounds(duration, rate, p95_ms, max_error_rate)
    probe(target)
    measurement = run_worker(target, duration, rate, expect or None)
    report = judge(target, measurement, p95_ms, max_error_rate)
    if fmt == "json":
        click.echo(json.dumps(report, indent=2))
    else:
        click.echo(render_text(report, measurement, rate))
    if not report["passed"]:
        sys.exit(1)

"""The load worker: `python -m prodstack.loadtest SPEC_JSON` runs locust and prints its numbers.

Owns everything that touches locust. Importing locust monkey-patches sockets, threads and
sleep for gevent, so this runs in a process of its own, started by `prodstack loadtest`
(`prodstack.loadtest.command`), never inside the CLI.

SPEC_JSON: {"base": "http://host:port", "path": "/page?q", "duration_s", "rate", "users",
"expect": TEXT | null, "timeout_s"}. Prints one JSON line: {"duration_s", "requests",
"failures", "p50_ms", "p95_ms", "p99_ms", "errors": [[message, count], ...]}.
"""

# isort: off
import locust  # noqa: F401  first of all: locust patches the standard library for gevent on import

# isort: on
import itertools
import json
import logging
import sys
import time
from typing import Any

import gevent
from locust import FastHttpUser, task
from locust.env import Environment

TOP_ERRORS = 5


def visitor_class(spec: dict[str, Any]) -> type[FastHttpUser]:
    """A user that GETs the page at a steady pace, each one shifted in phase from the others.

    Evenly spread phases turn `users` users at `rate / users` requests/second each into a
    steady stream of `rate` requests/second instead of bursts of `users` requests at once.
    """
    users: int = spec["users"]
    period = users / spec["rate"]
    path: str = spec["path"]
    expect: str | None = spec["expect"]
    phases = itertools.count()

    class Visitor(FastHttpUser):
        host = spec["base"]
        network_timeout = spec["timeout_s"]
        connection_timeout = spec["timeout_s"]

        def on_start(self) -> None:
            gevent.sleep(next(phases) % users / users * period)
            self._due = time.perf_counter()

        def wait_time(self) -> float:
            # Like locust's constant_throughput (no catching up when behind), but keeping the
            # phase this user started with.
            now = time.perf_counter()
            self._due = max(self._due + period, now)
            return self._due - now

        @task
        def visit(self) -> None:
            with self.client.get(path, name=path, catch_response=True) as response:
                if (expect is not None and 200 <= (response.status_code or 0) < 300
                        and expect not in (response.text or "")):
                    response.failure(f"body lacks {expect!r}")

    return Visitor


def run(spec: dict[str, Any]) -> dict[str, Any]:
    """Run the load for spec["duration_s"] seconds and return the totals."""
    env = Environment(user_classes=[visitor_class(spec)], host=spec["base"])
    runner = env.create_local_runner()
    started = time.perf_counter()
    runner.start(spec["users"], spawn_rate=spec["users"])  # all at once; phases do the spreading
    gevent.sleep(spec["duration_s"])
    runner.quit()
    elapsed = time.perf_counter() - started
    total = env.stats.total
    errors = sorted(env.stats.errors.values(), key=lambda e: -e.occurrences)[:TOP_ERRORS]
    return {
        "duration_s": elapsed,
        "requests": total.num_requests,
        "failures": total.num_failures,
        "p50_ms": total.get_response_time_percentile(0.5),
        "p95_ms": total.get_response_time_percentile(0.95),
        "p99_ms": total.get_response_time_percentile(0.99),
        "errors": [[str(e.error)[:200], e.occurrences] for e in errors],
    }


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m prodstack.loadtest SPEC_JSON", file=sys.stderr)
        return 2
    # locust warns about a spawn rate above 100/s; the phases above make that harmless.
    logging.getLogger("locust").setLevel(logging.ERROR)
    print(json.dumps(run(json.loads(argv[0]))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

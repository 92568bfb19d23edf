"""Statistics of a stretch of a run, from locust's response-time histograms.

locust keeps, per request name, cumulative counts and a histogram {rounded ms: requests}. The
difference of two snapshots is what happened between them; `Window` adds such differences up
and answers requests, failures and percentiles (computed as locust computes them). Pure, so
the engine (which takes the snapshots) and the tests share it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Window:
    requests: int = 0
    failures: int = 0
    times: dict[int, int] = field(default_factory=dict)  # rounded ms -> requests

    def add(self, other: Window) -> None:
        self.requests += other.requests
        self.failures += other.failures
        for ms, n in other.times.items():
            self.times[ms] = self.times.get(ms, 0) + n

    def percentile(self, share: float) -> float:
        """The response time `share` of the requests finished within (0 without requests)."""
        total = sum(self.times.values())
        wanted = int(total * share)
        seen = 0
        for ms in sorted(self.times, reverse=True):
            seen += self.times[ms]
            if total - seen <= wanted:
                return float(ms)
        return 0.0

    def figures(self, seconds: float) -> dict[str, Any]:
        """requests, failures, rates per second over `seconds`, error rate, p50/p95/p99."""
        return {
            "requests": self.requests,
            "failures": self.failures,
            "rps": round(self.requests / seconds, 3) if seconds > 0 else 0.0,
            "errors_per_s": round(self.failures / seconds, 3) if seconds > 0 else 0.0,
            "error_rate": round(self.failures / self.requests, 5) if self.requests else 0.0,
            "p50_ms": self.percentile(0.50),
            "p95_ms": self.percentile(0.95),
            "p99_ms": self.percentile(0.99),
        }


def difference(new: Window, old: Window | None) -> Window:
    """What happened between snapshot `old` and the later `new` (a reset counts from zero)."""
    if old is None or new.requests < old.requests:
        return Window(new.requests, new.failures, dict(new.times))
    times = {ms: n - old.times.get(ms, 0) for ms, n in new.times.items()
             if n - old.times.get(ms, 0) > 0}
    return Window(new.requests - old.requests, max(0, new.failures - old.failures), times)

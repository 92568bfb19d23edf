"""FM-7.2: nobody knows latency and error rate under load before users do."""

from __future__ import annotations

from prodstack.catalog.model import Entry

ENTRY = Entry(
    id="FM-7.2", title="No performance testing",
    failure="nobody knows the latency and error rate under load before users find out",
    fix="a load test with SLO thresholds against the deployed URL",
    exercised=("load test with SLO thresholds (`prodstack loadtest URL`, tests/loadtest)",),
)

"""Runs the catalog's live checks concurrently and renders the report (text or JSON).

A check that raises (a resource gone, an API error) fails with the error as its detail:
a broken stack must never look like a passing one.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from prodstack.catalog import CATALOG, Entry
from prodstack.catalog.contract import Result, VerifyContext

MAX_WORKERS = 8


@dataclass(frozen=True)
class CheckOutcome:
    id: str
    title: str
    status: str
    detail: str

    def as_dict(self) -> dict[str, str]:
        return {"id": self.id, "title": self.title, "status": self.status,
                "detail": self.detail}


def run_check(entry: Entry, ctx: VerifyContext) -> CheckOutcome:
    assert entry.live is not None
    try:
        result = entry.live.check(ctx)
    except (ClientError, BotoCoreError, LookupError, KeyError, IndexError) as exc:
        result = Result.failed(f"could not check: {' '.join(str(exc).split())[:300]}")
    return CheckOutcome(entry.id, entry.title, result.status, result.detail)


def run_checks(ctx: VerifyContext, entries: Iterable[Entry] | None = None
               ) -> tuple[list[CheckOutcome], float]:
    started = time.monotonic()
    checks = list(entries if entries is not None else CATALOG.live_checks)
    with ThreadPoolExecutor(max_workers=MAX_WORKERS) as pool:
        outcomes = list(pool.map(lambda e: run_check(e, ctx), checks))
    return outcomes, time.monotonic() - started


def render(outcomes: list[CheckOutcome], seconds: float, fmt: str) -> str:
    if fmt == "json":
        body: dict[str, Any] = {"checks": [o.as_dict() for o in outcomes],
                                "seconds": round(seconds, 2)}
        return json.dumps(body, indent=2)
    marks = {"pass": "PASS", "fail": "FAIL", "n/a": "n/a "}
    lines = [f"{marks[o.status]}  {o.id:<14} {o.title}\n      {o.detail}" for o in outcomes]
    counts = {s: sum(o.status == s for o in outcomes) for s in marks}
    lines.append(f"{counts['pass']} passed, {counts['fail']} failed, {counts['n/a']} n/a "
                 f"in {seconds:.1f} s")
    return "\n".join(lines)


__all__ = ["CheckOutcome", "render", "run_check", "run_checks"]

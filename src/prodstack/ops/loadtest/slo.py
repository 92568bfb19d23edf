"""Service-level objectives: what they are, how they are written, and the verdict.

An SLO holds for all requests (`--p95-ms`, `--max-error-rate`) or for the requests of one
name (`--slo NAME:p95=300,errors=0.01`, repeatable). Each is judged in every stage of the
shape and over the whole run; the run passes when every SLO holds everywhere, and the report
names the first stage (the load) at which one broke. Pure.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from prodstack.core.errors import UserError

ALL = "all requests"
PERCENTILES = {"p50": "p50_ms", "p95": "p95_ms", "p99": "p99_ms"}


@dataclass(frozen=True)
class Rule:
    name: str | None  # None: every request
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    max_error_rate: float | None = None

    @property
    def label(self) -> str:
        return ALL if self.name is None else self.name

    def describe(self) -> str:
        parts = [f"{key} <= {getattr(self, field):g} ms" for key, field in PERCENTILES.items()
                 if getattr(self, field) is not None]
        if self.max_error_rate is not None:
            parts.append(f"error rate <= {self.max_error_rate:.2%}")
        return f"{self.label}: {', '.join(parts)}"

    def misses(self, figures: dict[str, Any]) -> list[str]:
        """What `figures` (requests, error_rate, p50_ms, …) breaks of this rule."""
        found = []
        for key, field in PERCENTILES.items():
            limit = getattr(self, field)
            if limit is not None and figures[field] > limit:
                found.append(f"{key} of {self.label} {figures[field]:g} ms above {limit:g} ms")
        if self.max_error_rate is not None and figures["error_rate"] > self.max_error_rate:
            found.append(f"error rate of {self.label} {figures['error_rate']:.2%} above "
                         f"{self.max_error_rate:.2%}")
        return found


def parse_rule(text: str) -> Rule:
    """`NAME:KEY=VALUE[,KEY=VALUE]` with keys p50, p95, p99 (ms) and errors (a fraction or a
    percentage); without `NAME:` (or with `*:`) the rule covers every request."""
    name, _, spec = text.rpartition(":")
    values: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        key, eq, raw = item.partition("=")
        key = key.strip()
        if not eq or key not in (*PERCENTILES, "errors"):
            raise UserError(f"--slo {text!r}: expected NAME:p95=MS[,p50=MS,p99=MS,errors=F], "
                            f"not {item!r}", exit_code=2)
        raw = raw.strip()
        try:
            value = (float(raw[:-1]) / 100 if raw.endswith("%") else
                     float(raw.removesuffix("ms")))
        except ValueError:
            raise UserError(f"--slo {text!r}: {key} needs a number, not {raw!r}",
                            exit_code=2) from None
        if key == "errors" and not (math.isfinite(value) and 0 <= value <= 1):
            raise UserError(f"--slo {text!r}: errors is a fraction from 0 to 1 (or 0% to 100%)",
                            exit_code=2)
        if key != "errors" and not (math.isfinite(value) and value > 0):
            raise UserError(f"--slo {text!r}: {key} must be more than 0 ms", exit_code=2)
        values["max_error_rate" if key == "errors" else PERCENTILES[key]] = value
    if not values:
        raise UserError(f"--slo {text!r}: no objective (p50, p95, p99 or errors)", exit_code=2)
    name = name.strip()
    return Rule(name=None if name in ("", "*") else name, **values)


def rules_from(p95_ms: float, max_error_rate: float, texts: tuple[str, ...]) -> list[Rule]:
    """The run's rules: all requests (--p95-ms, --max-error-rate), then each --slo."""
    if not (math.isfinite(p95_ms) and p95_ms > 0):
        raise UserError(f"--p95-ms must be more than 0, not {p95_ms:g}", exit_code=2)
    if not (math.isfinite(max_error_rate) and 0 <= max_error_rate <= 1):
        raise UserError(f"--max-error-rate is a fraction from 0 to 1, not {max_error_rate:g}",
                        exit_code=2)
    return [Rule(None, p95_ms=p95_ms, max_error_rate=max_error_rate),
            *(parse_rule(text) for text in texts)]


def rule_from_dict(data: dict[str, Any]) -> Rule:
    return Rule(**data)


def _figures_for(rule: Rule, part: dict[str, Any]) -> dict[str, Any] | None:
    return part["all"] if rule.name is None else part["names"].get(rule.name)


def judge(rules: list[Rule], stages: list[dict[str, Any]], run: dict[str, Any]
          ) -> dict[str, Any]:
    """The verdict: misses per stage and over the run, the first stage that broke an SLO."""
    per_stage = []
    first: dict[str, Any] | None = None
    for stage in stages:
        misses: list[str] = []
        for rule in rules:
            figures = _figures_for(rule, stage)
            if figures is None or not figures["requests"]:
                if rule.name is None:
                    misses.append("no request completed")
                continue
            misses += rule.misses(figures)
        per_stage.append(misses)
        if misses and first is None:
            first = {"stage": stage["index"], "start_s": stage["start_s"],
                     "users_from": stage["users_from"], "users_to": stage["users_to"],
                     "rps": stage["all"]["rps"], "misses": misses}
    overall: list[str] = []
    for rule in rules:
        figures = _figures_for(rule, run)
        if figures is None or not figures["requests"]:
            overall.append("no request completed" if rule.name is None else
                           f"no request named {rule.name!r} (seen: "
                           f"{', '.join(sorted(run['names'])) or 'none'})")
            continue
        overall += rule.misses(figures)
    return {"rules": [asdict(r) | {"label": r.label} for r in rules],
            "stages": per_stage, "overall": overall, "first_broken": first,
            "passed": not overall and first is None}

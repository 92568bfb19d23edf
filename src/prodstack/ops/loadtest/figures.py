"""Which charts a report has, as data: series of points, marker lines and SLO lines.

One definition for both renderings: `svg` draws a `Figure` into the HTML page with no
dependency, `png` draws the same `Figure` with matplotlib (the `charts` extra).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Series:
    label: str
    points: list[tuple[float, float]]
    colour: str
    step: bool = False  # a staircase (users, instances), not a line
    dots: bool = False  # a dot on each point (few: per stage, per minute)
    line: bool = True  # a line through the points


@dataclass(frozen=True)
class Figure:
    name: str  # file name stem: latency.png
    title: str
    x_label: str
    y_label: str
    series: list[Series]
    markers: list[tuple[float, str]] = field(default_factory=list)  # vertical: scaling events
    limits: list[tuple[float, str]] = field(default_factory=list)  # horizontal: SLO lines
    bands: list[float] = field(default_factory=list)  # vertical hairlines: stage boundaries


BLUE, GREEN, ORANGE, RED, GREY, PURPLE = ("#1f77b4", "#2ca02c", "#ff7f0e", "#d62728",
                                          "#7f7f7f", "#9467bd")


def _column(rows: list[dict[str, Any]], x: str, y: str) -> list[tuple[float, float]]:
    return [(float(r[x]), float(r[y])) for r in rows]


def _scaling_markers(report: dict[str, Any], on_load: bool = False) -> list[tuple[float, str]]:
    stack = report.get("stack") or {}
    return [(float(e["load"]["users"] if on_load else e["t"]),
             f"scaling {e['from']}→{e['to']}") for e in stack.get("events", [])]


def _p95_limits(report: dict[str, Any]) -> list[tuple[float, str]]:
    return [(float(r["p95_ms"]), f"SLO p95 {r['label']}") for r in report["slo"]["rules"]
            if r.get("p95_ms") is not None]


def figures(report: dict[str, Any]) -> list[Figure]:
    timeline, stages = report["timeline"], report["stages"]
    bands = [float(s["start_s"]) for s in stages[1:]]
    markers = _scaling_markers(report)
    found = [
        Figure("load", "Load and throughput against time", "seconds", "users · requests/s", [
            Series("users", _column(timeline, "t", "users"), GREY, step=True),
            Series("requests/s", _column(timeline, "t", "rps"), BLUE),
            Series("errors/s", _column(timeline, "t", "errors_per_s"), RED),
        ], markers=markers, bands=bands),
        Figure("latency", "Latency against time", "seconds", "ms", [
            Series("p50", _column(timeline, "t", "p50_ms"), GREEN),
            Series("p95", _column(timeline, "t", "p95_ms"), ORANGE),
            Series("p99", _column(timeline, "t", "p99_ms"), RED),
        ], markers=markers, limits=_p95_limits(report), bands=bands),
    ]
    if len(stages) > 1:
        at_load = [(float(s["users_to"]), s["all"]) for s in stages]
        found.append(Figure(
            "against-load", "Latency and throughput against load (one point per stage)",
            "users", "ms · requests/s", [
                Series("p95 (ms)", [(u, a["p95_ms"]) for u, a in at_load], ORANGE, dots=True),
                Series("p99 (ms)", [(u, a["p99_ms"]) for u, a in at_load], RED, dots=True),
                Series("requests/s", [(u, a["rps"]) for u, a in at_load], BLUE, dots=True),
                Series("errors/s", [(u, a["errors_per_s"]) for u, a in at_load], PURPLE,
                       dots=True),
            ], markers=_scaling_markers(report, on_load=True), limits=_p95_limits(report)))
    stack = report.get("stack")
    if stack:
        samples = stack["samples"]
        found.append(Figure("instances", f"Instances of the live group ({stack['asg']})",
                            "seconds", "instances", [
                                Series("desired", _column(samples, "t", "desired"), PURPLE,
                                       step=True),
                                Series("in service", _column(samples, "t", "in_service"),
                                       GREEN, step=True),
                            ], markers=markers, bands=bands))
        for key, metric in stack["metrics"].items():
            found.append(Figure(
                f"metric-{key}", f"{metric['label']} (CloudWatch, per {metric['period_s']} s)",
                "seconds", metric["unit"],
                [Series(metric["label"], [(float(t), float(v)) for t, v in metric["points"]],
                        BLUE, dots=True, line=False)], markers=markers, bands=bands))
    return found

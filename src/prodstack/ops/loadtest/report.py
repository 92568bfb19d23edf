"""The report of a run: one JSON-ready dict with every figure, and its text summary.

Puts together the engine's result (timeline, stages, totals, workers), the SLO verdict
(`prodstack.ops.loadtest.slo`), and, with a deployment, what the stack did (`stackwatch`), each
scaling event with the load at that moment. The HTML page and the charts are drawn from this
dict and nothing else.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from prodstack.ops.loadtest import slo
from prodstack.ops.loadtest.shapes import Shape

FAILING_STOPS = ("every worker was lost",)


def load_at(timeline: list[dict[str, Any]], t: float) -> dict[str, Any]:
    """The users and requests per second at run time `t` (the last sample at or before it)."""
    point: dict[str, Any] = {"users": 0, "rps": 0.0}
    for sample in timeline:
        if sample["t"] > t:
            break
        point = sample
    return {"users": point["users"], "rps": point["rps"]}


def build(url: str, scenario: dict[str, Any], shape: Shape, rules: list[slo.Rule],
          result: dict[str, Any], stack: dict[str, Any] | None,
          workers: dict[str, Any]) -> dict[str, Any]:
    verdict = slo.judge(rules, result["stages"], result["run"])
    stages = [{**stage, "slo_misses": misses}
              for stage, misses in zip(result["stages"], verdict["stages"], strict=True)]
    if stack is not None:
        for event in stack["events"]:
            event["load"] = load_at(result["timeline"], event["t"])
    stopped_badly = result["stop_reason"] in FAILING_STOPS
    return {
        "url": url,
        "scenario": scenario,
        "shape": shape.as_dict() | {"description": shape.describe()},
        "started_at": datetime.fromtimestamp(result["started_at"], UTC).isoformat(),
        "duration_s": result["duration_s"],
        "stop_reason": result["stop_reason"],
        "workers": workers | {"events": result["workers"]},
        "totals": result["run"]["all"],
        "requests": result["run"]["names"],
        "errors": result["errors"],
        "timeline": result["timeline"],
        "stages": stages,
        "slo": {"rules": verdict["rules"], "overall": verdict["overall"],
                "first_broken": verdict["first_broken"]},
        "stack": stack,
        "notes": result["notes"] + (stack["notes"] if stack else []),
        "files": {},
        "passed": verdict["passed"] and not stopped_badly,
    }


def users_label(stage: dict[str, Any]) -> str:
    a, b = stage["users_from"], stage["users_to"]
    return f"{a}" if a == b else f"{a}–{b}"


def first_broken_line(report: dict[str, Any]) -> str | None:
    first = report["slo"]["first_broken"]
    if first is None:
        return None
    users = users_label(first)
    return (f"SLO first broken at stage {first['stage'] + 1}: {users} users, "
            f"{first['rps']:g} req/s, from {first['start_s']:g} s: "
            + "; ".join(first["misses"]))


def render_text(report: dict[str, Any]) -> str:
    t = report["totals"]
    workers = report["workers"]
    where = (f", {workers['expected']} workers" if workers["expected"] else "")
    lines = [
        f"load test of {report['url']}: {report['shape']['description']}{where} "
        f"({report['scenario']['kind']} scenario)",
        f"requests    {t['requests']} ({t['rps']:g}/s achieved), {t['failures']} failed "
        f"({t['error_rate']:.2%})",
        f"latency     p50 {t['p50_ms']:g} ms, p95 {t['p95_ms']:g} ms, p99 {t['p99_ms']:g} ms",
    ]
    lines += [f"  {n} x {msg}" for msg, n in report["errors"][:5]]
    if len(report["stages"]) > 1:
        lines.append("stage  users      req/s    p50    p95    p99  errors  SLO")
        for stage in report["stages"]:
            a = stage["all"]
            verdict = "; ".join(stage["slo_misses"]) or "ok"
            lines.append(f"{stage['index'] + 1:>5}  {users_label(stage):<9} {a['rps']:>6g} "
                         f"{a['p50_ms']:>6g} {a['p95_ms']:>6g} {a['p99_ms']:>6g} "
                         f"{a['error_rate']:>7.2%}  {verdict}")
    stack = report["stack"]
    if stack is not None:
        lines.append(f"stack       live colour {stack['colour']} (group {stack['asg']})")
        for event in stack["events"]:
            lines.append(f"scaling     at {event['t']:g} s ({event['load']['users']} users, "
                         f"{event['load']['rps']:g} req/s): {event['from']} → {event['to']} "
                         f"instances; {event['why']}")
        if not stack["events"]:
            lines.append("scaling     no scaling event during the run")
        peaks = [f"{m['label']} max {max(v for _, v in m['points']):g}"
                 + (f" {m['unit']}" if m["unit"] in ("s", "%") else "")
                 for m in stack["metrics"].values() if m["points"]]
        if peaks:
            lines.append("metrics     " + "; ".join(peaks))
    for event in workers["events"]:
        if event["event"] != "joined":
            lines.append(f"worker      {event['worker']} {event['event']} at {event['t']:g} s"
                         + (f": {event['detail']}" if event["detail"] else ""))
    lines += [f"note: {note}" for note in report["notes"]]
    if report["stop_reason"] != "the shape ended":
        lines.append(f"stopped     {report['stop_reason']} after {report['duration_s']:g} s")
    files = report["files"]
    if files:
        lines.append(f"report      {files['html']} (data: {files['json']}; locust's own: "
                     f"{files['locust_html']})")
    rules = "; ".join(slo.rule_from_dict({k: v for k, v in r.items() if k != "label"})
                      .describe() for r in report["slo"]["rules"])
    broken = first_broken_line(report)
    if broken:
        lines.append(broken)
    misses = list(report["slo"]["overall"])
    if report["stop_reason"] in FAILING_STOPS:
        misses.append(report["stop_reason"])
    if not misses and broken:
        misses.append("broken in a stage")
    verdict = "PASSED" if report["passed"] else "FAILED: " + "; ".join(misses)
    lines.append(f"SLO         {rules}: {verdict}")
    return "\n".join(lines)

"""The report as one HTML page: the verdict first, the charts (inline SVG, no script, no
download), the stages, the scaling events with the load at each, the workers, the notes,
and the report's JSON embedded for whoever wants the numbers behind a chart."""

from __future__ import annotations

import json
from html import escape
from typing import Any

from prodstack.ops.loadtest import report as reports
from prodstack.ops.loadtest import svg
from prodstack.ops.loadtest.figures import figures

STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 920px; color: #222; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
.passed { color: #2ca02c; } .failed { color: #d62728; }
table { border-collapse: collapse; margin: 8px 0; }
td, th { padding: 3px 10px; border-bottom: 1px solid #ddd; text-align: right; }
td:first-child, th:first-child, td.text { text-align: left; }
.chart { display: block; margin: 12px 0; }
"""


def _table(head: list[str], rows: list[list[Any]], text_cols: tuple[int, ...] = ()) -> str:
    cells = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join(
        "<tr>" + "".join(f'<td class="text">{escape(str(c))}</td>' if i in text_cols
                         else f"<td>{escape(str(c))}</td>" for i, c in enumerate(row)) + "</tr>"
        for row in rows)
    return f"<table><tr>{cells}</tr>{body}</table>"


def render(report: dict[str, Any]) -> str:
    verdict = "PASSED" if report["passed"] else "FAILED"
    broken = reports.first_broken_line(report)
    t = report["totals"]
    parts = [
        "<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>load test of {escape(report['url'])}</title><style>{STYLE}</style></head>",
        f"<body><h1>Load test of {escape(report['url'])}: "
        f'<span class="{verdict.lower()}">{verdict}</span></h1>',
        f"<p>{escape(report['shape']['description'])}, {escape(report['scenario']['kind'])} "
        f"scenario, started {escape(report['started_at'])}, ran "
        f"{report['duration_s']:g} s ({escape(report['stop_reason'])}).</p>",
    ]
    if broken:
        parts.append(f'<p class="failed"><strong>{escape(broken)}</strong></p>')
    parts.append(_table(["requests", "req/s", "failed", "error rate", "p50 ms", "p95 ms",
                         "p99 ms"],
                        [[t["requests"], t["rps"], t["failures"], f"{t['error_rate']:.2%}",
                          t["p50_ms"], t["p95_ms"], t["p99_ms"]]]))
    parts.append("<h2>SLOs</h2>" + _table(
        ["objective", "over the run"],
        [[reports.slo.rule_from_dict({k: v for k, v in r.items() if k != "label"}).describe(),
          "; ".join(m for m in report["slo"]["overall"] if r["label"] in m) or "held"]
         for r in report["slo"]["rules"]], text_cols=(0, 1)))
    parts.append("<h2>Charts</h2>")
    parts += [svg.render(figure) for figure in figures(report)]
    parts.append("<h2>Stages</h2>" + _table(
        ["stage", "from s", "to s", "users", "requests", "req/s", "p50", "p95", "p99",
         "errors", "SLO"],
        [[s["index"] + 1, s["start_s"], s["end_s"], reports.users_label(s), s["all"]["requests"],
          s["all"]["rps"], s["all"]["p50_ms"], s["all"]["p95_ms"], s["all"]["p99_ms"],
          f"{s['all']['error_rate']:.2%}", "; ".join(s["slo_misses"]) or "ok"]
         for s in report["stages"]], text_cols=(10,)))
    stack = report["stack"]
    if stack is not None:
        parts.append(f"<h2>The stack: live colour {escape(stack['colour'])}, group "
                     f"{escape(str(stack['asg']))}</h2>")
        parts.append(_table(["at s", "users", "req/s", "instances", "why", "seen in"],
                            [[e["t"], e["load"]["users"], e["load"]["rps"],
                              f"{e['from']} → {e['to']}", e["why"], e["source"]]
                             for e in stack["events"]], text_cols=(4, 5))
                     if stack["events"] else "<p>No scaling event during the run.</p>")
    events = report["workers"]["events"]
    if events:
        parts.append("<h2>Workers</h2>" + _table(
            ["at s", "worker", "event", "detail"],
            [[e["t"], e["worker"], e["event"], e["detail"]] for e in events], (1, 2, 3)))
    if report["errors"]:
        parts.append("<h2>Errors</h2>" + _table(["count", "error"],
                                                [[n, m] for m, n in report["errors"]], (1,)))
    if report["notes"]:
        parts.append("<h2>Notes</h2><ul>" + "".join(f"<li>{escape(n)}</li>"
                                                    for n in report["notes"]) + "</ul>")
    files = report["files"]
    links = [f'<a href="{escape(name)}">{escape(name)}</a>'
             for name in [files.get("json_name"), files.get("locust_html_name"),
                          *files.get("png_names", [])] if name]
    if links:
        parts.append("<h2>Files</h2><p>" + " · ".join(links) + "</p>")
    data = json.dumps(report).replace("</", "<\\/")
    parts.append(f'<script type="application/json" id="report-data">{data}</script>')
    parts.append("</body></html>")
    return "\n".join(parts)

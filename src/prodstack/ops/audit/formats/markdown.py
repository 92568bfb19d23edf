"""Markdown output, for a pull-request comment.

A summary line (counts by severity, and whether the run fails at `--fail-on`), a table of the
findings (severity, id, resource with its file and line in directory mode, message), the fix
of each rule that fired, then the suppressed and accepted findings (with their reasons) in a
collapsed `<details>` block; what a rule could not check, in its own table (reported, not
counted); rules skipped or broken, and why a root was not planned, are listed at the end
(and a root not planned is said in the summary line). A finding of a recursive audit names its root.
"""

from __future__ import annotations

from collections import Counter

from prodstack.catalog.model import SEVERITIES
from prodstack.ops.audit.engine import AuditResult, Finding, UnseenCheck
from prodstack.ops.audit.report import not_planned, skipped_groups, where


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def _resource(result: AuditResult, finding: Finding | UnseenCheck) -> str:
    place = where(result, finding.address, finding.root)
    code = f"`{finding.address}`" if "`" not in finding.address else _cell(finding.address)
    if finding.root:
        code = f"{_cell(finding.root)}: {code}"
    return f"{code} ({_cell(place)})" if place and place != finding.address else code


def _summary(result: AuditResult, fail_on: str) -> str:
    counts = Counter(f.severity for f in result.findings)
    total = len(result.findings)
    parts = ", ".join(f"{counts[s]} {s}" for s in SEVERITIES if counts[s])
    text = f"{total} finding{'s' if total != 1 else ''}" + (f" ({parts})" if parts else "")
    if result.suppressed:
        text += f", {len(result.suppressed)} suppressed"
    if result.accepted:
        text += f", {len(result.accepted)} accepted by the {result.env} profile"
    if result.unseen:
        text += f", {len(result.unseen)} not seen"
    failing = len(result.failing(fail_on))
    if result.errors:
        verdict = "incomplete: a rule could not run"
    elif failing:
        verdict = f"fails (`--fail-on {fail_on}`: {failing} at or above {fail_on})"
    elif result.root_errors:
        verdict = "fails: incomplete"
    else:
        verdict = f"passes (`--fail-on {fail_on}`)"
    return f"**prodstack audit**: {text}; {verdict}{not_planned(result)}"


def to_markdown(result: AuditResult, fail_on: str = "low") -> str:
    env = f", env {result.env}" if result.env else ""
    roots = (f" ({len(result.roots)} roots: {_cell(', '.join(result.roots))})"
             if result.roots else "")
    lines = [_summary(result, fail_on), "",
             f"Audit of `{_cell(result.source)}`{roots}{env}: {result.resources} resources, "
             f"{result.rules_run} rules run."]
    if result.findings:
        lines += ["", "| severity | id | resource | message |", "|---|---|---|---|"]
        lines += [f"| {f.severity} | {f.id} | {_resource(result, f)} | {_cell(f.message)} |"
                  for f in result.findings]
        lines += ["", "**Fixes**", ""]
        fixes = {f.id: f for f in result.findings}
        lines += [f"- **{f.id}** {_cell(f.title)}: {_cell(f.fix)}" for f in fixes.values()]
    hidden = len(result.suppressed) + len(result.accepted)
    if hidden:
        parts = [f"{len(result.suppressed)} suppressed" if result.suppressed else "",
                 f"{len(result.accepted)} accepted by the {result.env} profile"
                 if result.accepted else ""]
        lines += ["", "<details>",
                  f"<summary>{', '.join(p for p in parts if p)} (reported, not counted)"
                  "</summary>", "",
                  "| severity | id | resource | reason | where |", "|---|---|---|---|---|"]
        lines += [f"| {s.finding.severity} | {s.finding.id} | {_resource(result, s.finding)} | "
                  f"{_cell(s.reason)} | {_cell(s.where)} |" for s in result.suppressed]
        lines += [f"| {a.finding.severity} | {a.finding.id} | {_resource(result, a.finding)} | "
                  f"{_cell(a.reason)} | {result.env} profile: {_cell(a.what)} |"
                  for a in result.accepted]
        lines += ["", "</details>"]
    if result.unseen:
        lines += ["", "**Not seen** (could not be checked; reported, not counted)", "",
                  "| id | resource | why |", "|---|---|---|"]
        lines += [f"| {u.id} | {_resource(result, u)} | {_cell(u.message)} |"
                  for u in result.unseen]
    if result.skipped:
        lines += ["", "Skipped: " + "; ".join(f"{', '.join(ids)} ({_cell(reason)})"
                                               for reason, ids in skipped_groups(result))]
    if result.errors:
        lines += ["", "**Rules that could not run** (the audit is incomplete): "
                  + "; ".join(f"{rule_id}: {_cell(error)}" for rule_id, error in result.errors)]
    if result.root_errors:
        lines += ["", "**Not planned** (configuration rules only: the audit is incomplete): "
                  + "; ".join(f"{_cell(root)}: {_cell(error)}"
                              for root, error in result.root_errors)]
    if not result.findings and not result.errors and not result.root_errors:
        lines += ["", "No findings."]
    return "\n".join(lines)

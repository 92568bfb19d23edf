"""Audit output: text grouped by severity (address and fix with each finding), or JSON."""

from __future__ import annotations

from collections import Counter
from typing import Any

from prodstack.audit.engine import AuditResult, Finding
from prodstack.catalog.model import SEVERITIES


def to_json(result: AuditResult) -> dict[str, Any]:
    return {
        "source": result.source,
        "env": result.env,
        "resources": result.resources,
        "findings": [f.to_dict() for f in result.findings],
        "accepted": [a.to_dict() for a in result.accepted],
        "skipped": [{"id": rule_id, "reason": reason} for rule_id, reason in result.skipped],
        "errors": [{"id": rule_id, "error": error} for rule_id, error in result.errors],
    }


def _summary(result: AuditResult) -> str:
    counts = Counter(f.severity for f in result.findings)
    parts = [f"{counts[s]} {s}" for s in SEVERITIES if counts[s]]
    total = len(result.findings)
    text = f"{total} finding{'s' if total != 1 else ''}"
    if parts:
        text += f" ({', '.join(parts)})"
    if result.accepted:
        text += f", {len(result.accepted)} accepted by the {result.env} profile"
    return text


def _by_rule(findings: list[Finding]) -> list[list[Finding]]:
    groups: dict[str, list[Finding]] = {}
    for finding in findings:
        groups.setdefault(finding.id, []).append(finding)
    return list(groups.values())


def to_text(result: AuditResult) -> str:
    env = f", env {result.env}" if result.env else ""
    lines = [f"audit of {result.source}{env}: {result.resources} resources, "
             f"{result.rules_run} rules run: {_summary(result)}"]
    for severity in SEVERITIES:
        findings = [f for f in result.findings if f.severity == severity]
        if not findings:
            continue
        lines += ["", severity.upper()]
        for group in _by_rule(findings):
            lines.append(f"  {group[0].id}  {group[0].title}")
            lines += [f"    {f.address}: {f.message}" for f in group]
            lines.append(f"    fix: {group[0].fix}")
    if result.accepted:
        lines += ["", f"ACCEPTED by the {result.env} profile (reported, not counted)"]
        for acc in result.accepted:
            f = acc.finding
            lines.append(f"  {f.id}  {f.address}: {f.message}")
            lines.append(f"    accepted: {acc.what}; reason: {acc.reason}")
    if result.skipped:
        lines += ["", "SKIPPED"]
        lines += [f"  {rule_id}: {reason}" for rule_id, reason in result.skipped]
    if result.errors:
        lines += ["", "ERRORS (the audit is incomplete)"]
        lines += [f"  {rule_id}: {error}" for rule_id, error in result.errors]
    if not result.findings and not result.errors:
        lines += ["", "no findings"]
    return "\n".join(lines)

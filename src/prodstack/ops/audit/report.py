"""Audit output: text grouped by severity (address and fix with each finding), or JSON; the
other formats (SARIF, JUnit XML, Markdown) live in `formats/`.

In directory mode each finding also names the file and line of the block it is about; in a
`--recursive` audit, the root it was found in. What a rule could not check (`unseen`) and why
a root was not planned are listed after the findings; neither is a finding. A root that was
not planned (its configuration rules only) is said in the summary line too.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from prodstack.catalog.model import SEVERITIES
from prodstack.ops.audit.engine import AuditResult, Finding, UnseenCheck


def file_line(result: AuditResult, address: str, root: str = "") -> tuple[str, int] | None:
    """Where a finding's block is written, in directory mode (or where a suppression is);
    `root`: the root module of a recursive audit it was found in."""
    locations = result.locations
    location = result.location_of(address, root)
    if location is None or locations is None:
        return None
    if locations.of_plan and address not in result.pinned:
        return None
    return locations.relative(location.path), location.line


def where(result: AuditResult, address: str, root: str = "") -> str:
    """`main.tf:12`, or "" when the finding has no configuration file."""
    found = file_line(result, address, root)
    return f"{found[0]}:{found[1]}" if found else ""


def _with_location(result: AuditResult, item: dict[str, Any]) -> dict[str, Any]:
    found = file_line(result, item["address"], item.get("root", ""))
    return {**item, "file": found[0], "line": found[1]} if found else item


def unseen_line(note: UnseenCheck) -> str:
    return f"{note.id} could not check {note.address}: {note.message}"


def to_json(result: AuditResult) -> dict[str, Any]:
    return {
        "source": result.source,
        "env": result.env,
        "resources": result.resources,
        "rules_run": list(result.ran),
        "findings": [_with_location(result, f.to_dict()) for f in result.findings],
        "accepted": [_with_location(result, a.to_dict()) for a in result.accepted],
        "suppressed": [_with_location(result, s.to_dict()) for s in result.suppressed],
        "skipped": [{"id": rule_id, "reason": reason} for rule_id, reason in result.skipped],
        "errors": [{"id": rule_id, "error": error} for rule_id, error in result.errors],
        "unseen": [_with_location(result, u.to_dict()) for u in result.unseen],
        "counts": {"findings": len(result.findings), "accepted": len(result.accepted),
                   "suppressed": len(result.suppressed), "unseen": len(result.unseen)},
        **({"roots": list(result.roots)} if result.roots else {}),
        **({"root_errors": [{"root": root, "error": error}
                            for root, error in result.root_errors]}
           if result.roots or result.root_errors else {}),
    }


def _summary(result: AuditResult) -> str:
    counts = Counter(f.severity for f in result.findings)
    parts = [f"{counts[s]} {s}" for s in SEVERITIES if counts[s]]
    total = len(result.findings)
    text = f"{total} finding{'s' if total != 1 else ''}"
    if parts:
        text += f" ({', '.join(parts)})"
    if result.suppressed:
        text += f", {len(result.suppressed)} suppressed"
    if result.accepted:
        text += f", {len(result.accepted)} accepted by the {result.env} profile"
    if result.unseen:
        text += f", {len(result.unseen)} not seen"
    return text + not_planned(result)


def not_planned(result: AuditResult) -> str:
    """What the summary line says when a root was not planned: the audit is incomplete."""
    roots = result.not_planned
    if not roots:
        return ""
    if not result.roots:
        return "; NOT PLANNED: configuration rules only, the audit is incomplete"
    return (f"; {len(roots)} of {len(result.roots)} roots NOT PLANNED ({', '.join(roots)}): "
            "configuration rules only there, the audit is incomplete")


def skipped_groups(result: AuditResult) -> list[tuple[str, list[str]]]:
    """(reason, the ids skipped for it), in the order first met."""
    groups: dict[str, list[str]] = {}
    for rule_id, reason in result.skipped:
        groups.setdefault(reason, []).append(rule_id)
    return list(groups.items())


def _by_rule(findings: list[Finding]) -> list[list[Finding]]:
    groups: dict[str, list[Finding]] = {}
    for finding in findings:
        groups.setdefault(finding.id, []).append(finding)
    return list(groups.values())


def _at(result: AuditResult, address: str, root: str = "") -> str:
    place = where(result, address, root)
    shown = f"{root}: {address}" if root else address
    return f"{shown} ({place})" if place and place != address else shown


def to_text(result: AuditResult) -> str:
    env = f", env {result.env}" if result.env else ""
    roots = f" ({len(result.roots)} roots: {', '.join(result.roots)})" if result.roots else ""
    lines = [f"audit of {result.source}{roots}{env}: {result.resources} resources, "
             f"{result.rules_run} rules run: {_summary(result)}"]
    for severity in SEVERITIES:
        findings = [f for f in result.findings if f.severity == severity]
        if not findings:
            continue
        lines += ["", severity.upper()]
        for group in _by_rule(findings):
            lines.append(f"  {group[0].id}  {group[0].title}")
            lines += [f"    {_at(result, f.address, f.root)}: {f.message}" for f in group]
            lines.append(f"    fix: {group[0].fix}")
    if result.accepted:
        lines += ["", f"ACCEPTED by the {result.env} profile (reported, not counted)"]
        for acc in result.accepted:
            f = acc.finding
            lines.append(f"  {f.id}  {_at(result, f.address, f.root)}: {f.message}")
            lines.append(f"    accepted: {acc.what}; reason: {acc.reason}")
    if result.suppressed:
        lines += ["", "SUPPRESSED (reported, not counted)"]
        for sup in result.suppressed:
            f = sup.finding
            lines.append(f"  {f.id}  {_at(result, f.address, f.root)}: {f.message}")
            lines.append(f"    suppressed in {sup.where}: {sup.reason}")
    if result.skipped:
        lines += ["", "SKIPPED"]
        lines += [f"  {', '.join(ids)}: {reason}" for reason, ids in skipped_groups(result)]
    if result.unseen:
        lines += ["", "NOT SEEN (could not be checked; reported, not counted)"]
        lines += [f"  {u.id}  {_at(result, u.address, u.root)}: {u.message}"
                  for u in result.unseen]
    if result.errors:
        lines += ["", "ERRORS (the audit is incomplete)"]
        lines += [f"  {rule_id}: {error}" for rule_id, error in result.errors]
    if result.root_errors:
        lines += ["", "NOT PLANNED (configuration rules only: the audit is incomplete)"]
        lines += [f"  {root}: {error}" for root, error in result.root_errors]
    if not result.findings and not result.errors and not result.root_errors:
        lines += ["", "no findings"]
    return "\n".join(lines)

"""SARIF 2.1.0 output, for GitHub code scanning (`github/codeql-action/upload-sarif`).

One run; the driver lists one rule per catalog id that ran (and the suppression meta rule
when it fired). Each finding is a result at its level (critical/high → error, medium →
warning, low → note) with a location: in directory mode the file of the block it names and
that block's first line, the file relative to the audited folder (or `--path-base`) under
the base id `%SRCROOT%`; for a plan file, the plan file. Suppressed findings and the profile's
accepted trades are results too, with a `suppressions` entry (kind inSource for a comment,
external for prodstack-audit.toml and profile trades; justification = the reason). What a
rule could not check is a note-level result (property `unseen`, message "… could not check
…: cannot tell whether …"), which code scanning shows, where a `review` result of level `none`
would be hidden. Rules that could not run, or were skipped, and why a root was not planned
are tool execution notifications (and the run is not `executionSuccessful`); a finding of a
recursive audit names its root in its properties and its file relative to the same base.
"""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import quote

from prodstack.catalog import CATALOG
from prodstack.ops.audit.engine import AuditResult, Finding, UnseenCheck
from prodstack.ops.audit.locations import Location, Locations
from prodstack.ops.audit.report import unseen_line
from prodstack.ops.audit.suppress import META_FAILURE, META_FIX, META_ID, META_SEVERITY, META_TITLE

VERSION = "2.1.0"
SCHEMA = ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
          "sarif-schema-2.1.0.json")
BASE_ID = "%SRCROOT%"
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}


def _name(title: str) -> str:
    """`Single-AZ database` -> `SingleAZDatabase`."""
    return "".join(w[:1].upper() + w[1:] for w in re.findall(r"[A-Za-z0-9]+", title))


def _descriptor(rule_id: str, title: str, failure: str, fix: str, severity: str,
                docs: str = "") -> dict[str, Any]:
    rule: dict[str, Any] = {
        "id": rule_id, "name": _name(title),
        "shortDescription": {"text": title},
        "fullDescription": {"text": failure},
        "help": {"text": fix, "markdown": fix},
        "defaultConfiguration": {"level": LEVELS[severity]},
        "properties": {"severity": severity, "tags": ["terraform", "aws", "prodstack"]},
    }
    if docs:
        rule["helpUri"] = docs
    return rule


def _rules(result: AuditResult) -> list[dict[str, Any]]:
    rules = []
    for rule_id in result.ran:
        entry = CATALOG.by_id.get(rule_id)
        if entry is None or entry.severity is None:  # a rule given to the engine directly
            rules.append(_descriptor(rule_id, rule_id, rule_id, "", "medium"))
            continue
        rules.append(_descriptor(entry.id, entry.title, entry.failure, entry.fix,
                                 entry.severity, entry.aws_docs))
    if any(f.id == META_ID for f in result.findings):
        rules.append(_descriptor(META_ID, META_TITLE, META_FAILURE, META_FIX, META_SEVERITY))
    return rules


def _artifact(locations: Locations, path: Path) -> dict[str, Any]:
    relative = locations.relative(path)
    if relative.startswith("../"):  # outside the base: an absolute URI, with no base id
        return {"uri": path.as_uri()}
    return {"uri": quote(relative), "uriBaseId": BASE_ID}


def _physical(locations: Locations, location: Location) -> dict[str, Any]:
    return {"physicalLocation": {"artifactLocation": _artifact(locations, location.path),
                                 "region": {"startLine": location.line}}}


def _location(result: AuditResult, finding: Finding | UnseenCheck) -> dict[str, Any]:
    location = result.location_of(finding.address, finding.root)
    out = (_physical(result.locations, location)
           if location is not None and result.locations is not None else {})
    if finding.id != META_ID:
        name = f"{finding.root}:{finding.address}" if finding.root else finding.address
        out["logicalLocations"] = [{"fullyQualifiedName": name, "kind": "resource"}]
    return out


def _result(result: AuditResult, finding: Finding, index: dict[str, int],
            suppressions: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ruleId": finding.id,
        "level": LEVELS.get(finding.severity, "warning"),
        "message": {"text": f"{finding.address}: {finding.message}"},
        "locations": [_location(result, finding)],
        "properties": {"severity": finding.severity, "address": finding.address,
                       **({"root": finding.root} if finding.root else {})},
    }
    if finding.id in index:
        out["ruleIndex"] = index[finding.id]
    if suppressions:
        out["suppressions"] = suppressions
    return out


def _notifications(result: AuditResult) -> list[dict[str, Any]]:
    out = [{"level": "error", "message": {"text": f"rule {rule_id} could not run: {error}"},
            "associatedRule": {"id": rule_id}} for rule_id, error in result.errors]
    out += [{"level": "note", "message": {"text": f"rule {rule_id} skipped: {reason}"},
             "associatedRule": {"id": rule_id}} for rule_id, reason in result.skipped]
    out += [{"level": "error", "message": {"text": f"root {root} could not be planned: "
                                                   f"{error}"}}
            for root, error in result.root_errors]
    return out


def _unseen(result: AuditResult, note: UnseenCheck, index: dict[str, int]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ruleId": note.id, "level": "note",
        "message": {"text": unseen_line(note)},
        "locations": [_location(result, note)],
        "properties": {"unseen": True, "address": note.address,
                       **({"root": note.root} if note.root else {})},
    }
    if note.id in index:
        out["ruleIndex"] = index[note.id]
    return out


def _version() -> str:
    try:
        return metadata.version("prodstack")
    except metadata.PackageNotFoundError:
        return "0"


def to_sarif(result: AuditResult) -> dict[str, Any]:
    rules = _rules(result)
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    results = [_result(result, f, index) for f in result.findings]
    for sup in result.suppressed:
        entry: dict[str, Any] = {"kind": sup.kind, "status": "accepted",
                                 "justification": sup.reason}
        if sup.location is not None and result.locations is not None:
            entry["location"] = _physical(result.locations, sup.location)
        results.append(_result(result, sup.finding, index, [entry]))
    for acc in result.accepted:
        results.append(_result(result, acc.finding, index, [{
            "kind": "external", "status": "accepted",
            "justification": f"accepted by the {result.env} profile: {acc.what} "
                             f"({acc.reason})"}]))
    results += [_unseen(result, note, index) for note in result.unseen]
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "prodstack", "version": _version(), "rules": rules}},
        "invocations": [{"executionSuccessful": not result.errors and not result.root_errors,
                         "toolExecutionNotifications": _notifications(result)}],
        "results": results,
        "properties": {"source": result.source, "env": result.env,
                       "resources": result.resources, "unseen": len(result.unseen),
                       **({"roots": list(result.roots)} if result.roots else {})},
    }
    if result.locations is not None:
        base = result.locations.base or result.locations.root
        run["originalUriBaseIds"] = {BASE_ID: {"uri": base.absolute().as_uri() + "/"}}
    return {"$schema": SCHEMA, "version": VERSION, "runs": [run]}

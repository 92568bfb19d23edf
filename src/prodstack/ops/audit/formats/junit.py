"""JUnit XML output, for CI test reports.

One `<testsuite>` per rule (its id and title), in catalog order; in it one `<testcase>` per
(rule, resource) finding, as a `<failure>` (every finding, whatever `--fail-on` says; the
failure's `type` is its severity), and the rule's suppressed and accepted findings as
`<skipped>` with the reason. A rule that ran with no finding at all gets one passing
testcase, `no findings`. Rules skipped for want of a configuration folder are a skipped
testcase; a rule that could not run is an `<error>`; problems with suppressions are failures
in a `META-SUPPRESSION` suite. What a rule could not check is a `<skipped>` testcase of its
rule (`could not check: …`). In directory mode each testcase carries `file` and `line`. In a
`--recursive` audit a testcase is named `root: address`. Why a root was not planned is an
`<error>` testcase of a `ROOTS` suite, one per reason (named by the root).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from prodstack.catalog import CATALOG
from prodstack.ops.audit.engine import AuditResult, Finding, UnseenCheck
from prodstack.ops.audit.report import file_line
from prodstack.ops.audit.suppress import META_ID, META_TITLE

# a testcase: name, outcome ("failure", "skipped", "error" or "" for a pass), message,
# details, severity, and the (address, root) it is located by (none: not located)
_Case = tuple[str, str, str, str, str, tuple[str, str] | None]
ROOTS_SUITE = "ROOTS"


class _Suite:
    def __init__(self, rule_id: str, title: str) -> None:
        self.rule_id = rule_id
        self.title = title
        self.cases: list[_Case] = []


def _title(rule_id: str) -> str:
    entry = CATALOG.by_id.get(rule_id)
    if rule_id == META_ID:
        return META_TITLE
    return entry.title if entry else rule_id


def _details(finding: Finding, more: str = "") -> str:
    text = f"{finding.address}: {finding.message}\nfix: {finding.fix}"
    return f"{text}\n{more}" if more else text


def _suites(result: AuditResult) -> list[_Suite]:
    suites: dict[str, _Suite] = {}

    def suite(rule_id: str) -> _Suite:
        if rule_id not in suites:
            suites[rule_id] = _Suite(rule_id, _title(rule_id))
        return suites[rule_id]

    def named(f: Finding | UnseenCheck) -> str:
        return f"{f.root}: {f.address}" if f.root else f.address

    for rule_id in result.ran:
        suite(rule_id)
    for f in result.findings:
        suite(f.id).cases.append((named(f), "failure", f"{f.severity}: {f.message}",
                                  _details(f), f.severity, (f.address, f.root)))
    for sup in result.suppressed:
        f = sup.finding
        suite(f.id).cases.append((named(f), "skipped",
                                  f"suppressed in {sup.where}: {sup.reason}",
                                  _details(f), f.severity, (f.address, f.root)))
    for acc in result.accepted:
        f = acc.finding
        suite(f.id).cases.append((named(f), "skipped",
                                  f"accepted by the {result.env} profile: {acc.reason}",
                                  _details(f), f.severity, (f.address, f.root)))
    for note in result.unseen:
        suite(note.id).cases.append((named(note), "skipped",
                                     f"could not check: {note.message}",
                                     f"{note.address}: {note.message}", "",
                                     (note.address, note.root)))
    for rule_id in result.ran:
        if not suites[rule_id].cases:
            suites[rule_id].cases.append(("no findings", "", "", "", "", None))
    for rule_id, reason in result.skipped:
        suite(rule_id).cases.append(("rule skipped", "skipped", reason, "", "", None))
    for rule_id, error in result.errors:
        suite(rule_id).cases.append(("rule could not run", "error", error, error, "", None))
    if result.root_errors:
        roots = suites.setdefault(ROOTS_SUITE, _Suite(ROOTS_SUITE, "Roots not planned"))
        roots.cases += [(root, "error", error, error, "", None)
                        for root, error in result.root_errors]
    return list(suites.values())


def to_junit(result: AuditResult) -> str:
    root = ET.Element("testsuites", name="prodstack audit")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for s in _suites(result):
        counts = {"tests": len(s.cases),
                  "failures": sum(c[1] == "failure" for c in s.cases),
                  "errors": sum(c[1] == "error" for c in s.cases),
                  "skipped": sum(c[1] == "skipped" for c in s.cases)}
        for key, value in counts.items():
            totals[key] += value
        element = ET.SubElement(root, "testsuite", name=f"{s.rule_id} {s.title}",
                                **{k: str(v) for k, v in counts.items()})
        for name, outcome, message, details, severity, located in s.cases:
            attrs = {"classname": s.rule_id, "name": name}
            found = file_line(result, *located) if outcome and located else None
            if found:
                attrs.update(file=found[0], line=str(found[1]))
            case = ET.SubElement(element, "testcase", **attrs)
            if outcome:
                child = ET.SubElement(case, outcome, message=message)
                if severity and outcome == "failure":
                    child.set("type", severity)
                if details:
                    child.text = details
    root.attrib.update({k: str(v) for k, v in totals.items()})
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")

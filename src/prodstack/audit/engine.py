"""Run the rules over one plan, and apply a profile's accepted trades.

A finding whose id a profile trades by design (dev: single-AZ database, FM-3.1) is not
dropped: it moves to `accepted` with the profile's reason, and does not count for the exit
code. A rule that cannot run on odd input is reported as an error, never a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from prodstack.catalog import CATALOG, Entry
from prodstack.catalog.model import AuditInput, severity_rank
from prodstack.profiles import PROFILES


@dataclass(frozen=True)
class Finding:
    id: str
    title: str
    severity: str
    address: str
    message: str
    fix: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class Accepted:
    finding: Finding
    what: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {**self.finding.to_dict(), "accepted": self.what, "reason": self.reason}


@dataclass
class AuditResult:
    source: str
    env: str | None
    resources: int
    findings: list[Finding] = field(default_factory=list)
    accepted: list[Accepted] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    rules_run: int = 0

    def failing(self, fail_on: str) -> list[Finding]:
        limit = severity_rank(fail_on)
        return [f for f in self.findings if severity_rank(f.severity) <= limit]

    def exit_code(self, fail_on: str) -> int:
        """2 when a rule could not run, 1 for a finding at or above `fail_on`, else 0."""
        if self.errors:
            return 2
        return 1 if self.failing(fail_on) else 0


def _sort_key(finding: Finding) -> tuple[int, str, str]:
    return severity_rank(finding.severity), finding.id, finding.address


def run(inp: AuditInput, env: str | None = None,
        rules: Iterable[Entry] = CATALOG.rules) -> AuditResult:
    trades = {t.fm_id: t for t in PROFILES[env].trades} if env in PROFILES else {}
    result = AuditResult(source=inp.plan.source, env=env, resources=len(inp.plan.resources))
    for entry in rules:
        rule = entry.rule
        assert rule is not None and entry.severity is not None
        if rule.needs_config and inp.config is None:
            result.skipped.append((entry.id, "the backend is not in a plan: audit the "
                                             "configuration folder to check it"))
            continue
        try:
            hits = list(rule.check(inp))
        except Exception as exc:  # a rule bug or odd input must not become a traceback
            result.errors.append((entry.id, f"{type(exc).__name__}: {exc}"))
            continue
        result.rules_run += 1
        for hit in dict.fromkeys(hits):  # drop duplicates, keep order
            finding = Finding(entry.id, entry.title, hit.severity or entry.severity,
                              hit.address, hit.message, entry.fix)
            trade = trades.get(entry.id)
            if trade:
                result.accepted.append(Accepted(finding, trade.what, trade.reason))
            else:
                result.findings.append(finding)
    result.findings.sort(key=_sort_key)
    result.accepted.sort(key=lambda a: _sort_key(a.finding))
    return result

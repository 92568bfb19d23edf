"""Run the rules over one plan, and apply a profile's accepted trades.

A finding whose id a profile trades by design (dev: single-AZ database, FM-3.1) is not
dropped: it moves to `accepted` with the profile's reason, and does not count for the exit
code. A rule that cannot run on odd input is reported as an error, never a traceback.
Suppressions written by the user (suppress.py) are applied to the result afterwards; they
move findings to `suppressed`, which do not count either. What a rule could not check (an
`Unseen` hit) goes to `unseen`, which never counts. A folder that could not (or must not) be
planned is audited with the rules that read its configuration only: the others are `skipped`
(NOT_PLANNED), and why it was not planned is in `root_errors`, one line per reason. A
`--recursive` audit merges the results of several root modules (recursive.py): each finding
carries its root.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from prodstack.catalog import CATALOG, Entry
from prodstack.catalog.model import AuditInput, Unseen, severity_rank
from prodstack.config.profiles import PROFILES

if TYPE_CHECKING:
    from prodstack.ops.audit.locations import Location, Locations

NOT_PLANNED = "not run: it reads the plan, and the root was not planned (see why below)"


@dataclass(frozen=True)
class Finding:
    id: str
    title: str
    severity: str
    address: str
    message: str
    fix: str
    root: str = ""  # the root module it was found in (`--recursive`), as shown

    def to_dict(self) -> dict[str, str]:
        out = asdict(self)
        if not self.root:
            del out["root"]
        return out


@dataclass(frozen=True)
class UnseenCheck:
    """What a rule could not check on a resource, and why; reported, never counted."""

    id: str
    title: str
    address: str
    message: str
    root: str = ""

    def to_dict(self) -> dict[str, str]:
        out = asdict(self)
        if not self.root:
            del out["root"]
        return out


@dataclass(frozen=True)
class Accepted:
    finding: Finding
    what: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {**self.finding.to_dict(), "accepted": self.what, "reason": self.reason}


@dataclass(frozen=True)
class Suppressed:
    """A finding the user suppressed with a reason: in a `prodstack:ignore` comment
    (kind "inSource") or in prodstack-audit.toml ("external"); `where` says where."""

    finding: Finding
    reason: str
    kind: str
    where: str
    location: Location | None = None

    def to_dict(self) -> dict[str, str]:
        return {**self.finding.to_dict(), "suppressed": self.kind, "reason": self.reason,
                "where": self.where}


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
    ran: list[str] = field(default_factory=list)  # the ids of the rules that ran, in order
    suppressed: list[Suppressed] = field(default_factory=list)
    locations: Locations | None = None  # where the blocks are written (a folder, a plan file)
    pinned: dict[str, Location] = field(default_factory=dict)  # address -> location, for
    # findings about the audit's own input (a suppression), not about a block
    unseen: list[UnseenCheck] = field(default_factory=list)
    roots: list[str] = field(default_factory=list)  # `--recursive`: the roots audited
    root_errors: list[tuple[str, str]] = field(default_factory=list)  # root, why not planned
    # (one entry per reason; a root whose configuration could be read was still audited with
    # the rules that read it)
    root_locations: dict[str, Locations] = field(default_factory=dict)  # root -> its blocks

    def location_of(self, address: str, root: str = "") -> Location | None:
        if address in self.pinned:
            return self.pinned[address]
        locations = self.root_locations.get(root) if root else self.locations
        return locations.locate(address) if locations else None

    def failing(self, fail_on: str) -> list[Finding]:
        limit = severity_rank(fail_on)
        return [f for f in self.findings if severity_rank(f.severity) <= limit]

    @property
    def not_planned(self) -> list[str]:
        """The roots that could not be planned, each once."""
        return list(dict.fromkeys(root for root, _ in self.root_errors))

    def exit_code(self, fail_on: str) -> int:
        """2 when a rule could not run; else 1 for a finding at or above `fail_on` (from any
        root, planned or not); else 2 when a root could not be planned (never a clean pass);
        else 0."""
        if self.errors:
            return 2
        if self.failing(fail_on):
            return 1
        return 2 if self.root_errors else 0


def sort_key(finding: Finding) -> tuple[int, str, str]:
    return severity_rank(finding.severity), finding.id, finding.address


def run(inp: AuditInput, env: str | None = None,
        rules: Iterable[Entry] = CATALOG.rules, planned: bool = True) -> AuditResult:
    """`planned=False`: `inp.plan` is empty because the root was not planned; only the rules
    that read the configuration run."""
    trades = {t.fm_id: t for t in PROFILES[env].trades} if env in PROFILES else {}
    result = AuditResult(source=inp.plan.source, env=env, resources=len(inp.plan.resources))
    for entry in rules:
        rule = entry.rule
        assert rule is not None and entry.severity is not None
        if not planned and not rule.needs_config:
            result.skipped.append((entry.id, NOT_PLANNED))
            continue
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
        result.ran.append(entry.id)
        for hit in dict.fromkeys(hits):  # drop duplicates, keep order
            if isinstance(hit, Unseen):
                result.unseen.append(UnseenCheck(entry.id, entry.title, hit.address,
                                                 hit.message))
                continue
            finding = Finding(entry.id, entry.title, hit.severity or entry.severity,
                              hit.address, hit.message, entry.fix)
            trade = trades.get(entry.id)
            if trade:
                result.accepted.append(Accepted(finding, trade.what, trade.reason))
            else:
                result.findings.append(finding)
    result.findings.sort(key=sort_key)
    result.accepted.sort(key=lambda a: sort_key(a.finding))
    return result

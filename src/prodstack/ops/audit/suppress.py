"""Suppressions with reasons: `# prodstack:ignore` comments and `prodstack-audit.toml`.

A comment `# prodstack:ignore FM-3.1[,FM-X5] why` on or directly above a block (located by
locations.py) suppresses those ids on that block: every instance of a resource, everything
inside a module call, a backend for a `terraform` block. A `prodstack-audit.toml` holds

    [[suppress]]
    id = "FM-3.1"                                   # required
    address = "module.db.aws_db_instance.this"      # optional: everywhere without it
    reason = "single-AZ is fine for this batch DB"  # required
    expires = 2026-06-30                            # optional, YYYY-MM-DD

(and, optionally, `allow_providers = ["NAMESPACE/NAME"]`, read by allow.py), where an address
covers its instances (`aws_subnet.private` covers `aws_subnet.private[0]`) and everything in
a module (`module.db`). A suppressed finding moves to `suppressed` with its
reason and where the suppression is written; it does not count for the exit code. A
suppression that cannot apply (no reason, past its expiry, an unknown id, a comment next to no
block) suppresses nothing and is itself a finding of META_ID, which counts.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prodstack.catalog import CATALOG
from prodstack.core.errors import UserError, read_input
from prodstack.ops.audit.engine import AuditResult, Finding, Suppressed, sort_key
from prodstack.ops.audit.locations import Location, Locations
from prodstack.tf.plan import strip_instance_keys

FILE_NAME = "prodstack-audit.toml"
ALLOW_KEY = "allow_providers"  # the file's other top-level key: providers to run (allow.py)
META_ID = "META-SUPPRESSION"
META_TITLE = "Suppression that suppresses nothing"
META_SEVERITY = "medium"
META_FAILURE = ("a suppression without a reason, past its expiry, naming an unknown id or "
                "written next to no block hides nothing, and nobody notices")
META_FIX = ("give each suppression catalog ids of static rules (`prodstack audit --catalog`), "
            "a reason (`# prodstack:ignore FM-3.1 why`, or `reason = \"why\"` in "
            f"{FILE_NAME}) and, when it has one, an expiry date still to come")
_IDS = re.compile(r"^\s*([A-Za-z][A-Za-z0-9.\-]*(?:\s*,\s*[A-Za-z][A-Za-z0-9.\-]*)*)(.*)$", re.S)
_ENTRY_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*suppress[ \t]*\]\]", re.M)
_KEYS = {"id", "address", "reason", "expires"}


@dataclass(frozen=True)
class Suppression:
    ids: tuple[str, ...]
    reason: str
    kind: str  # "inSource" (a comment) or "external" (prodstack-audit.toml)
    where: str  # "main.tf:12", "prodstack-audit.toml:4"
    location: Location | None = None
    scopes: tuple[str, ...] = ()  # addresses it covers; none: everywhere
    expires: dt.date | None = None

    def covers(self, finding: Finding) -> bool:
        return finding.id in self.ids and (
            not self.scopes or any(_within(finding.address, s) for s in self.scopes))


def _within(address: str, scope: str) -> bool:
    """`aws_x.y` covers `aws_x.y[0]`; `module.a` covers `module.a[0].aws_x.y`."""
    if address == scope or address.startswith((f"{scope}.", f"{scope}[")):
        return True
    key = strip_instance_keys(address)
    return key == scope or key.startswith(f"{scope}.")


@dataclass
class Suppressions:
    items: list[Suppression] = field(default_factory=list)
    misplaced: list[tuple[str, Location]] = field(default_factory=list)  # comment text, where


def from_comments(locations: Locations) -> Suppressions:
    """The `prodstack:ignore` comments of a folder (and of its local modules)."""
    out = Suppressions()
    for comment in locations.comments:
        where = locations.show(comment.where)
        if not comment.scopes:
            out.misplaced.append((where, comment.where))
            continue
        match = _IDS.match(comment.text)
        ids = tuple(i.strip() for i in match.group(1).split(",")) if match else ()
        reason = match.group(2).strip().lstrip(":-–—").strip() if match else ""
        out.items.append(Suppression(ids, reason, "inSource", where, comment.where,
                                     comment.scopes))
    return out


def _fail(path: Path, entry: int | None, line: int | None, problem: str) -> UserError:
    at = f" (line {line})" if line else ""
    which = f" suppression {entry}{at}" if entry is not None else ""
    return UserError(f"{path}:{which}: {problem}", exit_code=2)


def _expiry(value: Any, fail: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        raise fail("expires must be a date (YYYY-MM-DD), not a date and time")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise fail(f"expires {value!r} is not a date (YYYY-MM-DD)")


def from_file(path: Path, locations: Locations | None) -> Suppressions:
    """The entries of a prodstack-audit.toml; a malformed file is a UserError (exit 2)."""
    text = read_input(path, missing="no such suppressions file")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{path}: not valid TOML ({exc})", exit_code=2) from None
    unknown = sorted(set(data) - {"suppress", ALLOW_KEY})
    if unknown:
        raise _fail(path, None, None, f"unknown key {unknown[0]!r} (expected [[suppress]] "
                                      f"entries and {ALLOW_KEY})")
    entries = data.get("suppress", [])
    if not isinstance(entries, list):
        raise _fail(path, None, None, "suppress must be a list of tables ([[suppress]])")
    headers = [text.count("\n", 0, m.start()) + 1 for m in _ENTRY_HEADER.finditer(text)]
    lines: list[int | None] = list(headers) if len(headers) == len(entries) else [None] * len(
        entries)
    file_location = (path.absolute(), locations.relative(path.absolute()) if locations
                     else str(path))
    out = Suppressions()
    for n, (entry, line) in enumerate(zip(entries, lines, strict=True), start=1):
        def fail(problem: str, n: int = n, line: int | None = line) -> UserError:
            return _fail(path, n, line, problem)

        if not isinstance(entry, dict):
            raise fail("each entry must be a table with id and reason")
        extra = sorted(set(entry) - _KEYS)
        if extra:
            raise fail(f"unknown key {extra[0]!r} (expected {', '.join(sorted(_KEYS))})")
        entry_id = entry.get("id")
        if not isinstance(entry_id, str) or not entry_id.strip():
            raise fail("id must be a catalog id such as \"FM-3.1\"")
        address = entry.get("address")
        if address is not None and (not isinstance(address, str) or not address.strip()):
            raise fail("address must be a resource or module address")
        reason = entry.get("reason", "")
        if not isinstance(reason, str):
            raise fail("reason must be a string")
        expires = _expiry(entry["expires"], fail) if "expires" in entry else None
        where = f"{file_location[1]}:{line}" if line else file_location[1]
        out.items.append(Suppression(
            (entry_id.strip(),), reason.strip(), "external", where,
            Location(file_location[0], line or 1),
            (address.strip(),) if address else (), expires))
    return out


def merge(*groups: Suppressions) -> Suppressions:
    out = Suppressions()
    for group in groups:
        out.items += group.items
        out.misplaced += group.misplaced
    return out


def _meta(result: AuditResult, where: str, location: Location | None, message: str) -> None:
    finding = Finding(META_ID, META_TITLE, META_SEVERITY, where, message, META_FIX)
    if finding not in result.findings:
        result.findings.append(finding)
    if location is not None:
        result.pinned.setdefault(where, location)


def _usable(result: AuditResult, s: Suppression, today: dt.date) -> tuple[str, ...]:
    """The ids this suppression may suppress; each problem becomes a META_ID finding."""
    said = "# prodstack:ignore" if s.kind == "inSource" else "suppression"
    if not s.ids:
        _meta(result, s.where, s.location, f"{said} names no catalog id: it suppresses nothing")
        return ()
    ids = []
    for entry_id in s.ids:
        entry = CATALOG.by_id.get(entry_id)
        if entry is None:
            _meta(result, s.where, s.location, f"{said} names {entry_id}, which is not a "
                                               "catalog id (see `prodstack audit --catalog`)")
        elif entry.rule is None:
            _meta(result, s.where, s.location, f"{said} names {entry_id}, which has no static "
                                               "rule: there is nothing to suppress")
        else:
            ids.append(entry_id)
    if not ids:
        return ()
    if not s.reason:
        _meta(result, s.where, s.location, f"{said} of {', '.join(ids)} gives no reason: "
                                           "its findings stay")
        return ()
    if s.expires is not None and s.expires < today:
        _meta(result, s.where, s.location, f"{said} of {', '.join(ids)} expired on "
                                           f"{s.expires.isoformat()}: its findings stay")
        return ()
    return tuple(ids)


def apply(result: AuditResult, suppressions: Suppressions,
          today: dt.date | None = None) -> AuditResult:
    """Move the findings a usable suppression covers to `suppressed`; report the others."""
    today = today or dt.date.today()
    for where, location in suppressions.misplaced:
        _meta(result, where, location, "# prodstack:ignore is neither in nor directly above "
                                        "a resource, data, module or terraform block: it "
                                        "suppresses nothing")
    usable = []
    for s in suppressions.items:
        ids = _usable(result, s, today)
        if ids:
            usable.append(Suppression(ids, s.reason, s.kind, s.where, s.location, s.scopes,
                                      s.expires))
    kept = []
    for finding in result.findings:
        match = next((s for s in usable if finding.id != META_ID and s.covers(finding)), None)
        if match is None:
            kept.append(finding)
        else:
            result.suppressed.append(Suppressed(finding, match.reason, match.kind, match.where,
                                                match.location))
    result.findings = sorted(kept, key=sort_key)
    result.suppressed.sort(key=lambda s: sort_key(s.finding))
    return result


def load(path: Path | None, given: Path | None, locations: Locations | None) -> Suppressions:
    """The comments of the audited folder, and the suppressions file: `given`, else the
    prodstack-audit.toml in the audited folder (or next to the plan file)."""
    comments = from_comments(locations) if locations else Suppressions()
    file = given
    if file is None and path is not None:
        candidate = (path if path.is_dir() else path.parent) / FILE_NAME
        file = candidate if candidate.is_file() else None
    return merge(comments, from_file(file, locations)) if file else comments

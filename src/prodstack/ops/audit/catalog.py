"""`prodstack audit --catalog`: every catalog entry, its fix, and where it is checked; and the
README's catalog table, generated from the same registry."""

from __future__ import annotations

from typing import Any

from prodstack.catalog import CATALOG, Entry
from prodstack.config.profiles import PROFILES

STATIC = "static rule (prodstack audit)"
STATIC_FOLDER = "static rule on the configuration folder (prodstack audit PATH)"
LIVE = "live check (prodstack verify)"


def checked(entry: Entry) -> list[str]:
    where = []
    if entry.rule is not None:
        where.append(STATIC_FOLDER if entry.rule.needs_config else STATIC)
    if entry.live is not None:
        where.append(LIVE)
    return [*where, *entry.exercised]


def accepted_by(entry: Entry) -> list[str]:
    """The profiles that accept this failure mode as a trade."""
    return [name for name, profile in PROFILES.items()
            if any(t.fm_id == entry.id for t in profile.trades)]


def to_dict(entry: Entry) -> dict[str, Any]:
    return {"id": entry.id, "title": entry.title, "severity": entry.severity,
            "failure": entry.failure, "fix": entry.fix, "checked": checked(entry),
            "accepted_by": accepted_by(entry), "aws_docs": entry.aws_docs or None}


def render_text() -> str:
    lines = []
    for entry in CATALOG:
        severity = f" [{entry.severity}]" if entry.severity else ""
        lines.append(f"{entry.id}  {entry.title}{severity}")
        lines.append(f"    failure: {entry.failure}")
        lines.append(f"    fix:     {entry.fix}")
        lines.append(f"    checked: {'; '.join(checked(entry))}")
        if entry.aws_docs:
            lines.append(f"    AWS:     {entry.aws_docs}")
        if traded := accepted_by(entry):
            lines.append(f"    traded:  by {', '.join(traded)}")
    return "\n".join(lines)


def render_json() -> dict[str, object]:
    return {"catalog": [to_dict(e) for e in CATALOG]}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table() -> str:
    """The README's catalog table (a test keeps the README's copy current)."""
    rows = ["| id | title | failure | fix | checked by |", "|---|---|---|---|---|"]
    short = {STATIC: "static rule", STATIC_FOLDER: "static rule (folder)", LIVE: "live check"}
    for entry in CATALOG:
        where = [short.get(c, c) for c in checked(entry)]
        traded = accepted_by(entry)
        if traded:
            where.append(f"traded by {', '.join(traded)}")
        title = entry.title + (f" ({entry.severity})" if entry.severity else "")
        if entry.aws_docs:
            title += f" — [AWS]({entry.aws_docs})"
        rows.append(f"| {entry.id} | {_cell(title)} | {_cell(entry.failure)} | "
                    f"{_cell(entry.fix)} | {_cell('; '.join(where))} |")
    return "\n".join(rows)

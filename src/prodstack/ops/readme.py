"""The README's generated blocks: the catalog table (from the catalog registry), the
settings (from `settings_doc`), the profiles side by side (from the profiles) and the
emulator differences (from the local target). `python -m prodstack.ops.readme` rewrites them
in README.md; a test keeps them current.

A block sits between `<!-- generated: NAME -->` and `<!-- end: NAME -->`.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

from prodstack.config import settings_doc
from prodstack.config.profiles import PROFILES, TRADED_FIELDS
from prodstack.ops.audit.catalog import markdown_table
from prodstack.platform.local import EMULATOR_DIFFERENCES


def strict_table() -> str:
    """What the strict emulator refuses: one row per module of `moto_patches.STRICT`, from its
    `REFUSES` (what AWS refuses, and the error) and `CITATION` (AWS's page)."""
    from prodstack.runtime import moto_patches

    rows = ["| what AWS refuses, and the strict emulator with it | AWS's error | source |",
            "| --- | --- | --- |"]
    for name in moto_patches.STRICT:
        patch = moto_patches.module(name)
        for what, error, citation in patch.REFUSES:
            rows.append(f"| {what} | `{error}` | [{_host(citation)}]({citation}) |")
    return "\n".join(rows)


def _host(url: str) -> str:
    return url.split("//", 1)[-1].split("/", 1)[0]


def emulator_table() -> str:
    rows = ["| emulator-only adjustment | why |", "| --- | --- |"]
    rows += [f"| {what} | {why} |" for what, why in EMULATOR_DIFFERENCES]
    return "\n".join(rows)


def _cell(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def profiles_table() -> str:
    """Every profile field side by side; a traded value carries the catalog id it weakens."""
    names = list(PROFILES)
    rows = ["| field | " + " | ".join(names) + " |", "| --- |" + " --- |" * len(names)]
    first = PROFILES[names[0]]
    for name in first.__dataclass_fields__:
        if name in ("name", "trades"):
            continue
        cells = []
        for profile in PROFILES.values():
            value = getattr(profile, name)
            traded = name in TRADED_FIELDS and value != getattr(first, name)
            cells.append(_cell(value) + (f" (trade {TRADED_FIELDS[name]})" if traded else ""))
        rows.append(f"| `{name}` | " + " | ".join(cells) + " |")
    trades = ["; ".join(f"{t.fm_id}: {t.what} ({t.reason})" for t in p.trades) or "none"
              for p in PROFILES.values()]
    rows.append("| trades | " + " | ".join(trades) + " |")
    return "\n".join(rows)


BLOCKS: dict[str, Callable[[], str]] = {
    "catalog": markdown_table,
    "settings": settings_doc.markdown_table,
    "profiles": profiles_table,
    "emulator": emulator_table,
    "strict": strict_table,
}


def render(text: str) -> str:
    """`text` with every generated block replaced by its current content."""
    for name, make in BLOCKS.items():
        pattern = re.compile(rf"(<!-- generated: {name} -->\n)(?:.*?\n)?(<!-- end: {name} -->)",
                             re.S)
        if not pattern.search(text):
            raise ValueError(f"README has no generated block {name!r}")
        replacement = r"\g<1>" + make().replace("\\", "\\\\") + "\n" + r"\g<2>"
        text = pattern.sub(replacement, text, count=1)
    return text


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else Path("README.md")
    text = path.read_text()
    fresh = render(text)
    if fresh != text:
        path.write_text(fresh)
        print(f"{path}: generated blocks updated")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

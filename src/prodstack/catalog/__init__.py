"""The catalog: every failure mode, apply-readiness rule and part check, one object each.

Each entry lives in a file of its own under `fm/` (failure modes, `FM-…`), `ready/`
(apply-readiness rules, `AR-…`: what AWS refuses or silently drops), `sec/` (security rules,
`SEC-…`: hardening AWS does not enforce) or `parts/` (live checks of the stack's parts) and is found
here by that file's `ENTRY`; adding a failure mode means adding one such file (and fixing it
in the stack). `CATALOG` holds them in catalog order.
"""

from __future__ import annotations

import importlib
import pkgutil

from prodstack.catalog.model import Catalog, Entry

FAMILIES = ("fm", "ready", "sec", "parts")
PART_ORDER = ("NET", "EDGE", "WEB", "DB", "S3", "AUDIT", "OPS")


def order(entry_id: str) -> tuple[int, int, int, str]:
    """FM-1.1 < … < FM-7.3 < FM-X1 < … < AR-1 < … < SEC-1 < … < NET-… < EDGE-… < … < OPS-…."""
    family, _, rest = entry_id.partition("-")
    if family == "FM":
        group, _, number = rest.partition(".")
        if group.startswith("X"):
            return 0, 100, int(group[1:] or 0), ""
        return 0, int(group), int(number or 0), ""
    if family in ("AR", "SEC"):
        return 1, 0 if family == "AR" else 1, int(rest) if rest.isdigit() else 0, rest
    rank = PART_ORDER.index(family) if family in PART_ORDER else len(PART_ORDER)
    return 2, rank, 0, rest


def _load() -> Catalog:
    entries: list[Entry] = []
    for family in FAMILIES:
        package = importlib.import_module(f"{__name__}.{family}")
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            entry = getattr(module, "ENTRY", None)
            if not isinstance(entry, Entry):
                raise TypeError(f"{module.__name__} defines no catalog ENTRY")
            entries.append(entry)
    return Catalog(tuple(sorted(entries, key=lambda e: order(e.id))))


CATALOG = _load()

__all__ = ["CATALOG", "Catalog", "Entry", "order"]

"""FM-6.3: destroy fails half-way or loses data nobody meant to lose."""

from __future__ import annotations

from prodstack.catalog.model import Entry

ENTRY = Entry(
    id="FM-6.3", title="Destroy fails or loses data",
    failure="destroy fails (non-empty buckets, running trail and recorder, protected database) "
            "or deletes logs and data nobody meant to lose",
    fix="ordered teardown: stop the trail and the recorder, final snapshot, keep audit logs "
        "unless an explicit purge flag",
    exercised=("teardown test (tests/e2e: up, down, down --purge)",),
)

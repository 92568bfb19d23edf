"""Every static rule of the catalog, on its own fixtures: each failing fixture makes the rule
name exactly the addresses it declares, each passing one makes it silent, and each rule
reports as unseen exactly what its fixtures say it cannot check."""

from __future__ import annotations

import pytest

from prodstack.catalog import CATALOG
from prodstack.catalog.model import SEVERITIES, Entry, PlanCase
from tests.audit.helpers import hits, unseen

CASES = [(e, c) for e in CATALOG.rules for c in e.rule.cases]  # type: ignore[union-attr]


@pytest.mark.parametrize(("entry", "case"), CASES, ids=[f"{e.id}-{c.name}" for e, c in CASES])
def test_fixture(entry: Entry, case: PlanCase) -> None:
    builder, config = case.make()
    found = hits(entry.id, builder, config)
    assert sorted({h.address for h in found}) == sorted(case.hits), found
    for hit in found:
        assert hit.message and (hit.severity is None or hit.severity in SEVERITIES)
    notes = unseen(entry.id, builder, config)
    assert sorted({n.address for n in notes}) == sorted(case.unseen), notes
    assert all(n.message for n in notes)


@pytest.mark.parametrize("entry", CATALOG.rules, ids=lambda e: e.id)
def test_every_rule_has_a_failing_and_a_passing_fixture(entry: Entry) -> None:
    kinds = {c.fires for c in entry.rule.cases}  # type: ignore[union-attr]
    assert kinds == {True, False}, f"{entry.id} lacks a " \
        f"{'passing' if True in kinds else 'failing'} fixture"


@pytest.mark.parametrize("entry", CATALOG.entries, ids=lambda e: e.id)
def test_entry_metadata(entry: Entry) -> None:
    assert entry.title and entry.failure and entry.fix
    if entry.rule is not None:
        assert entry.rule.types and entry.severity in SEVERITIES


def test_the_design_briefs_static_rules_all_exist() -> None:
    """The failure modes whose static rule the design brief specifies."""
    static = {"FM-1.1", "FM-1.2", "FM-1.3", "FM-2.1", "FM-2.2", "FM-2.3", "FM-2.4", "FM-3.1",
              "FM-3.2", "FM-3.3", "FM-3.4", "FM-4.1", "FM-4.2", "FM-4.3", "FM-4.4", "FM-5.1",
              "FM-5.3", "FM-6.1", "FM-6.2", *(f"FM-X{i}" for i in range(1, 8))}
    assert static <= {e.id for e in CATALOG.rules}

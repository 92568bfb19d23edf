"""Every rule has a failing and a passing fixture; each fixture is checked by its rule alone."""

from __future__ import annotations

import pytest

from prodstack.audit.rules import RULES, RULES_BY_ID
from tests.audit import cases_compute_network, cases_data, cases_edge_state
from tests.audit.cases import CASES, Case
from tests.audit.helpers import hits

assert cases_compute_network and cases_data and cases_edge_state  # registered on import


@pytest.mark.parametrize("item", CASES, ids=lambda c: f"{c.rule_id}-{c.name}")
def test_fixture(item: Case) -> None:
    builder, config = item.make()
    found = hits(item.rule_id, builder, config)
    if item.fires:
        assert found, f"{item.rule_id} should fire on {item.name}"
        for hit in found:
            assert hit.address and hit.message
    else:
        assert not found, f"{item.rule_id} fired on {item.name}: {found}"


def test_every_rule_has_a_failing_and_a_passing_fixture() -> None:
    for rule in RULES:
        kinds = {c.fires for c in CASES if c.rule_id == rule.id}
        missing = "passing" if True in kinds else "failing"
        assert kinds == {True, False}, f"{rule.id} lacks a {missing} fixture"


def test_catalog_entries_with_a_static_side_all_have_rules() -> None:
    static = {"FM-1.1", "FM-1.2", "FM-1.3", "FM-2.1", "FM-2.2", "FM-2.3", "FM-2.4", "FM-3.1",
              "FM-3.2", "FM-3.3", "FM-3.4", "FM-4.1", "FM-4.2", "FM-4.3", "FM-4.4", "FM-5.1",
              "FM-5.3", "FM-6.1", "FM-6.2", *(f"FM-X{i}" for i in range(1, 8))}
    assert set(RULES_BY_ID) == static


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_metadata(rule) -> None:
    assert rule.title and rule.failure and rule.fix and rule.types
    assert rule.severity in ("critical", "high", "medium", "low")

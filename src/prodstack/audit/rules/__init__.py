"""Every static rule, one per catalog entry with a static side, in catalog order."""

from __future__ import annotations

from prodstack.audit.rules import audit_logs, database, edge, monitoring, network, state, webtier
from prodstack.audit.rules.base import SEVERITIES, AuditInput, Hit, Rule, severity_rank


def _catalog_order(rule_id: str) -> tuple[int, int]:
    """FM-1.1 < FM-1.2 < ... < FM-6.2 < FM-X1 < ... < FM-X7."""
    group, _, number = rule_id.removeprefix("FM-").partition(".")
    if group.startswith("X"):
        return 100, int(group[1:] or 0)
    return int(group), int(number or 0)


RULES: tuple[Rule, ...] = tuple(sorted(
    (*state.RULES, *edge.RULES, *database.RULES, *webtier.RULES, *network.RULES,
     *audit_logs.RULES, *monitoring.RULES),
    key=lambda r: _catalog_order(r.id),
))
RULES_BY_ID: dict[str, Rule] = {r.id: r for r in RULES}

__all__ = ["RULES", "RULES_BY_ID", "SEVERITIES", "AuditInput", "Hit", "Rule", "severity_rank"]

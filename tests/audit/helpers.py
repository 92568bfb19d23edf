"""Shared helpers for the audit tests: a plan from a builder, a rule run over it."""

from __future__ import annotations

from typing import Any

from prodstack.audit.config import FolderConfig
from prodstack.catalog import CATALOG
from prodstack.catalog.model import AuditInput, Hit
from prodstack.catalog.plan_fixtures import db
from prodstack.catalog.planbuilder import PlanBuilder
from prodstack.tf.plan import Plan, load_plan

__all__ = ["PlanBuilder", "db", "hits", "plan_of"]


def plan_of(builder: PlanBuilder | dict[str, Any]) -> Plan:
    data = builder.build() if isinstance(builder, PlanBuilder) else builder
    return load_plan(data, "test plan")


def hits(rule_id: str, builder: PlanBuilder, config: FolderConfig | None = None) -> list[Hit]:
    rule = CATALOG[rule_id].rule
    assert rule is not None, f"{rule_id} has no static rule"
    return list(rule.check(AuditInput(plan_of(builder), config)))

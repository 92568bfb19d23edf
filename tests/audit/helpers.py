"""Shared helpers for the audit tests: run one rule over a built plan."""

from __future__ import annotations

from typing import Any

from prodstack.audit.config import FolderConfig
from prodstack.audit.plan import Plan, load_plan
from prodstack.audit.rules import RULES_BY_ID, AuditInput, Hit
from tests.audit.planbuilder import PlanBuilder


def plan_of(builder: PlanBuilder | dict[str, Any]) -> Plan:
    data = builder.build() if isinstance(builder, PlanBuilder) else builder
    return load_plan(data, "test plan")


def hits(rule_id: str, builder: PlanBuilder, config: FolderConfig | None = None) -> list[Hit]:
    return list(RULES_BY_ID[rule_id].check(AuditInput(plan_of(builder), config)))


GOOD_DB: dict[str, Any] = {
    "identifier": "app-db", "engine": "postgres", "engine_version": "16",
    "instance_class": "db.t4g.medium", "allocated_storage": 20, "max_allocated_storage": 100,
    "multi_az": True, "publicly_accessible": False, "backup_retention_period": 14,
    "deletion_protection": True, "skip_final_snapshot": False,
    "manage_master_user_password": True, "password": None, "auto_minor_version_upgrade": True,
    "replicate_source_db": None, "tags_all": {"environment": "production"},
}


def db(b: PlanBuilder, address: str = "aws_db_instance.main", *, unset: tuple[str, ...] = (),
       unknown: dict[str, Any] | None = None, refs: dict[str, list[str]] | None = None,
       **values: Any) -> PlanBuilder:
    return b.add(address, {**GOOD_DB, **values}, unknown={"arn": True, "id": True,
                                                          **(unknown or {})},
                 unset=unset, refs=refs)

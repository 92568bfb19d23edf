"""Shared helpers for the audit tests: a plan from a builder, a rule run over it, a
directory-mode audit of a folder without Terraform."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from prodstack.catalog import CATALOG
from prodstack.catalog.model import AuditInput, Hit, Unseen
from prodstack.catalog.plan_fixtures import db
from prodstack.catalog.planbuilder import PlanBuilder
from prodstack.ops.audit import suppress
from prodstack.ops.audit.engine import AuditResult
from prodstack.ops.audit.inputs import audit_input
from prodstack.ops.audit.locations import read_folder_locations
from prodstack.tf.folder import FolderConfig, read_folder
from prodstack.tf.plan import Locals, Plan, load_plan

__all__ = ["PlanBuilder", "db", "folder_audit", "hits", "plan_of", "unseen", "write_files"]


def plan_of(builder: PlanBuilder | dict[str, Any], locals: Locals | None = None) -> Plan:
    data = builder.build() if isinstance(builder, PlanBuilder) else builder
    return load_plan(data, "test plan", locals=locals)


def _check(rule_id: str, builder: PlanBuilder, config: FolderConfig | None
           ) -> list[Hit | Unseen]:
    """The rule over the builder's plan, read with the configuration's locals when given
    (as directory mode reads it)."""
    rule = CATALOG[rule_id].rule
    assert rule is not None, f"{rule_id} has no static rule"
    plan = plan_of(builder, config.locals if config else None)
    return list(rule.check(AuditInput(plan, config)))


def hits(rule_id: str, builder: PlanBuilder, config: FolderConfig | None = None) -> list[Hit]:
    return [h for h in _check(rule_id, builder, config) if isinstance(h, Hit)]


def unseen(rule_id: str, builder: PlanBuilder,
           config: FolderConfig | None = None) -> list[Unseen]:
    """What the rule says it could not check."""
    return [h for h in _check(rule_id, builder, config) if isinstance(h, Unseen)]


def folder_audit(folder: Path, builder: PlanBuilder, env: str | None = "production",
                 suppressions: Path | None = None) -> AuditResult:
    """A directory-mode audit without Terraform: the builder's plan, with the configuration,
    block locations and suppressions read from `folder` as `prodstack audit FOLDER` reads
    them."""
    locations = read_folder_locations(folder)
    written = suppress.load(folder, suppressions, locations)
    config = read_folder(folder)
    return audit_input(AuditInput(plan_of(builder, config.locals), config), env, locations,
                       written)


def write_files(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return folder

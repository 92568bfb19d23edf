"""Fixtures for the database rules (FM-2.2, 3.1, 4.4, 5.3, X1, X4, X5)."""

from __future__ import annotations

from prodstack.audit.config import FolderConfig
from tests.audit.cases import case
from tests.audit.helpers import db
from tests.audit.planbuilder import PlanBuilder

Made = tuple[PlanBuilder, FolderConfig | None]


def _covered(b: PlanBuilder, address: str = "aws_db_instance.main") -> PlanBuilder:
    """An AWS Backup selection referring to the database."""
    key = address.split("[")[0]
    return (b.add("aws_backup_plan.main", {"name": "daily"}, unknown={"id": True})
            .add("aws_backup_selection.db", {"name": "db"},
                 refs={"resources": [f"{key}.arn", key], "plan_id": ["aws_backup_plan.main.id"]},
                 unknown={"resources": True}))


@case("FM-2.2", fires=True)
def publicly_accessible_left_default() -> Made:
    return db(PlanBuilder(), unset=("publicly_accessible",)), None


@case("FM-2.2", fires=True)
def publicly_accessible_true() -> Made:
    return db(PlanBuilder(), publicly_accessible=True), None


@case("FM-2.2", fires=False)
def publicly_accessible_written_false() -> Made:
    return db(PlanBuilder()), None


@case("FM-3.1", fires=True)
def single_az() -> Made:
    return db(PlanBuilder(), multi_az=False), None


@case("FM-3.1", fires=True)
def multi_az_left_to_aws() -> Made:
    return db(PlanBuilder(), multi_az=None, unknown={"multi_az": True}), None


@case("FM-3.1", fires=False)
def multi_az_on() -> Made:
    return db(PlanBuilder()), None


@case("FM-3.1", fires=False)
def multi_az_from_variable_unknown() -> Made:
    return db(PlanBuilder(), multi_az=None, unknown={"multi_az": True},
              refs={"multi_az": ["var.multi_az"]}), None


@case("FM-3.1", fires=False)
def read_replica_single_az() -> Made:
    b = db(PlanBuilder(), identifier="replica", multi_az=False, replicate_source_db="app-db")
    return b, None


@case("FM-4.4", fires=True)
def short_backup_retention() -> Made:
    return _covered(db(PlanBuilder(), backup_retention_period=3)), None


@case("FM-4.4", fires=True)
def no_backup_plan() -> Made:
    return db(PlanBuilder()), None


@case("FM-4.4", fires=False)
def backups_covered_by_reference() -> Made:
    return _covered(db(PlanBuilder())), None


@case("FM-4.4", fires=False)
def backups_covered_through_module() -> Made:
    b = db(PlanBuilder(), "module.data.aws_db_instance.this")
    b.module("module.data", outputs={"db_arn": ["aws_db_instance.this.arn",
                                                "aws_db_instance.this"]})
    b.add("module.backup.aws_backup_selection.this", {"name": "db"},
          refs={"resources": ["var.resources"]}, unknown={"resources": True})
    b.module("module.backup", inputs={"resources": ["module.data.db_arn", "module.data"]})
    return b, None


@case("FM-4.4", fires=False)
def backups_covered_by_tag() -> Made:
    b = db(PlanBuilder()).add("aws_backup_selection.tagged", {
        "name": "tagged", "resources": [],
        "selection_tag": [{"type": "STRINGEQUALS", "key": "environment",
                           "value": "production"}]})
    return b, None


@case("FM-5.3", fires=True)
def no_storage_autoscaling() -> Made:
    return db(PlanBuilder(), max_allocated_storage=None), None


@case("FM-5.3", fires=False)
def storage_autoscaling() -> Made:
    return db(PlanBuilder()), None


@case("FM-X1", fires=True)
def literal_password() -> Made:
    return db(PlanBuilder(), manage_master_user_password=None, password="hunter2hunter2"), None


@case("FM-X1", fires=True)
def generated_password() -> Made:
    b = db(PlanBuilder(), manage_master_user_password=None, unknown={"password": True},
           refs={"password": ["random_password.db.result", "random_password.db"]})
    return b, None


@case("FM-X1", fires=False)
def managed_password() -> Made:
    return db(PlanBuilder()), None


@case("FM-X4", fires=True)
def postgres_minor_pinned() -> Made:
    return db(PlanBuilder(), engine_version="16.3"), None


@case("FM-X4", fires=True)
def mysql_minor_pinned() -> Made:
    return db(PlanBuilder(), engine="mysql", engine_version="8.0.35"), None


@case("FM-X4", fires=False)
def postgres_major_only() -> Made:
    return db(PlanBuilder()), None


@case("FM-X4", fires=False)
def mysql_major_only() -> Made:
    return db(PlanBuilder(), engine="mysql", engine_version="8.0"), None


@case("FM-X4", fires=False)
def minor_pinned_without_auto_upgrade() -> Made:
    return db(PlanBuilder(), engine_version="16.3", auto_minor_version_upgrade=False), None


@case("FM-X5", fires=True)
def skip_final_snapshot() -> Made:
    return db(PlanBuilder(), skip_final_snapshot=True), None


@case("FM-X5", fires=True)
def no_deletion_protection() -> Made:
    return db(PlanBuilder(), deletion_protection=None), None


@case("FM-X5", fires=False)
def protected_database() -> Made:
    return db(PlanBuilder()), None

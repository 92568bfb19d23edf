"""FM-4.4: database backups kept too briefly, or no independent backup plan covers them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prodstack.catalog.contract import Result, VerifyContext
from prodstack.catalog.live_queries import database
from prodstack.catalog.model import AuditInput, Cases, Entry, Hit, LiveCheck, Made, Rule, Unseen
from prodstack.catalog.plan_fixtures import db
from prodstack.catalog.plan_queries import primaries
from prodstack.catalog.planbuilder import PlanBuilder
from prodstack.catalog.policy_match import tri_or
from prodstack.catalog.unseen import settled, unknown_value
from prodstack.catalog.world import World
from prodstack.tf.plan import UNKNOWN, Plan, Resource
from prodstack.tf.resource import Unknown

MIN_BACKUP_DAYS = 7


def _covered_by_selection(plan: Plan, instance: Resource, selection: Resource) -> bool | None:
    """Does the selection pick the database? None when its resources are only known after
    apply and name nothing the plan holds."""
    if plan.links(selection, ("resources",), instance):
        return True
    resources = selection.get("resources")
    if resources is UNKNOWN and not plan.refs(selection, "resources"):
        return None
    if any(r == "*" or ("*" in r and ":rds:" in r) for r in selection.strings("resources")):
        return True
    tags = instance.get("tags_all")
    for tag in selection.values.get("selection_tag") or []:
        if not isinstance(tag, dict):
            continue
        if not isinstance(tags, dict) or tags.get(tag.get("key")) == tag.get("value"):
            return True
    return bool(selection.values.get("condition"))


def _replicated(plan: Plan, instance: Resource) -> bool:
    """Automated backups copied to another region are an independent, restorable copy."""
    return bool(plan.referrers(instance, "aws_db_instance_automated_backups_replication",
                               "source_db_instance_arn"))


def rule(inp: AuditInput) -> Iterator[Hit | Unseen]:
    plan = inp.plan
    selections = plan.of("aws_backup_selection")
    for instance in primaries(plan):
        days = settled(plan, instance, "backup_retention_period", 1)
        if isinstance(days, Unknown):
            yield unknown_value(plan, instance, f"backups are kept {MIN_BACKUP_DAYS} days",
                                "backup_retention_period")
        elif isinstance(days, int) and days < MIN_BACKUP_DAYS:
            yield Hit(instance.address, f"backups are kept {days} "
                      f"day{'s' if days != 1 else ''} (fewer than {MIN_BACKUP_DAYS})")
        covered = tri_or(*(_covered_by_selection(plan, instance, s) for s in selections))
        if covered is None and not _replicated(plan, instance):
            yield Unseen(instance.address, "cannot tell whether an AWS Backup plan covers the "
                         "database: a backup selection's resources are only known after apply")
        elif covered is False and not _replicated(plan, instance):
            yield Hit(instance.address, "no AWS Backup plan covers this database and its "
                      "backups are not replicated: there is no independent, restorable copy")


def live(ctx: VerifyContext) -> Result:
    found = database(ctx)
    retention = found.get("BackupRetentionPeriod", 0)
    plan_id = ctx.outputs.get("backup_plan_id")
    backup = ctx.client("backup")
    plans = {p["BackupPlanId"] for p in backup.list_backup_plans()["BackupPlansList"]}
    problems = []
    if retention < MIN_BACKUP_DAYS:
        problems.append(f"retention {retention} days")
    if plan_id not in plans:
        problems.append(f"backup plan {plan_id} missing")
    else:
        selected = [arn for s in backup.list_backup_selections(
            BackupPlanId=plan_id)["BackupSelectionsList"]
            for arn in backup.get_backup_selection(
                BackupPlanId=plan_id, SelectionId=s["SelectionId"])["BackupSelection"].get(
                "Resources", [])]
        if found["DBInstanceArn"] not in selected:
            problems.append(f"backup plan {plan_id} selects no {found['DBInstanceIdentifier']}")
    return Result.expect(not problems, f"retention {retention} days, backup plan {plan_id} "
                         "covers the database", "; ".join(problems))


cases = Cases()


def _covered(b: PlanBuilder, address: str = "aws_db_instance.main") -> PlanBuilder:
    """An AWS Backup selection referring to the database."""
    key = address.split("[")[0]
    return (b.add("aws_backup_plan.main", {"name": "daily"}, unknown={"id": True})
            .add("aws_backup_selection.db", {"name": "db"},
                 refs={"resources": [f"{key}.arn", key], "plan_id": ["aws_backup_plan.main.id"]},
                 unknown={"resources": True}))


@cases.fires("aws_db_instance.main")
def short_backup_retention() -> Made:
    return _covered(db(PlanBuilder(), backup_retention_period=3)), None


@cases.fires("aws_db_instance.main")
def no_backup_plan() -> Made:
    return db(PlanBuilder()), None


@cases.passes
def backups_covered_by_reference() -> Made:
    return _covered(db(PlanBuilder())), None


@cases.passes
def backups_covered_through_module() -> Made:
    b = db(PlanBuilder(), "module.data.aws_db_instance.this")
    b.module("module.data", outputs={"db_arn": ["aws_db_instance.this.arn",
                                                "aws_db_instance.this"]})
    b.add("module.backup.aws_backup_selection.this", {"name": "db"},
          refs={"resources": ["var.resources"]}, unknown={"resources": True})
    b.module("module.backup", inputs={"resources": ["module.data.db_arn", "module.data"]})
    return b, None


@cases.passes
def backups_covered_by_tag() -> Made:
    b = db(PlanBuilder()).add("aws_backup_selection.tagged", {
        "name": "tagged", "resources": [],
        "selection_tag": [{"type": "STRINGEQUALS", "key": "environment",
                           "value": "production"}]})
    return b, None


@cases.passes
def backups_replicated_to_another_region() -> Made:
    b = db(PlanBuilder()).add("aws_db_instance_automated_backups_replication.dr",
                              {"retention_period": 14},
                              refs={"source_db_instance_arn": ["aws_db_instance.main.arn",
                                                               "aws_db_instance.main"]},
                              unknown={"source_db_instance_arn": True})
    return b, None


@cases.live("pass")
def backed_up_database(world: World) -> dict[str, Any]:
    return world.database().outputs


@cases.live("fail")
def short_retention(world: World) -> dict[str, Any]:
    return world.database(retention=3).outputs


@cases.live("fail")
def backup_plan_deleted(world: World) -> dict[str, Any]:
    return world.database(backup_plan=False).outputs


@cases.live("fail")
def plan_without_selection(world: World) -> dict[str, Any]:
    return world.database(selection=False).outputs


ENTRY = Entry(
    id="FM-4.4", title="Database backups short or not covered", severity="high",
    failure="backups kept too briefly, or no backup plan: nobody knows whether a restore "
            "works",
    fix=f"backup_retention_period >= {MIN_BACKUP_DAYS}, an AWS Backup plan whose selection "
        "covers the database (or cross-region backup replication), and `prodstack backup "
        "verify` (restore, check, time, tear down)",
    rule=Rule(types=("aws_db_instance", "aws_backup_selection",
                     "aws_db_instance_automated_backups_replication"),
              check=rule, cases=cases.plan),
    live=LiveCheck(live, cases=cases.lives),
    exercised=("restore drill: `prodstack backup verify` (tests/backup, tests/e2e)",),
)

"""FM-X5: a production database without deletion protection or a final snapshot."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prodstack.catalog.contract import Result, VerifyContext
from prodstack.catalog.live_queries import database
from prodstack.catalog.model import AuditInput, Cases, Entry, Hit, LiveCheck, Made, Rule, Unseen
from prodstack.catalog.plan_fixtures import db
from prodstack.catalog.plan_queries import primaries
from prodstack.catalog.planbuilder import PlanBuilder
from prodstack.catalog.unseen import settled, unknown_value
from prodstack.catalog.world import World
from prodstack.tf.resource import Unknown


def rule(inp: AuditInput) -> Iterator[Hit | Unseen]:
    for instance in [*primaries(inp.plan), *inp.plan.of("aws_rds_cluster")]:
        skip = settled(inp.plan, instance, "skip_final_snapshot", False)
        protection = settled(inp.plan, instance, "deletion_protection", False)
        unknown = [a for a, v in (("skip_final_snapshot", skip),
                                  ("deletion_protection", protection)) if isinstance(v, Unknown)]
        for attr in unknown:
            yield unknown_value(inp.plan, instance, "a destroy keeps the data", attr)
        if unknown:
            continue
        no_snapshot = skip is True
        unprotected = protection in (False, None)
        if no_snapshot and unprotected:
            yield Hit(instance.address, "skip_final_snapshot = true and deletion protection "
                      "off: one destroy loses the data")
        elif no_snapshot:
            yield Hit(instance.address, "skip_final_snapshot = true: deletion protection "
                      "stops a destroy, but once it is lifted nothing keeps the data",
                      severity="medium")
        elif unprotected:
            yield Hit(instance.address, "deletion protection off: a destroy or replacement "
                      "deletes the instance (the final snapshot keeps the data; restoring it "
                      "is an outage)", severity="medium")


def live(ctx: VerifyContext) -> Result:
    found = database(ctx)
    if not ctx.profile.db_deletion_protection:
        return Result.na(ctx.accepted_trade("FM-X5") or "not required by this profile")
    return Result.expect(bool(found.get("DeletionProtection")), "deletion protection on",
                         f"{found['DBInstanceIdentifier']} can be deleted by anyone with "
                         "rights")


cases = Cases()


@cases.fires("aws_db_instance.main")
def neither_snapshot_nor_protection() -> Made:
    return db(PlanBuilder(), skip_final_snapshot=True, deletion_protection=False), None


@cases.fires("aws_db_instance.main")
def skip_final_snapshot() -> Made:
    return db(PlanBuilder(), skip_final_snapshot=True), None


@cases.fires("aws_db_instance.main")
def no_deletion_protection() -> Made:
    return db(PlanBuilder(), deletion_protection=None), None


@cases.passes
def protected_database() -> Made:
    return db(PlanBuilder()), None


@cases.live("pass")
def protected(world: World) -> dict[str, Any]:
    return world.database().outputs


@cases.live("fail")
def protection_lifted(world: World) -> dict[str, Any]:
    return world.database(deletion_protection=False).outputs


@cases.live("n/a", env="dev")
def unprotected_dev_database(world: World) -> dict[str, Any]:
    return world.database(deletion_protection=False).outputs


ENTRY = Entry(
    id="FM-X5", title="Database without final snapshot or deletion protection",
    severity="high",
    failure="a destroy or a replacement deletes the database with no snapshot",
    fix="`deletion_protection = true` and a final snapshot (skip_final_snapshot = false "
        "with final_snapshot_identifier)",
    rule=Rule(types=("aws_db_instance", "aws_rds_cluster"), check=rule, cases=cases.plan),
    live=LiveCheck(live, cases=cases.lives),
)

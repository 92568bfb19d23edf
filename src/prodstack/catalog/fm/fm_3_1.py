"""FM-3.1: the database runs in one availability zone."""

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
    for instance in primaries(inp.plan):
        multi_az = settled(inp.plan, instance, "multi_az", False)
        if isinstance(multi_az, Unknown):
            yield unknown_value(inp.plan, instance, "the database is Multi-AZ", "multi_az")
        elif multi_az in (False, None):
            yield Hit(instance.address, "the database runs in one availability zone: an AZ "
                      "outage or a host failure takes it down until it is rebuilt")


def live(ctx: VerifyContext) -> Result:
    found = database(ctx)
    if not found["MultiAZ"] and (trade := ctx.accepted_trade("FM-3.1")):
        return Result.na(f"single-AZ; {trade}")
    return Result.expect(found["MultiAZ"], f"{found['DBInstanceIdentifier']} is Multi-AZ",
                         f"{found['DBInstanceIdentifier']} runs in one AZ")


cases = Cases()


@cases.fires("aws_db_instance.main")
def single_az() -> Made:
    return db(PlanBuilder(), multi_az=False), None


@cases.fires("aws_db_instance.main")
def multi_az_left_to_aws() -> Made:
    return db(PlanBuilder(), multi_az=None, unset=("multi_az",), unknown={"multi_az": True}), None


@cases.passes
def multi_az_on() -> Made:
    return db(PlanBuilder()), None


@cases.cannot_see("aws_db_instance.main")
def multi_az_known_after_apply() -> Made:
    return db(PlanBuilder(), multi_az=None, unknown={"multi_az": True},
              refs={"multi_az": ["local.production"]}), None


@cases.passes
def read_replica_single_az() -> Made:
    b = db(PlanBuilder(), identifier="replica", multi_az=False, replicate_source_db="app-db")
    return b, None


@cases.live("pass")
def multi_az_database(world: World) -> dict[str, Any]:
    return world.database().outputs


@cases.live("fail")
def single_az_in_production(world: World) -> dict[str, Any]:
    return world.database(multi_az=False).outputs


@cases.live("n/a", env="staging")
def single_az_traded_by_staging(world: World) -> dict[str, Any]:
    return world.database(multi_az=False).outputs


ENTRY = Entry(
    id="FM-3.1", title="Single-AZ database", severity="high",
    failure="the database runs in one AZ: an AZ or host failure is an outage",
    fix="`multi_az = true` (production)",
    rule=Rule(types=("aws_db_instance",), check=rule, cases=cases.plan),
    live=LiveCheck(live, cases=cases.lives),
)

"""FM-2.2: the database's `publicly_accessible` is left to the default (or true)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prodstack.catalog.contract import Result, VerifyContext
from prodstack.catalog.live_queries import database
from prodstack.catalog.model import AuditInput, Cases, Entry, Hit, LiveCheck, Made, Rule, Unseen
from prodstack.catalog.plan_fixtures import db
from prodstack.catalog.planbuilder import PlanBuilder
from prodstack.catalog.unseen import unknown_value
from prodstack.catalog.world import World


def rule(inp: AuditInput) -> Iterator[Hit | Unseen]:
    for instance in inp.plan.of("aws_db_instance", "aws_rds_cluster_instance"):
        if not instance.known("publicly_accessible") and instance.written("publicly_accessible"):
            yield unknown_value(inp.plan, instance, "the database is private",
                                "publicly_accessible")
        elif instance.get("publicly_accessible") is True:
            yield Hit(instance.address, "publicly_accessible = true: the database gets a "
                      "public address")
        elif instance.has_config and not instance.written("publicly_accessible"):
            yield Hit(instance.address, "publicly_accessible is left to the default: write "
                      "`publicly_accessible = false` so no module default or later edit "
                      "can expose it")


def live(ctx: VerifyContext) -> Result:
    found = database(ctx)
    return Result.expect(not found["PubliclyAccessible"], "not publicly accessible",
                         f"{found['DBInstanceIdentifier']} is publicly accessible")


cases = Cases()


@cases.fires("aws_db_instance.main")
def publicly_accessible_left_default() -> Made:
    return db(PlanBuilder(), unset=("publicly_accessible",)), None


@cases.fires("module.db.aws_db_instance.this[0]")
def publicly_accessible_true_in_module() -> Made:
    b = db(PlanBuilder(), "module.db.aws_db_instance.this[0]", publicly_accessible=True)
    return b.module("module.db"), None


@cases.passes
def publicly_accessible_written_false() -> Made:
    return db(PlanBuilder()), None


@cases.live("pass")
def private_database(world: World) -> dict[str, Any]:
    return world.database().outputs


@cases.live("fail")
def public_database(world: World) -> dict[str, Any]:
    return world.database(public=True).outputs


ENTRY = Entry(
    id="FM-2.2", title="Database public access left to the default", severity="high",
    failure="`publicly_accessible` not written out: a changed default or variable gives "
            "the database a public address",
    fix="write `publicly_accessible = false` and keep the database in private subnets",
    rule=Rule(types=("aws_db_instance", "aws_rds_cluster_instance"), check=rule,
              cases=cases.plan),
    live=LiveCheck(live, cases=cases.lives),
)

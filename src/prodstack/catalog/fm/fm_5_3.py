"""FM-5.3: database storage without autoscaling (sized for the peak, or a full disk)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prodstack.catalog.contract import Result, VerifyContext
from prodstack.catalog.live_queries import database
from prodstack.catalog.model import AuditInput, Cases, Entry, Hit, LiveCheck, Made, Rule, Unseen
from prodstack.catalog.plan_fixtures import db
from prodstack.catalog.plan_queries import is_aurora
from prodstack.catalog.planbuilder import PlanBuilder
from prodstack.catalog.unseen import settled, unknown_value
from prodstack.catalog.world import World
from prodstack.tf.resource import Unknown


def rule(inp: AuditInput) -> Iterator[Hit | Unseen]:
    for instance in inp.plan.of("aws_db_instance"):
        if is_aurora(instance):
            continue
        ceiling = settled(inp.plan, instance, "max_allocated_storage", None)
        if isinstance(ceiling, Unknown):
            yield unknown_value(inp.plan, instance, "storage grows on its own",
                                "max_allocated_storage")
        elif ceiling in (None, 0):
            yield Hit(instance.address, "max_allocated_storage is unset: storage is sized "
                      "for the peak up front, or the database stops when it fills")


def live(ctx: VerifyContext) -> Result:
    found = database(ctx)
    allocated, ceiling = found.get("AllocatedStorage", 0), found.get("MaxAllocatedStorage")
    return Result.expect(bool(ceiling) and ceiling > allocated,
                         f"{allocated} GiB, grows to {ceiling} GiB",
                         f"{allocated} GiB with no storage autoscaling")


cases = Cases()


@cases.fires("aws_db_instance.main")
def no_storage_autoscaling() -> Made:
    return db(PlanBuilder(), max_allocated_storage=None), None


@cases.passes
def storage_autoscaling_on() -> Made:
    return db(PlanBuilder()), None


@cases.live("pass")
def autoscaling_storage(world: World) -> dict[str, Any]:
    return world.database().outputs


@cases.live("fail")
def fixed_storage(world: World) -> dict[str, Any]:
    return world.database(max_storage=None).outputs


ENTRY = Entry(
    id="FM-5.3", title="No storage autoscaling", severity="low",
    failure="storage sized for the peak up front (cost) or a full disk (outage)",
    fix="a profile-sized allocated_storage with `max_allocated_storage` above it",
    rule=Rule(types=("aws_db_instance",), check=rule, cases=cases.plan),
    live=LiveCheck(live, cases=cases.lives),
)

"""FM-X4: a minor engine version pinned while AWS upgrades minor versions: every plan after a
maintenance window wants to downgrade."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prodstack.catalog.contract import Result, VerifyContext
from prodstack.catalog.live_queries import database
from prodstack.catalog.model import AuditInput, Cases, Entry, Hit, LiveCheck, Made, Rule, Unseen
from prodstack.catalog.plan_fixtures import db
from prodstack.catalog.planbuilder import PlanBuilder
from prodstack.catalog.unseen import settled, unknown_value
from prodstack.catalog.world import World
from prodstack.tf.resource import Unknown


def minor_pinned(version: str, engine: str) -> bool:
    parts = version.split(".")
    if engine in ("postgres", "aurora-postgresql"):
        if not parts[0].isdigit():
            return False
        return len(parts) >= (2 if int(parts[0]) >= 10 else 3)
    if engine in ("mysql", "mariadb", "aurora-mysql"):
        return len(parts) >= 3
    return False


def rule(inp: AuditInput) -> Iterator[Hit | Unseen]:
    for instance in inp.plan.of("aws_db_instance"):
        version = settled(inp.plan, instance, "engine_version", None)
        engine = settled(inp.plan, instance, "engine", None)
        for attr, value in (("engine_version", version), ("engine", engine)):
            if isinstance(value, Unknown):
                yield unknown_value(inp.plan, instance, "the engine version pins a minor "
                                    "version", attr)
        if not isinstance(version, str) or not isinstance(engine, str):
            continue
        if minor_pinned(version, engine) and \
                instance.effective("auto_minor_version_upgrade", True) is True:
            yield Hit(instance.address, f"engine_version {version} pins a minor version "
                      "while auto minor upgrades are on: after AWS upgrades it, every plan "
                      "wants to downgrade")


def live(ctx: VerifyContext) -> Result:
    found = database(ctx)
    upgrades = found.get("AutoMinorVersionUpgrade")
    return Result.expect(bool(upgrades), f"{found['Engine']} {found.get('EngineVersion')}, "
                         "minor versions upgraded by AWS",
                         f"{found['Engine']} {found.get('EngineVersion')}: auto minor version "
                         "upgrade is off, security fixes wait for someone")


cases = Cases()


@cases.fires("aws_db_instance.main")
def postgres_minor_pinned() -> Made:
    return db(PlanBuilder(), engine_version="16.3"), None


@cases.fires("aws_db_instance.main")
def mysql_minor_pinned() -> Made:
    return db(PlanBuilder(), engine="mysql", engine_version="8.0.35"), None


@cases.passes
def postgres_major_only() -> Made:
    return db(PlanBuilder()), None


@cases.passes
def mysql_major_only() -> Made:
    return db(PlanBuilder(), engine="mysql", engine_version="8.0"), None


@cases.passes
def minor_pinned_without_auto_upgrade() -> Made:
    return db(PlanBuilder(), engine_version="16.3", auto_minor_version_upgrade=False), None


@cases.live("pass")
def auto_minor_upgrades(world: World) -> dict[str, Any]:
    return world.database().outputs


@cases.live("fail")
def auto_minor_upgrades_off(world: World) -> dict[str, Any]:
    return world.database(auto_minor=False).outputs


ENTRY = Entry(
    id="FM-X4", title="Minor engine version pinned", severity="medium",
    failure="a minor version pinned while auto minor upgrade is on: drift and downgrade "
            "plans after each maintenance window",
    fix="pin the major version only (e.g. engine_version = \"16\") and let AWS upgrade "
        "minor versions",
    rule=Rule(types=("aws_db_instance",), check=rule, cases=cases.plan),
    live=LiveCheck(live, cases=cases.lives),
)

"""FM-X1: the database master password is passed in (literal, variable, random_password)
and so lands in the Terraform state in plain text."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prodstack.catalog.contract import Result, VerifyContext
from prodstack.catalog.live_queries import database
from prodstack.catalog.model import AuditInput, Cases, Entry, Hit, LiveCheck, Made, Rule
from prodstack.catalog.plan_fixtures import db
from prodstack.catalog.planbuilder import PlanBuilder
from prodstack.catalog.world import World
from prodstack.tf.plan import UNKNOWN


def rule(inp: AuditInput) -> Iterator[Hit]:
    for instance in inp.plan.of("aws_db_instance", "aws_rds_cluster"):
        attr = "password" if instance.type == "aws_db_instance" else "master_password"
        if instance.get("manage_master_user_password") is True:
            continue
        value = instance.get(attr)
        if value is UNKNOWN or (isinstance(value, str) and value) or instance.written(attr):
            yield Hit(instance.address, f"{attr} is passed to the database (literal, "
                      "variable or generated): it is stored in the Terraform state in plain "
                      "text")


def live(ctx: VerifyContext) -> Result:
    secret = database(ctx).get("MasterUserSecret", {})
    return Result.expect(bool(secret.get("SecretArn")), f"secret {secret.get('SecretArn', '')}",
                         "no managed master secret: the password lives somewhere else")


cases = Cases()


@cases.fires("aws_db_instance.main")
def literal_password() -> Made:
    return db(PlanBuilder(), manage_master_user_password=None, password="hunter2hunter2"), None


@cases.fires("aws_db_instance.main")
def generated_password() -> Made:
    b = db(PlanBuilder(), manage_master_user_password=None, unknown={"password": True},
           refs={"password": ["random_password.db.result", "random_password.db"]})
    return b, None


@cases.passes
def managed_password() -> Made:
    return db(PlanBuilder()), None


@cases.live("pass")
def managed_master_secret(world: World) -> dict[str, Any]:
    return world.database().outputs


@cases.live("fail")
def password_given_at_create(world: World) -> dict[str, Any]:
    return world.database(managed_secret=False).outputs


ENTRY = Entry(
    id="FM-X1", title="Database password in Terraform state", severity="critical",
    failure="a literal, variable or random_password master password ends up in plain text"
            " in the state",
    fix="`manage_master_user_password = true` (RDS keeps it in Secrets Manager)",
    rule=Rule(types=("aws_db_instance", "aws_rds_cluster"), check=rule, cases=cases.plan),
    live=LiveCheck(live, cases=cases.lives),
)

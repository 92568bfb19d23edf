"""FM-3.4: a health check grace period shorter than boot and install: new instances fail
their ELB health checks and are replaced in a loop."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prodstack.catalog.contract import Result, VerifyContext
from prodstack.catalog.live_queries import live_asg
from prodstack.catalog.model import AuditInput, Cases, Entry, Hit, LiveCheck, Made, Rule, Unseen
from prodstack.catalog.plan_fixtures import asg
from prodstack.catalog.unseen import settled, unknown_value
from prodstack.catalog.world import World
from prodstack.tf.resource import Unknown

MIN_GRACE_SECONDS = 600


def rule(inp: AuditInput) -> Iterator[Hit | Unseen]:
    for group in inp.plan.of("aws_autoscaling_group"):
        kind = settled(inp.plan, group, "health_check_type", "EC2")
        grace = settled(inp.plan, group, "health_check_grace_period", 300)
        if kind != "ELB" and not isinstance(kind, Unknown):
            continue
        for attr, value in (("health_check_type", kind), ("health_check_grace_period", grace)):
            if isinstance(value, Unknown):
                yield unknown_value(inp.plan, group, "new instances get the time they need "
                                    "before ELB health checks count", attr)
        if isinstance(grace, int) and grace < MIN_GRACE_SECONDS and kind == "ELB":
            yield Hit(group.address, f"health_check_grace_period {grace} s with ELB health "
                      "checks: instances still installing are marked unhealthy and replaced "
                      "in a loop")


def live(ctx: VerifyContext) -> Result:
    group = live_asg(ctx)
    grace = group.get("HealthCheckGracePeriod", 0)
    return Result.expect(group["HealthCheckType"] == "ELB" and grace >= MIN_GRACE_SECONDS,
                         f"ELB health checks, grace {grace} s",
                         f"{group['HealthCheckType']} health checks, grace {grace} s "
                         f"(needs ELB and at least {MIN_GRACE_SECONDS} s)")


cases = Cases()


@cases.fires("aws_autoscaling_group.web")
def short_grace_period() -> Made:
    return asg(health_check_grace_period=300), None


@cases.passes
def long_grace_period() -> Made:
    return asg(), None


@cases.passes
def short_grace_period_with_ec2_checks() -> Made:
    return asg(health_check_type="EC2", health_check_grace_period=0), None


@cases.live("pass")
def elb_checks_with_ten_minutes(world: World) -> dict[str, Any]:
    return world.network().web_tier().outputs


@cases.live("fail")
def two_minute_grace(world: World) -> dict[str, Any]:
    return world.network().web_tier(grace=120).outputs


@cases.live("fail")
def ec2_health_checks(world: World) -> dict[str, Any]:
    return world.network().web_tier(health_check="EC2").outputs


ENTRY = Entry(
    id="FM-3.4", title="Health check grace period too short", severity="medium",
    failure="a grace period shorter than boot + install: new instances fail ELB health "
            "checks and are replaced forever",
    fix=f"health_check_grace_period >= {MIN_GRACE_SECONDS} with a default instance warm-up",
    rule=Rule(types=("aws_autoscaling_group",), check=rule, cases=cases.plan),
    live=LiveCheck(live, cases=cases.lives),
)

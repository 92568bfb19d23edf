"""FM-3.3: an auto scaling group with no scaling policy stays at its size under load."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prodstack.catalog.contract import Result, VerifyContext
from prodstack.catalog.live_queries import live_colour
from prodstack.catalog.model import AuditInput, Cases, Entry, Hit, LiveCheck, Made, Rule
from prodstack.catalog.plan_fixtures import asg
from prodstack.catalog.plan_queries import policies
from prodstack.catalog.world import World
from prodstack.tf.plan import Resource

WANTED = ("ASGAverageCPUUtilization", "ALBRequestCountPerTarget")


def _fixed_size(group: Resource) -> bool:
    low, high = group.get("min_size"), group.get("max_size")
    return isinstance(low, int) and low == high


def rule(inp: AuditInput) -> Iterator[Hit]:
    for group in inp.plan.of("aws_autoscaling_group"):
        if not _fixed_size(group) and not policies(inp.plan, group):
            yield Hit(group.address, "no aws_autoscaling_policy targets this group: it never "
                      "scales with load")


def live(ctx: VerifyContext) -> Result:
    name = ctx.outputs["asg_names"][live_colour(ctx)]
    found = ctx.client("autoscaling").describe_policies(
        AutoScalingGroupName=name)["ScalingPolicies"]
    metrics = {p.get("TargetTrackingConfiguration", {}).get("PredefinedMetricSpecification", {})
               .get("PredefinedMetricType") for p in found}
    missing = sorted(set(WANTED) - metrics)
    return Result.expect(not missing, f"{len(found)} target-tracking policies on {name}",
                         f"{name} lacks {missing}")


cases = Cases()


@cases.fires("aws_autoscaling_group.web")
def asg_without_policy() -> Made:
    return asg(policy=None), None


@cases.passes
def asg_with_policy_by_reference() -> Made:
    return asg(), None


@cases.passes
def asg_with_policy_by_name() -> Made:
    return asg(policy="name"), None


@cases.passes
def fixed_size_asg() -> Made:
    return asg(policy=None, min_size=1, max_size=1), None


@cases.live("pass")
def cpu_and_request_policies(world: World) -> dict[str, Any]:
    return world.network().web_tier().outputs


@cases.live("fail")
def cpu_policy_only(world: World) -> dict[str, Any]:
    return world.network().web_tier(policies=("ASGAverageCPUUtilization",)).outputs


ENTRY = Entry(
    id="FM-3.3", title="Auto Scaling group without scaling policies", severity="high",
    failure="an ASG with no scaling policy stays at its size while load grows",
    fix="target tracking policies on CPU and ALBRequestCountPerTarget",
    rule=Rule(types=("aws_autoscaling_group", "aws_autoscaling_policy"), check=rule,
              cases=cases.plan),
    live=LiveCheck(live, cases=cases.lives),
)

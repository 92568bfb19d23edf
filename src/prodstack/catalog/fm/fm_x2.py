"""FM-X2: an ASG on launch template version `$Latest`: a new version changes nothing in the
plan, so instance refresh never starts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prodstack.catalog.live_queries import live_asg
from prodstack.catalog.model import AuditInput, Cases, Entry, Hit, LiveCheck, Made, Rule
from prodstack.catalog.plan_fixtures import GOOD_ASG, asg
from prodstack.catalog.planbuilder import PlanBuilder
from prodstack.catalog.world import World
from prodstack.tf.plan import Resource
from prodstack.verify.context import Result, VerifyContext


def _template_versions(group: Resource) -> list[str]:
    versions = group.strings("launch_template", "version")
    versions += group.strings("mixed_instances_policy", "launch_template",
                              "launch_template_specification", "version")
    return versions


def rule(inp: AuditInput) -> Iterator[Hit]:
    for group in inp.plan.of("aws_autoscaling_group"):
        if "$Latest" in _template_versions(group):
            yield Hit(group.address, "launch template version \"$Latest\": a new template "
                      "version changes nothing in the plan, so instance refresh never starts")


def live(ctx: VerifyContext) -> Result:
    spec = live_asg(ctx).get("LaunchTemplate", {})
    version = str(spec.get("Version", ""))
    return Result.expect(version.isdigit(), f"pinned to version {version}",
                         f"uses {version or 'no version'}: instance refresh never starts")


cases = Cases()


@cases.fires("aws_autoscaling_group.web")
def latest_template() -> Made:
    b = PlanBuilder().add("aws_autoscaling_group.web", {
        **GOOD_ASG, "launch_template": [{"version": "$Latest"}]})
    return b, None


@cases.fires('module.asg.aws_autoscaling_group.this["web"]')
def latest_template_in_mixed_instances_policy() -> Made:
    b = PlanBuilder().add('module.asg.aws_autoscaling_group.this["web"]', {
        **GOOD_ASG, "launch_template": [], "mixed_instances_policy": [{"launch_template": [{
            "launch_template_specification": [{"version": "$Latest"}]}]}]})
    return b.module("module.asg"), None


@cases.passes
def pinned_to_latest_version() -> Made:
    return asg(), None


@cases.live("pass")
def pinned_version(world: World) -> dict[str, Any]:
    return world.network().web_tier().outputs


@cases.live("fail")
def latest_version(world: World) -> dict[str, Any]:
    return world.network().web_tier(version="$Latest").outputs


ENTRY = Entry(
    id="FM-X2", title="Launch template \"$Latest\"", severity="high",
    failure="\"$Latest\" hides template changes from the ASG: instance refresh never "
            "starts and old instances keep running",
    fix="version = aws_launch_template.<name>.default_version (update_default_version = "
        "true) or .latest_version, with an instance_refresh block",
    rule=Rule(types=("aws_autoscaling_group",), check=rule, cases=cases.plan),
    live=LiveCheck(live, cases=cases.lives),
)

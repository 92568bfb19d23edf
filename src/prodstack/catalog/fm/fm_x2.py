"""FM-X2: an ASG on launch template version `$Latest`: a new version changes nothing in the
plan, so instance refresh never starts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prodstack.catalog.contract import Result, VerifyContext
from prodstack.catalog.live_queries import live_asg
from prodstack.catalog.model import AuditInput, Cases, Entry, Hit, LiveCheck, Made, Rule, Unseen
from prodstack.catalog.plan_fixtures import GOOD_ASG, asg
from prodstack.catalog.planbuilder import PlanBuilder
from prodstack.catalog.resolve import resolver
from prodstack.catalog.world import World
from prodstack.tf.plan import Plan, Resource, Unknown
from prodstack.tf.resource import why_unknown

PATHS = (("launch_template", "version"),
         ("mixed_instances_policy", "launch_template", "launch_template_specification",
          "version"))


def _template_versions(plan: Plan, group: Resource) -> list[object]:
    """The versions the group's launch templates are pinned to: planned, or resolved (a
    reference to `latest_version` stays a symbol; `Unknown` when nothing decides it)."""
    out: list[object] = []
    for path in PATHS:
        if group.has_config and not group.written(*path):
            continue
        value = group.get(*path)
        if isinstance(value, Unknown):
            value = resolver(plan).value(group, *path)
            if isinstance(value, Unknown) and _template_version_only(group.references(*path)):
                value = "a version number"
        if value is not None and not (isinstance(value, list) and not value):
            out.append(value)
    return out


def _template_version_only(refs: list[str]) -> bool:
    """An expression over launch templates' `latest_version` / `default_version` only: a
    version number once applied (a plan file keeps no more of the expression)."""
    precise = [r for r in refs if not any(o.startswith(r + ".") for o in refs)]
    return bool(precise) and all(
        r.startswith("aws_launch_template.") and r.endswith((".latest_version",
                                                              ".default_version"))
        for r in precise)


def rule(inp: AuditInput) -> Iterator[Hit | Unseen]:
    for group in inp.plan.of("aws_autoscaling_group"):
        versions = _template_versions(inp.plan, group)
        undecided = [v for v in versions if isinstance(v, Unknown)]
        if undecided:
            yield Unseen(group.address, "cannot tell whether the group follows \"$Latest\": "
                         "its launch template version depends on "
                         f"{'; '.join(w for v in undecided for w in why_unknown(v))}")
        if "$Latest" in versions:
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

"""FM-X6: the instance metadata service answers without a session token (IMDSv1)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prodstack.catalog.contract import Result, VerifyContext
from prodstack.catalog.live_queries import live_asg
from prodstack.catalog.model import AuditInput, Cases, Entry, Hit, LiveCheck, Made, Rule, Unseen
from prodstack.catalog.planbuilder import PlanBuilder
from prodstack.catalog.policy_match import opaque
from prodstack.catalog.resolve import resolver
from prodstack.catalog.unseen import unknown_value
from prodstack.catalog.world import World
from prodstack.tf.plan import Unknown


def rule(inp: AuditInput) -> Iterator[Hit | Unseen]:
    for res in inp.plan.of("aws_launch_template", "aws_instance"):
        if res.get("metadata_options", "http_endpoint") == "disabled":
            continue
        tokens = res.get("metadata_options", "http_tokens")
        if isinstance(tokens, Unknown) and res.written("metadata_options", "http_tokens"):
            tokens = resolver(inp.plan).value(res, "metadata_options", "http_tokens")
            if isinstance(tokens, Unknown) or (isinstance(tokens, str) and opaque(tokens)):
                yield unknown_value(inp.plan, res, "IMDSv1 is off", "metadata_options",
                                    "http_tokens")
                continue
        if tokens == "required":
            continue
        shown = tokens if isinstance(tokens, str) else "left to the default"
        yield Hit(res.address, f"http_tokens {shown}: IMDSv1 answers without a token, so an "
                  "SSRF in the app can read the instance role's credentials")


def live(ctx: VerifyContext) -> Result:
    group = live_asg(ctx)
    spec = group.get("LaunchTemplate") or group.get("MixedInstancesPolicy", {}).get(
        "LaunchTemplate", {}).get("LaunchTemplateSpecification", {})
    version = str(spec.get("Version", "$Default"))
    template = spec.get("LaunchTemplateId") or ctx.outputs["launch_template_id"]
    versions = ctx.client("ec2").describe_launch_template_versions(
        LaunchTemplateId=template, Versions=[version])["LaunchTemplateVersions"]
    tokens = versions[0]["LaunchTemplateData"].get("MetadataOptions", {}).get("HttpTokens")
    return Result.expect(tokens == "required", f"version {version}: http_tokens = required",
                         f"version {version}: http_tokens = {tokens or 'optional'} (IMDSv1 "
                         "open)")


cases = Cases()


def _template(metadata: list[dict[str, Any]]) -> PlanBuilder:
    return PlanBuilder().add("aws_launch_template.web", {"name": "web",
                                                         "metadata_options": metadata})


@cases.fires("aws_launch_template.web")
def imds_optional() -> Made:
    return _template([{"http_endpoint": "enabled", "http_tokens": "optional"}]), None


@cases.fires("aws_launch_template.web")
def imds_left_to_default() -> Made:
    return _template([]), None


@cases.passes
def imds_required() -> Made:
    return _template([{"http_endpoint": "enabled", "http_tokens": "required"}]), None


@cases.live("pass")
def tokens_required(world: World) -> dict[str, Any]:
    return world.network().web_tier().outputs


@cases.live("fail")
def tokens_optional(world: World) -> dict[str, Any]:
    return world.network().web_tier(http_tokens="optional").outputs


ENTRY = Entry(
    id="FM-X6", title="IMDSv1 allowed", severity="high",
    failure="the instance metadata service answers without a session token (IMDSv1)",
    fix="metadata_options { http_tokens = \"required\" }",
    rule=Rule(types=("aws_launch_template", "aws_instance"), check=rule, cases=cases.plan),
    live=LiveCheck(live, cases=cases.lives),
)

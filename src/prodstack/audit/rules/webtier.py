"""The web tier: scaling policies (FM-3.3), a grace period long enough to boot (FM-3.4), a
pinned launch template version (FM-X2), desired capacity left to the policies (FM-X3), IMDSv2
(FM-X6)."""

from __future__ import annotations

from collections.abc import Iterator

from prodstack.audit.plan import UNKNOWN, Plan, Resource
from prodstack.audit.rules.base import AuditInput, Hit, Rule

MIN_GRACE_SECONDS = 600


def policies(plan: Plan, asg: Resource) -> list[Resource]:
    return plan.referrers(asg, "aws_autoscaling_policy", "autoscaling_group_name")


def _fixed_size(asg: Resource) -> bool:
    low, high = asg.get("min_size"), asg.get("max_size")
    return isinstance(low, int) and low == high


def scaling_policies(inp: AuditInput) -> Iterator[Hit]:
    for asg in inp.plan.of("aws_autoscaling_group"):
        if not _fixed_size(asg) and not policies(inp.plan, asg):
            yield Hit(asg.address, "no aws_autoscaling_policy targets this group: it never "
                      "scales with load")


def grace_period(inp: AuditInput) -> Iterator[Hit]:
    for asg in inp.plan.of("aws_autoscaling_group"):
        if asg.get("health_check_type") != "ELB":
            continue
        grace = asg.effective("health_check_grace_period", 300)
        if isinstance(grace, int) and grace < MIN_GRACE_SECONDS:
            yield Hit(asg.address, f"health_check_grace_period {grace} s with ELB health "
                      "checks: instances still installing are marked unhealthy and replaced "
                      "in a loop")


def _template_versions(asg: Resource) -> list[str]:
    versions = asg.strings("launch_template", "version")
    versions += asg.strings("mixed_instances_policy", "launch_template",
                            "launch_template_specification", "version")
    return versions


def pinned_template(inp: AuditInput) -> Iterator[Hit]:
    for asg in inp.plan.of("aws_autoscaling_group"):
        if "$Latest" in _template_versions(asg):
            yield Hit(asg.address, "launch template version \"$Latest\": a new template "
                      "version changes nothing in the plan, so instance refresh never starts")


def desired_capacity(inp: AuditInput) -> Iterator[Hit]:
    for asg in inp.plan.of("aws_autoscaling_group"):
        if not asg.written("desired_capacity") or not policies(inp.plan, asg):
            continue
        if inp.config is None:
            yield Hit(asg.address, "desired_capacity is set on a group that scaling policies "
                      "drive: every apply resets it (a plan does not show lifecycle; audit "
                      "the folder if ignore_changes covers it)")
        elif not inp.config.ignored(asg.type, asg.name, "desired_capacity"):
            yield Hit(asg.address, "desired_capacity is set on a group that scaling policies "
                      "drive, without ignore_changes: every apply resets it")


def imdsv2(inp: AuditInput) -> Iterator[Hit]:
    for res in inp.plan.of("aws_launch_template", "aws_instance"):
        if res.get("metadata_options", "http_endpoint") == "disabled":
            continue
        tokens = res.get("metadata_options", "http_tokens")
        if tokens == "required" or (tokens is UNKNOWN
                                    and res.written("metadata_options", "http_tokens")):
            continue
        shown = tokens if isinstance(tokens, str) else "left to the default"
        yield Hit(res.address, f"http_tokens {shown}: IMDSv1 answers without a token, so an "
                  "SSRF in the app can read the instance role's credentials")


RULES = (
    Rule(
        id="FM-3.3", title="Auto Scaling group without scaling policies", severity="high",
        types=("aws_autoscaling_group", "aws_autoscaling_policy"),
        failure="an ASG with no scaling policy stays at its size while load grows",
        fix="target tracking policies on CPU and ALBRequestCountPerTarget",
        check=scaling_policies,
    ),
    Rule(
        id="FM-3.4", title="Health check grace period too short", severity="medium",
        types=("aws_autoscaling_group",),
        failure="a grace period shorter than boot + install: new instances fail ELB health "
                "checks and are replaced forever",
        fix=f"health_check_grace_period >= {MIN_GRACE_SECONDS} with a default instance "
            "warm-up",
        check=grace_period,
    ),
    Rule(
        id="FM-X2", title="Launch template \"$Latest\"", severity="high",
        types=("aws_autoscaling_group",),
        failure="\"$Latest\" hides template changes from the ASG: instance refresh never "
                "starts and old instances keep running",
        fix="version = aws_launch_template.<name>.latest_version, with an instance_refresh "
            "block",
        check=pinned_template,
    ),
    Rule(
        id="FM-X3", title="desired_capacity fights the scaling policies", severity="medium",
        types=("aws_autoscaling_group", "aws_autoscaling_policy"),
        failure="Terraform resets the capacity the policies chose: a perpetual diff, and "
                "capacity drops on every apply",
        fix="leave desired_capacity unset (or ignore_changes = [desired_capacity])",
        check=desired_capacity,
    ),
    Rule(
        id="FM-X6", title="IMDSv1 allowed", severity="high",
        types=("aws_launch_template", "aws_instance"),
        failure="the instance metadata service answers without a session token (IMDSv1)",
        fix="metadata_options { http_tokens = \"required\" }",
        check=imdsv2,
    ),
)

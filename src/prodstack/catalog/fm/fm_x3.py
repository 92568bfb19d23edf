"""FM-X3: `desired_capacity` set on a group that scaling policies drive: every apply resets
the capacity the policies chose."""

from __future__ import annotations

from collections.abc import Iterator

from prodstack.catalog.model import AuditInput, Cases, Entry, Hit, Made, Rule
from prodstack.catalog.plan_fixtures import asg
from prodstack.catalog.plan_queries import policies
from prodstack.tf.folder import FolderConfig


def rule(inp: AuditInput) -> Iterator[Hit]:
    for group in inp.plan.of("aws_autoscaling_group"):
        if not group.written("desired_capacity") or not policies(inp.plan, group):
            continue
        if inp.config is None:
            yield Hit(group.address, "desired_capacity is set on a group that scaling "
                      "policies drive: every apply resets it (a plan does not show lifecycle; "
                      "audit the folder if ignore_changes covers it)")
        elif not inp.config.ignored(group.type, group.name, "desired_capacity"):
            yield Hit(group.address, "desired_capacity is set on a group that scaling "
                      "policies drive, without ignore_changes: every apply resets it")


cases = Cases()


@cases.fires("aws_autoscaling_group.web")
def desired_capacity_with_policies() -> Made:
    return asg(desired_capacity=2), None


@cases.passes
def desired_capacity_ignored() -> Made:
    config = FolderConfig(ignore_changes={("aws_autoscaling_group", "web"):
                                          frozenset({"desired_capacity"})})
    return asg(desired_capacity=2), config


@cases.passes
def desired_capacity_left_to_asg() -> Made:
    return asg(), None


ENTRY = Entry(
    id="FM-X3", title="desired_capacity fights the scaling policies", severity="medium",
    failure="Terraform resets the capacity the policies chose: a perpetual diff, and "
            "capacity drops on every apply",
    fix="leave desired_capacity unset (or ignore_changes = [desired_capacity])",
    rule=Rule(types=("aws_autoscaling_group", "aws_autoscaling_policy"), check=rule,
              cases=cases.plan),
    exercised=("clean re-plan after deploys and scaling, on the emulator "
               "(tests/e2e/test_lifecycle.py)",),
)

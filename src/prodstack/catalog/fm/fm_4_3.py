"""FM-4.3: a VPC without flow logs: no record of accepted or rejected traffic."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prodstack.catalog.contract import Result, VerifyContext
from prodstack.catalog.model import AuditInput, Cases, Entry, Hit, LiveCheck, Made, Rule
from prodstack.catalog.planbuilder import PlanBuilder
from prodstack.catalog.world import World
from prodstack.tf.folder import FolderConfig
from prodstack.tf.plan import Plan, Resource

TARGETS = (("vpc_id",), ("resource_id",))


def _covers(plan: Plan, flow_log: Resource, vpc: Resource) -> bool:
    if any(plan.links(flow_log, path, vpc) for path in TARGETS):
        return True
    # Wired through a local (`vpc_id = local.vpc_id`, as terraform-aws-modules/vpc does) that
    # the plan reader cannot follow (a plan file holds no locals): it cannot say which VPC, so
    # a flow log in the VPC's own module counts. In directory mode the locals are read from
    # the configuration and followed, and the link above is exact.
    return flow_log.module_path == vpc.module_path and not any(
        plan.refs(flow_log, *path) for path in TARGETS) and any(
        plan.through_locals(flow_log, *path) for path in TARGETS)


def rule(inp: AuditInput) -> Iterator[Hit]:
    plan = inp.plan
    flow_logs = plan.of("aws_flow_log")
    for vpc in plan.of("aws_vpc"):
        if not any(_covers(plan, f, vpc) for f in flow_logs):
            yield Hit(vpc.address, "no aws_flow_log for this VPC: rejected and unexpected "
                      "traffic leaves no trace")


def live(ctx: VerifyContext) -> Result:
    logs = ctx.client("ec2").describe_flow_logs(
        Filters=[{"Name": "resource-id", "Values": [ctx.outputs["vpc_id"]]}])["FlowLogs"]
    active = [f for f in logs if f.get("FlowLogStatus") == "ACTIVE"]
    return Result.expect(bool(active), f"{len(active)} active flow log(s) on the VPC",
                         f"no active flow log on {ctx.outputs['vpc_id']}")


cases = Cases()


@cases.fires("aws_vpc.main")
def vpc_without_flow_log() -> Made:
    return PlanBuilder().add("aws_vpc.main", {"cidr_block": "10.0.0.0/16"}), None


@cases.fires("aws_vpc.main")
def flow_log_on_another_vpc() -> Made:
    b = (PlanBuilder()
         .add("aws_vpc.main", {"cidr_block": "10.0.0.0/16"}, unknown={"id": True})
         .add("aws_vpc.other", {"cidr_block": "10.1.0.0/16"}, unknown={"id": True})
         .add("aws_flow_log.other", {"traffic_type": "ALL"},
              refs={"vpc_id": ["aws_vpc.other.id", "aws_vpc.other"]}, unknown={"vpc_id": True}))
    return b, None


@cases.passes
def vpc_with_flow_log_in_module() -> Made:
    b = (PlanBuilder().add("aws_vpc.main", {"cidr_block": "10.0.0.0/16"}, unknown={"id": True})
         .add("module.logs.aws_flow_log.this", {"traffic_type": "ALL"},
              refs={"vpc_id": ["var.vpc_id"]}, unknown={"vpc_id": True})
         .module("module.logs", inputs={"vpc_id": ["aws_vpc.main.id", "aws_vpc.main"]}))
    return b, None


def _vpc_module_with_flow_log_via_local() -> PlanBuilder:
    """terraform-aws-modules/vpc's wiring: the flow log's `vpc_id = local.vpc_id`."""
    return (PlanBuilder()
            .add("module.vpc.aws_vpc.this[0]", {"cidr_block": "10.0.0.0/16"},
                 unknown={"id": True})
            .add("module.vpc.aws_flow_log.this[0]", {"traffic_type": "ALL"},
                 refs={"vpc_id": ["local.vpc_id"]}, unknown={"vpc_id": True})
            .module("module.vpc"))


@cases.passes
def flow_log_through_a_local_like_terraform_aws_modules_vpc() -> Made:
    return _vpc_module_with_flow_log_via_local(), None


def _vpc_module_with_two_vpcs(locals_: dict[str, list[str]] | None) -> Made:
    """terraform-aws-modules/vpc's wiring (`vpc_id = local.vpc_id`), in a module that also
    makes a second VPC; with the configuration's locals known, or not."""
    b = (PlanBuilder()
         .add("module.vpc.aws_vpc.this[0]", {"cidr_block": "10.0.0.0/16"},
              unknown={"id": True})
         .add("module.vpc.aws_vpc.egress[0]", {"cidr_block": "10.1.0.0/16"},
              unknown={"id": True})
         .add("module.vpc.aws_flow_log.this[0]", {"traffic_type": "ALL"},
              refs={"vpc_id": ["local.vpc_id"]}, unknown={"vpc_id": True})
         .module("module.vpc"))
    return b, None if locals_ is None else FolderConfig(locals={"module.vpc": locals_})


@cases.fires("module.vpc.aws_vpc.egress[0]")
def flow_log_through_a_local_on_the_other_vpc_of_its_module() -> Made:
    return _vpc_module_with_two_vpcs({"vpc_id": [
        "aws_vpc_ipv4_cidr_block_association.this", "aws_vpc.this"]})


@cases.passes
def flow_log_through_a_local_read_from_the_configuration() -> Made:
    locals_ = {"vpc_id": ["local.chosen"], "chosen": ["aws_vpc.this"]}
    return _vpc_module_with_flow_log_via_local(), FolderConfig(locals={"module.vpc": locals_})


@cases.live("pass")
def active_flow_log(world: World) -> dict[str, Any]:
    return world.network().outputs


@cases.live("fail")
def flow_log_deleted(world: World) -> dict[str, Any]:
    return world.network(flow_log=False).outputs


ENTRY = Entry(
    id="FM-4.3", title="No VPC flow logs", severity="medium",
    failure="no VPC flow logs: no record of accepted or rejected traffic for an incident",
    fix="aws_flow_log on the VPC to CloudWatch Logs (or S3)",
    rule=Rule(types=("aws_vpc", "aws_flow_log"), check=rule, cases=cases.plan),
    live=LiveCheck(live, cases=cases.lives),
)

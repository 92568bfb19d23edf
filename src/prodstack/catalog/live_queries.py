"""Live queries that more than one check uses: the release record's live colour, the live
ASG, the database, NAT gateways, subnet zones, and the stack's alarms (by the names in its
outputs)."""

from __future__ import annotations

from typing import Any

from prodstack.catalog.contract import VerifyContext
from prodstack.stack import traffic


def live_colour(ctx: VerifyContext) -> str:
    """The live colour from the release record that `prodstack deploy` keeps."""
    return traffic.live_colour(ctx.client("ssm"), ctx.outputs.get("release_parameter"))


def live_asg(ctx: VerifyContext) -> dict[str, Any]:
    name = ctx.outputs["asg_names"][live_colour(ctx)]
    groups = ctx.client("autoscaling").describe_auto_scaling_groups(
        AutoScalingGroupNames=[name])["AutoScalingGroups"]
    if not groups:
        raise LookupError(f"auto scaling group {name} does not exist")
    return dict(groups[0])


def database(ctx: VerifyContext) -> dict[str, Any]:
    return dict(ctx.client("rds").describe_db_instances(
        DBInstanceIdentifier=ctx.outputs["db_identifier"])["DBInstances"][0])


def nat_gateways(ctx: VerifyContext) -> list[dict[str, Any]]:
    nats = ctx.client("ec2").describe_nat_gateways(
        Filters=[{"Name": "vpc-id", "Values": [ctx.outputs["vpc_id"]]}])["NatGateways"]
    return [n for n in nats if n["State"] == "available"]


def subnet_azs(ctx: VerifyContext, subnet_ids: list[str]) -> dict[str, str]:
    subnets = ctx.client("ec2").describe_subnets(SubnetIds=subnet_ids)["Subnets"]
    return {s["SubnetId"]: s["AvailabilityZone"] for s in subnets}


def alarms(ctx: VerifyContext) -> tuple[list[dict[str, Any]], list[str]]:
    """The stack's metric alarms, found by the names in its `alarm_names` output, and the
    names with no alarm behind them (deleted behind Terraform's back), sorted."""
    names = list(ctx.outputs.get("alarm_names") or [])
    found: list[dict[str, Any]] = []
    cloudwatch = ctx.client("cloudwatch")
    for start in range(0, len(names), 100):
        found += cloudwatch.describe_alarms(AlarmNames=names[start:start + 100])["MetricAlarms"]
    return found, sorted(set(names) - {a["AlarmName"] for a in found})

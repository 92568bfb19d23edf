"""FM-5.1: traffic to S3 goes through the NAT gateway and pays NAT data charges."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prodstack.catalog.contract import Result, VerifyContext
from prodstack.catalog.model import AuditInput, Cases, Entry, Hit, LiveCheck, Made, Rule, Unseen
from prodstack.catalog.plan_fixtures import network
from prodstack.catalog.plan_queries import NAT
from prodstack.catalog.policy_match import tri_and
from prodstack.catalog.unseen import settled, unknown_value
from prodstack.catalog.world import World
from prodstack.tf.plan import UNKNOWN, Plan, Resource
from prodstack.tf.resource import Unknown


def _s3_endpoint(endpoint: Resource) -> bool | None:
    """An S3 gateway endpoint, or an S3 interface endpoint with private DNS (which also
    takes S3 traffic off the NAT); None when values only known after apply decide it."""
    service = endpoint.get("service_name")
    kind = endpoint.effective("vpc_endpoint_type", "Gateway")
    is_s3 = None if service is UNKNOWN else isinstance(service, str) and service.endswith(".s3")
    if kind == "Interface":
        dns = endpoint.get("private_dns_enabled")
        return tri_and(is_s3, None if dns is UNKNOWN else dns is True)
    return tri_and(is_s3, None if kind is UNKNOWN else kind in ("Gateway", None))


def _routes_something(plan: Plan, endpoint: Resource) -> bool:
    if endpoint.get("vpc_endpoint_type") == "Interface":
        return True
    if endpoint.written("route_table_ids") or endpoint.strings("route_table_ids"):
        return True
    return bool(plan.referrers(endpoint, "aws_vpc_endpoint_route_table_association",
                               "vpc_endpoint_id"))


def _nat_vpcs(plan: Plan, nat: Resource) -> list[Resource]:
    vpcs = []
    for subnet in plan.linked(nat, ("subnet_id",), "aws_subnet"):
        vpcs += plan.linked(subnet, ("vpc_id",), "aws_vpc")
    if not vpcs and len(plan.of("aws_vpc")) == 1:
        vpcs = plan.of("aws_vpc")
    return vpcs


def rule(inp: AuditInput) -> Iterator[Hit | Unseen]:
    plan = inp.plan
    maybe = [e for e in plan.of("aws_vpc_endpoint") if _s3_endpoint(e) is not False]
    endpoints = [e for e in maybe if _s3_endpoint(e) is True]
    reported: set[str] = set()
    for nat in plan.of(NAT):
        connectivity = settled(plan, nat, "connectivity_type", "public")
        if isinstance(connectivity, Unknown):
            yield unknown_value(plan, nat, "the NAT gateway carries internet traffic",
                                "connectivity_type")
            continue
        if connectivity == "private":
            continue
        undecided = [e for e in maybe if e not in endpoints]
        if undecided and not endpoints:
            yield Unseen(nat.address, "cannot tell whether S3 traffic bypasses the NAT "
                         f"gateway: whether {', '.join(e.address for e in undecided)} is an "
                         "S3 endpoint is only known after apply")
            continue
        vpcs = _nat_vpcs(plan, nat)
        if not vpcs:
            if not endpoints and "" not in reported:
                reported.add("")
                yield Hit(nat.address, "NAT gateway and no S3 gateway endpoint in the plan: "
                          "S3 traffic pays NAT data charges")
            continue
        for vpc in vpcs:
            if vpc.address in reported:
                continue
            reported.add(vpc.address)
            mine = [e for e in endpoints if plan.links(e, ("vpc_id",), vpc)]
            if not mine:
                yield Hit(vpc.address, "this VPC has NAT gateways but no S3 gateway endpoint: "
                          "S3 traffic pays NAT data charges")
            elif not any(_routes_something(plan, e) for e in mine):
                yield Hit(mine[0].address, "the S3 gateway endpoint is in no route table: "
                          "S3 traffic still goes through the NAT gateway")


WORKING = ("available", "pending")


def live(ctx: VerifyContext) -> Result:
    endpoints = ctx.client("ec2").describe_vpc_endpoints(
        Filters=[{"Name": "vpc-id", "Values": [ctx.outputs["vpc_id"]]}])["VpcEndpoints"]
    # A deleted endpoint stays listed for a while (State "deleted"), and a rejected or failed
    # one carries nothing: only a working endpoint takes the traffic off the NAT.
    services = {e["ServiceName"].rsplit(".", 1)[-1]: e for e in endpoints
                if e.get("VpcEndpointType") == "Gateway"
                and str(e.get("State", "available")).lower() in WORKING}
    missing = [s for s in ("s3", "dynamodb") if s not in services]
    empty = sorted(s for s, e in services.items() if not e.get("RouteTableIds"))
    return Result.expect(not missing and not empty,
                         "S3 and DynamoDB gateway endpoints with route tables",
                         f"missing: {', '.join(missing) or '-'}; without route tables: "
                         f"{', '.join(empty) or '-'}")


cases = Cases()


@cases.fires("aws_vpc.main")
def nat_without_s3_endpoint() -> Made:
    return network(nat_per_az=True, endpoint=None), None


@cases.fires("aws_vpc_endpoint.s3")
def s3_endpoint_in_no_route_table() -> Made:
    return network(nat_per_az=True, endpoint="unrouted"), None


@cases.passes
def nat_with_s3_endpoint() -> Made:
    return network(nat_per_az=True), None


@cases.passes
def s3_interface_endpoint_with_private_dns() -> Made:
    b = network(nat_per_az=True, endpoint=None)
    b.add("aws_vpc_endpoint.s3", {"service_name": "com.amazonaws.us-west-1.s3",
                                  "vpc_endpoint_type": "Interface",
                                  "private_dns_enabled": True},
          refs={"vpc_id": ["aws_vpc.main.id", "aws_vpc.main"]})
    return b, None


@cases.live("pass")
def both_gateway_endpoints_routed(world: World) -> dict[str, Any]:
    return world.network().outputs


@cases.live("fail")
def dynamodb_endpoint_missing(world: World) -> dict[str, Any]:
    return world.network(endpoints=("s3",)).outputs


@cases.live("fail")
def dynamodb_endpoint_deleted(world: World) -> dict[str, Any]:
    world.network()
    ec2 = world.client("ec2")
    endpoints = ec2.describe_vpc_endpoints(Filters=[
        {"Name": "vpc-id", "Values": [world.outputs["vpc_id"]]}])["VpcEndpoints"]
    ec2.delete_vpc_endpoints(VpcEndpointIds=[
        e["VpcEndpointId"] for e in endpoints if e["ServiceName"].endswith(".dynamodb")])
    return world.outputs


@cases.live("fail")
def endpoints_in_no_route_table(world: World) -> dict[str, Any]:
    return world.network(routed=False).outputs


ENTRY = Entry(
    id="FM-5.1", title="NAT charges for S3 traffic", severity="low",
    failure="traffic to S3 (and DynamoDB) goes through the NAT gateway and pays per GB",
    fix="S3 and DynamoDB gateway endpoints in the private route tables (or an S3 interface "
        "endpoint with private DNS)",
    rule=Rule(types=(NAT, "aws_vpc", "aws_vpc_endpoint"), check=rule, cases=cases.plan),
    live=LiveCheck(live, cases=cases.lives),
)

"""NET-ROUTES: each app subnet's default route goes through a NAT gateway in its own AZ."""

from __future__ import annotations

from typing import Any

from prodstack.catalog.contract import Result, VerifyContext
from prodstack.catalog.live_queries import nat_gateways, subnet_azs
from prodstack.catalog.model import Cases, Entry, LiveCheck
from prodstack.catalog.world import World


def live(ctx: VerifyContext) -> Result:
    ec2 = ctx.client("ec2")
    subnet_ids = ctx.outputs["app_subnet_ids"]
    subnet_az = subnet_azs(ctx, subnet_ids)
    nats = nat_gateways(ctx)
    nat_az = {n["NatGatewayId"]: az for n in nats
              for az in subnet_azs(ctx, [n["SubnetId"]]).values()}
    tables = ec2.describe_route_tables(
        Filters=[{"Name": "association.subnet-id", "Values": subnet_ids}])["RouteTables"]
    problems = []
    for subnet in subnet_ids:
        table = next((t for t in tables if any(a.get("SubnetId") == subnet
                                               for a in t.get("Associations", []))), None)
        nat = next((r.get("NatGatewayId") for r in (table or {}).get("Routes", [])
                    if r.get("DestinationCidrBlock") == "0.0.0.0/0"), None)
        if nat is None:
            problems.append(f"{subnet} has no default route through a NAT gateway")
        elif ctx.profile.nat_per_az and nat_az.get(nat) != subnet_az[subnet]:
            problems.append(f"{subnet} ({subnet_az[subnet]}) routes through {nat} in "
                            f"{nat_az.get(nat)}")
    good = (f"{len(subnet_ids)} app subnets route through NAT in their own AZ"
            if ctx.profile.nat_per_az else
            f"{len(subnet_ids)} app subnets route through the shared NAT")
    return Result.expect(not problems, good, "; ".join(problems))


cases = Cases()


@cases.live("pass")
def routes_per_az(world: World) -> dict[str, Any]:
    return world.network().outputs


@cases.live("pass", env="dev")
def shared_nat_in_dev(world: World) -> dict[str, Any]:
    return world.network(nat_per_az=False).outputs


@cases.live("fail")
def route_through_the_other_az(world: World) -> dict[str, Any]:
    world.network()
    ec2, (table, _), nats = (world.client("ec2"), world.ids["route_tables"],
                             world.outputs["nat_gateway_ids"])
    ec2.replace_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0",
                      NatGatewayId=nats[1])
    return world.outputs


@cases.live("fail")
def default_route_deleted(world: World) -> dict[str, Any]:
    world.network()
    world.client("ec2").delete_route(RouteTableId=world.ids["route_tables"][0],
                                     DestinationCidrBlock="0.0.0.0/0")
    return world.outputs


ENTRY = Entry(
    id="NET-ROUTES", title="Each app subnet routes to the internet through its own AZ's NAT",
    failure="an app subnet without egress, or one whose traffic crosses into another AZ's "
            "NAT (lost with that AZ, and billed as cross-AZ traffic)",
    fix="one private route table per AZ, its default route to that AZ's NAT gateway",
    live=LiveCheck(live, cases=cases.lives),
)

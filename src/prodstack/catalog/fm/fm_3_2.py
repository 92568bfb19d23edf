"""FM-3.2: one NAT gateway serves private subnets in several AZs: losing its AZ cuts them
all off the internet."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prodstack.catalog.contract import Result, VerifyContext
from prodstack.catalog.live_queries import nat_gateways, subnet_azs
from prodstack.catalog.model import AuditInput, Cases, Entry, Hit, LiveCheck, Made, Rule, Unseen
from prodstack.catalog.plan_fixtures import network
from prodstack.catalog.plan_queries import NAT, key_type
from prodstack.catalog.world import World
from prodstack.tf.plan import Plan, Resource

ROUTE_TABLES = ("aws_route_table", "aws_default_route_table")


def _nat_keys(plan: Plan, res: Resource, *path: str) -> set[str]:
    return {k for k in plan.refs(res, *path) if key_type(k) == NAT}


def nat_route_tables(plan: Plan) -> dict[str, set[str]]:
    """Route table configuration key -> NAT gateway keys its routes send traffic to."""
    tables: dict[str, set[str]] = {}
    for route in plan.of("aws_route"):
        nats = _nat_keys(plan, route, "nat_gateway_id")
        for table in plan.refs(route, "route_table_id"):
            if nats and key_type(table) in ROUTE_TABLES:
                tables.setdefault(table, set()).update(nats)
    for table in plan.of(*ROUTE_TABLES):
        nats = _nat_keys(plan, table, "route")
        if nats:
            tables.setdefault(table.config_key, set()).update(nats)
    return tables


def subnet_zones(plan: Plan, subnet_key: str) -> set[str]:
    """The AZs of the subnet's instances (a subnet whose AZ is only known after apply counts
    as a zone of its own, `?<address>`)."""
    azs = set()
    for subnet in plan.instances(subnet_key):
        zone = subnet.get("availability_zone")
        zone_id = subnet.get("availability_zone_id")
        if isinstance(zone, str) and zone:
            azs.add(zone)
        elif isinstance(zone_id, str) and zone_id:
            azs.add(zone_id)
        else:
            azs.add(f"?{subnet.address}")
    return azs


def rule(inp: AuditInput) -> Iterator[Hit | Unseen]:
    plan = inp.plan
    tables = nat_route_tables(plan)
    served: dict[str, set[str]] = {}  # NAT key -> AZs of the subnets routed through it
    for assoc in plan.of("aws_route_table_association"):
        table_keys = [t for t in plan.refs(assoc, "route_table_id") if t in tables]
        subnets = [s for s in plan.refs(assoc, "subnet_id") if key_type(s) == "aws_subnet"]
        for table in table_keys:
            for nat in tables[table]:
                for subnet in subnets:
                    served.setdefault(nat, set()).update(subnet_zones(plan, subnet))
    for nat_key, azs in sorted(served.items()):
        instances = plan.instances(nat_key)
        known = {z for z in azs if not z.startswith("?")}
        if instances and len(azs) > len(instances) >= len(known):
            yield Unseen(instances[0].address, "cannot tell whether the private subnets it "
                         "serves are in more AZs than it has NAT gateways: the AZ of "
                         f"{', '.join(sorted(z[1:] for z in azs - known))} is only known after "
                         "apply")
        elif instances and len(known) > len(instances):
            azs = known
            yield Hit(instances[0].address,
                      f"{len(instances)} NAT gateway{'s' if len(instances) > 1 else ''} "
                      f"serve{'s' if len(instances) == 1 else ''} private subnets in "
                      f"{len(azs)} AZs ({', '.join(sorted(azs))}): losing its AZ cuts every "
                      "private subnet off the internet")


def live(ctx: VerifyContext) -> Result:
    nats = nat_gateways(ctx)
    azs = set(subnet_azs(ctx, [n["SubnetId"] for n in nats]).values()) if nats else set()
    wanted = ctx.settings.azs
    if not ctx.profile.nat_per_az and nats and (trade := ctx.accepted_trade("FM-3.2")):
        return Result.na(f"{len(nats)} NAT gateway(s); {trade}")
    return Result.expect(len(azs) >= wanted, f"{len(nats)} NAT gateways in {len(azs)} AZs",
                         f"{len(nats)} NAT gateways in {len(azs)} AZs, {wanted} AZs need one "
                         "each")


cases = Cases()


@cases.fires("aws_nat_gateway.this[0]")
def one_nat_for_two_azs() -> Made:
    return network(nat_per_az=False), None


@cases.passes
def nat_per_az_by_count() -> Made:
    return network(nat_per_az=True), None


@cases.passes
def one_nat_for_subnets_in_one_az() -> Made:
    return network(nat_per_az=False, zones=("us-west-1a", "us-west-1a")), None


@cases.cannot_see("aws_nat_gateway.this[0]")
def one_nat_for_subnets_whose_az_is_read_at_apply() -> Made:
    return network(nat_per_az=False, zones=("us-west-1a", None)), None


@cases.live("pass")
def nat_in_each_az(world: World) -> dict[str, Any]:
    return world.network().outputs


@cases.live("fail")
def one_nat_in_production(world: World) -> dict[str, Any]:
    return world.network(nat_per_az=False).outputs


@cases.live("n/a", env="dev")
def one_nat_traded_by_dev(world: World) -> dict[str, Any]:
    return world.network(nat_per_az=False).outputs


ENTRY = Entry(
    id="FM-3.2", title="NAT gateway single point of failure", severity="high",
    failure="private route tables in several AZs share one NAT gateway: one AZ failure "
            "cuts all outbound traffic",
    fix="one NAT gateway per AZ with its own private route table (and gateway endpoints "
        "so AWS traffic bypasses NAT)",
    rule=Rule(types=(NAT, "aws_route", *ROUTE_TABLES, "aws_route_table_association",
                     "aws_subnet"), check=rule, cases=cases.plan),
    live=LiveCheck(live, cases=cases.lives),
)

"""The network: NAT per AZ (FM-3.2), VPC flow logs (FM-4.3), an S3 gateway endpoint so AWS
traffic does not pay NAT charges (FM-5.1)."""

from __future__ import annotations

from collections.abc import Iterator

from prodstack.audit.plan import UNKNOWN, Plan, Resource
from prodstack.audit.rules.base import AuditInput, Hit, Rule
from prodstack.audit.rules.edge import key_type

NAT = "aws_nat_gateway"
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


def _subnet_azs(plan: Plan, subnet_key: str) -> set[str]:
    azs = set()
    for subnet in plan.instances(subnet_key):
        zone = subnet.get("availability_zone")
        zone_id = subnet.get("availability_zone_id")
        if isinstance(zone, str) and zone:
            azs.add(zone)
        elif isinstance(zone_id, str) and zone_id:
            azs.add(zone_id)
    return azs


def nat_per_az(inp: AuditInput) -> Iterator[Hit]:
    plan = inp.plan
    tables = nat_route_tables(plan)
    served: dict[str, set[str]] = {}  # NAT key -> AZs of the subnets routed through it
    for assoc in plan.of("aws_route_table_association"):
        table_keys = [t for t in plan.refs(assoc, "route_table_id") if t in tables]
        subnets = [s for s in plan.refs(assoc, "subnet_id") if key_type(s) == "aws_subnet"]
        for table in table_keys:
            for nat in tables[table]:
                for subnet in subnets:
                    served.setdefault(nat, set()).update(_subnet_azs(plan, subnet))
    for nat_key, azs in sorted(served.items()):
        instances = plan.instances(nat_key)
        if instances and len(azs) > len(instances):
            yield Hit(instances[0].address,
                      f"{len(instances)} NAT gateway{'s' if len(instances) > 1 else ''} "
                      f"serve{'s' if len(instances) == 1 else ''} private subnets in "
                      f"{len(azs)} AZs ({', '.join(sorted(azs))}): losing its AZ cuts every "
                      "private subnet off the internet")


def flow_logs(inp: AuditInput) -> Iterator[Hit]:
    for vpc in inp.plan.of("aws_vpc"):
        if not inp.plan.referrers(vpc, "aws_flow_log", "vpc_id"):
            yield Hit(vpc.address, "no aws_flow_log for this VPC: rejected and unexpected "
                      "traffic leaves no trace")


def _s3_gateway(endpoint: Resource) -> bool:
    service = endpoint.get("service_name")
    kind = endpoint.effective("vpc_endpoint_type", "Gateway")
    service_ok = service is UNKNOWN or (isinstance(service, str) and service.endswith(".s3"))
    return service_ok and kind in ("Gateway", UNKNOWN, None)


def _routes_something(plan: Plan, endpoint: Resource) -> bool:
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


def s3_endpoint(inp: AuditInput) -> Iterator[Hit]:
    plan = inp.plan
    endpoints = [e for e in plan.of("aws_vpc_endpoint") if _s3_gateway(e)]
    reported: set[str] = set()
    for nat in plan.of(NAT):
        if nat.get("connectivity_type") == "private":
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


RULES = (
    Rule(
        id="FM-3.2", title="NAT gateway single point of failure", severity="high",
        types=(NAT, "aws_route", *ROUTE_TABLES, "aws_route_table_association", "aws_subnet"),
        failure="private route tables in several AZs share one NAT gateway: one AZ failure "
                "cuts all outbound traffic",
        fix="one NAT gateway per AZ with its own private route table (and gateway endpoints "
            "so AWS traffic bypasses NAT)",
        check=nat_per_az,
    ),
    Rule(
        id="FM-4.3", title="No VPC flow logs", severity="medium",
        types=("aws_vpc", "aws_flow_log"),
        failure="no VPC flow logs: no record of accepted or rejected traffic for an incident",
        fix="aws_flow_log on the VPC to CloudWatch Logs (or S3)",
        check=flow_logs,
    ),
    Rule(
        id="FM-5.1", title="NAT charges for S3 traffic", severity="low",
        types=(NAT, "aws_vpc", "aws_vpc_endpoint"),
        failure="traffic to S3 (and DynamoDB) goes through the NAT gateway and pays per GB",
        fix="S3 and DynamoDB gateway endpoints in the private route tables",
        check=s3_endpoint,
    ),
)

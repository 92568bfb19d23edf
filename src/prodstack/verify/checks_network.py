"""Live checks of the network: NAT per AZ, per-AZ routes, gateway endpoints, flow logs."""

from __future__ import annotations

from prodstack.verify.base import Result, VerifyContext, check


def _nats(ctx: VerifyContext) -> list[dict]:
    ec2 = ctx.client("ec2")
    nats = ec2.describe_nat_gateways(
        Filters=[{"Name": "vpc-id", "Values": [ctx.outputs["vpc_id"]]}])["NatGateways"]
    return [n for n in nats if n["State"] == "available"]


def _subnet_azs(ctx: VerifyContext, subnet_ids: list[str]) -> dict[str, str]:
    subnets = ctx.client("ec2").describe_subnets(SubnetIds=subnet_ids)["Subnets"]
    return {s["SubnetId"]: s["AvailabilityZone"] for s in subnets}


@check("FM-3.2", "One NAT gateway per AZ")
def nat_per_az(ctx: VerifyContext) -> Result:
    nats = _nats(ctx)
    azs = set(_subnet_azs(ctx, [n["SubnetId"] for n in nats]).values()) if nats else set()
    wanted = ctx.settings.azs
    if not ctx.profile.nat_per_az:
        trade = ctx.accepted_trade("FM-3.2")
        if len(nats) >= 1 and trade:
            return Result.na(f"{len(nats)} NAT gateway(s); {trade}")
    return Result.expect(len(azs) >= wanted, f"{len(nats)} NAT gateways in {len(azs)} AZs",
                         f"{len(nats)} NAT gateways in {len(azs)} AZs, {wanted} AZs need one each")


@check("NET-ROUTES", "Each app subnet routes to the internet through its own AZ's NAT")
def per_az_routes(ctx: VerifyContext) -> Result:
    ec2 = ctx.client("ec2")
    subnet_ids = ctx.outputs["app_subnet_ids"]
    subnet_az = _subnet_azs(ctx, subnet_ids)
    nat_az = {n["NatGatewayId"]: _subnet_azs(ctx, [n["SubnetId"]])[n["SubnetId"]]
              for n in _nats(ctx)}
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
    return Result.expect(not problems, f"{len(subnet_ids)} app subnets route through NAT "
                         "in their own AZ" if ctx.profile.nat_per_az else
                         f"{len(subnet_ids)} app subnets route through the shared NAT",
                         "; ".join(problems))


@check("FM-5.1", "S3 and DynamoDB gateway endpoints on the private route tables")
def gateway_endpoints(ctx: VerifyContext) -> Result:
    endpoints = ctx.client("ec2").describe_vpc_endpoints(
        Filters=[{"Name": "vpc-id", "Values": [ctx.outputs["vpc_id"]]}])["VpcEndpoints"]
    services = {e["ServiceName"].rsplit(".", 1)[-1]: e for e in endpoints
                if e.get("VpcEndpointType") == "Gateway"}
    missing = [s for s in ("s3", "dynamodb") if s not in services]
    empty = [s for s, e in services.items() if not e.get("RouteTableIds")]
    return Result.expect(not missing and not empty,
                         "S3 and DynamoDB gateway endpoints with route tables",
                         f"missing: {missing or '-'}; without route tables: {empty or '-'}")


@check("FM-4.3", "VPC flow logs are active")
def flow_logs(ctx: VerifyContext) -> Result:
    logs = ctx.client("ec2").describe_flow_logs(
        Filters=[{"Name": "resource-id", "Values": [ctx.outputs["vpc_id"]]}])["FlowLogs"]
    active = [f for f in logs if f.get("FlowLogStatus", "ACTIVE") == "ACTIVE"]
    return Result.expect(bool(active), f"{len(active)} active flow log(s) on the VPC",
                         f"no flow log on {ctx.outputs['vpc_id']}")

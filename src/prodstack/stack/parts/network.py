"""Network: VPC, subnets per AZ and tier, NAT per AZ, endpoints, flow logs, security groups.

Fixes FM-3.2 (one NAT gateway per AZ, each AZ's app subnet routes through its own NAT),
FM-5.1 (S3 and DynamoDB gateway endpoints keep AWS-bound traffic off the NAT) and
FM-4.3 (VPC flow logs to an encrypted CloudWatch Logs group). The ALB reaches the web tier on
the application's port (`app_port`, HTTP_PORT by default).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from prodstack.config.limits import DB_PORT, HTTP_PORT, HTTPS_PORT
from prodstack.config.settings import SUBNET_NEWBITS
from prodstack.stack.context import Context
from prodstack.stack.parts.foundation import Base
from prodstack.stack.parts.iam import service_role
from prodstack.stack.parts.keys import Keys
from prodstack.tf.document import Block, policy_document

TIERS = ("public", "app", "db")


@dataclass(frozen=True)
class SecurityGroups:
    alb: Block
    web: Block
    db: Block


@dataclass(frozen=True)
class Network:
    vpc: Block
    public_subnets: list[Block]
    app_subnets: list[Block]
    db_subnets: list[Block]
    nat_gateways: list[Block]
    security_groups: SecurityGroups
    flow_log: Block


def subnet_cidrs(vpc_cidr: str, azs: int) -> dict[str, list[str]]:
    """Per tier, one CIDR per AZ: public from slot 0, app from slot 5, db from slot 10."""
    slots = list(ipaddress.IPv4Network(vpc_cidr).subnets(prefixlen_diff=SUBNET_NEWBITS))
    return {tier: [str(slots[5 * t + i]) for i in range(azs)] for t, tier in enumerate(TIERS)}


def build(ctx: Context, r: Base, keys: Keys) -> Network:
    doc, s = ctx.doc, ctx.settings
    vpc = doc.resource(
        "aws_vpc", "main",
        cidr_block=s.vpc_cidr,
        enable_dns_support=True,
        enable_dns_hostnames=True,
        tags=ctx.tags("vpc"),
    )
    # The default security group of the VPC is emptied: nothing may rely on it (CKV2_AWS_12).
    doc.resource("aws_default_security_group", "default", vpc_id=vpc.id,
                 tags=ctx.tags("default-closed"))
    igw = doc.resource("aws_internet_gateway", "main", vpc_id=vpc.id, tags=ctx.tags("igw"))
    cidrs = subnet_cidrs(s.vpc_cidr, s.azs)
    public_subnets: list[Block] = []
    app_subnets: list[Block] = []
    db_subnets: list[Block] = []
    for i in range(s.azs):
        az = r.az_names[i]
        public_subnets.append(doc.resource(
            "aws_subnet", f"public_{i}", vpc_id=vpc.id, cidr_block=cidrs["public"][i],
            availability_zone=az, map_public_ip_on_launch=False,
            tags=ctx.tags(f"public-{i}", tier="public"),
        ))
        app_subnets.append(doc.resource(
            "aws_subnet", f"app_{i}", vpc_id=vpc.id, cidr_block=cidrs["app"][i],
            availability_zone=az, tags=ctx.tags(f"app-{i}", tier="app"),
        ))
        db_subnets.append(doc.resource(
            "aws_subnet", f"db_{i}", vpc_id=vpc.id, cidr_block=cidrs["db"][i],
            availability_zone=az, tags=ctx.tags(f"db-{i}", tier="db"),
        ))

    public_rt = doc.resource("aws_route_table", "public", vpc_id=vpc.id,
                             tags=ctx.tags("public"))
    doc.resource("aws_route", "public_internet", route_table_id=public_rt.id,
                 destination_cidr_block="0.0.0.0/0", gateway_id=igw.id)
    for i, subnet in enumerate(public_subnets):
        doc.resource("aws_route_table_association", f"public_{i}", subnet_id=subnet.id,
                     route_table_id=public_rt.id)

    nat_count = s.azs if ctx.profile.nat_per_az else 1
    nat_gateways: list[Block] = []
    for i in range(nat_count):
        eip = doc.resource("aws_eip", f"nat_{i}", domain="vpc", tags=ctx.tags(f"nat-{i}"),
                           depends_on=[igw])
        nat_gateways.append(doc.resource(
            "aws_nat_gateway", f"az_{i}", allocation_id=eip.id,
            subnet_id=public_subnets[i].id, tags=ctx.tags(f"nat-{i}"), depends_on=[igw],
        ))

    private_rts: list[Block] = []
    for i in range(s.azs):
        rt = doc.resource("aws_route_table", f"app_{i}", vpc_id=vpc.id,
                          tags=ctx.tags(f"app-{i}"))
        nat = nat_gateways[i if ctx.profile.nat_per_az else 0]
        doc.resource("aws_route", f"app_{i}_nat", route_table_id=rt.id,
                     destination_cidr_block="0.0.0.0/0", nat_gateway_id=nat.id)
        doc.resource("aws_route_table_association", f"app_{i}", subnet_id=app_subnets[i].id,
                     route_table_id=rt.id)
        private_rts.append(rt)
    db_rt = doc.resource("aws_route_table", "db", vpc_id=vpc.id, tags=ctx.tags("db"))
    for i, subnet in enumerate(db_subnets):
        doc.resource("aws_route_table_association", f"db_{i}", subnet_id=subnet.id,
                     route_table_id=db_rt.id)

    for service in ("s3", "dynamodb"):
        doc.resource(
            "aws_vpc_endpoint", service, vpc_id=vpc.id,
            service_name=f"com.amazonaws.{r.region}.{service}", vpc_endpoint_type="Gateway",
            route_table_ids=[rt.id for rt in [*private_rts, db_rt]],
            tags=ctx.tags(f"{service}-endpoint"),
        )

    return Network(vpc=vpc, public_subnets=public_subnets, app_subnets=app_subnets,
                   db_subnets=db_subnets, nat_gateways=nat_gateways,
                   flow_log=_flow_logs(ctx, r, keys, vpc),
                   security_groups=_security_groups(ctx, vpc))


def _flow_logs(ctx: Context, r: Base, keys: Keys, vpc: Block) -> Block:
    doc = ctx.doc
    name = ctx.names.flow_log_group
    group = doc.resource(
        "aws_cloudwatch_log_group", "flow_logs", name=name,
        retention_in_days=ctx.profile.log_retention_days, kms_key_id=keys.logs.arn,
        tags=ctx.tags("flow-logs"),
    )
    group_arn = r.log_group_arn(name)
    role = service_role(ctx, r, "flow_logs", "vpc-flow-logs.amazonaws.com", condition={
        "StringEquals": {"aws:SourceAccount": r.account_id}})
    write = doc.resource(
        "aws_iam_role_policy", "flow_logs", name="write-flow-logs", role=role.id,
        policy=policy_document({
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups",
                       "logs:DescribeLogStreams"],
            "Resource": [group_arn, group_arn + ":*"],
        }),
    )
    return doc.resource(
        "aws_flow_log", "vpc", vpc_id=vpc.id, traffic_type="ALL",
        log_destination_type="cloud-watch-logs", log_destination=group.arn,
        iam_role_arn=role.arn, max_aggregation_interval=60, tags=ctx.tags("flow-log"),
        depends_on=[write],  # the role may write the group before the flow log exists
    )


def _security_groups(ctx: Context, vpc: Block) -> SecurityGroups:
    doc = ctx.doc
    alb = doc.resource("aws_security_group", "alb", name=ctx.name("alb"), vpc_id=vpc.id,
                            description="Internet-facing ALB: HTTP and HTTPS in",
                            tags=ctx.tags("alb"))
    web = doc.resource("aws_security_group", "web", name=ctx.name("web"), vpc_id=vpc.id,
                            description="Web tier: HTTP from the ALB only",
                            tags=ctx.tags("web"))
    db = doc.resource("aws_security_group", "db", name=ctx.name("db"), vpc_id=vpc.id,
                           description="Database: PostgreSQL from the web tier only",
                           tags=ctx.tags("db"))
    app_port = ctx.settings.effective_app_port
    rules = [
        ("ingress", "alb_https", alb, HTTPS_PORT, {"cidr_ipv4": "0.0.0.0/0"},
         "HTTPS from anywhere"),
        ("ingress", "alb_http", alb, HTTP_PORT, {"cidr_ipv4": "0.0.0.0/0"},
         "HTTP from anywhere, redirected to HTTPS"),
        ("egress", "alb_to_web", alb, app_port, {"referenced_security_group_id": web.id},
         "ALB to web tier"),
        ("ingress", "web_from_alb", web, app_port, {"referenced_security_group_id": alb.id},
         "HTTP from the ALB"),
        ("egress", "web_https", web, HTTPS_PORT, {"cidr_ipv4": "0.0.0.0/0"},
         "HTTPS out through NAT and endpoints (SSM, packages, CloudWatch)"),
        ("egress", "web_to_db", web, DB_PORT, {"referenced_security_group_id": db.id},
         "PostgreSQL to the database"),
        ("ingress", "db_from_web", db, DB_PORT, {"referenced_security_group_id": web.id},
         "PostgreSQL from the web tier"),
    ]
    for direction, name, sg, port, peer, description in rules:
        doc.resource(
            f"aws_vpc_security_group_{direction}_rule", name, security_group_id=sg.id,
            ip_protocol="tcp", from_port=port, to_port=port, description=description, **peer,
            tags=ctx.tags(name.replace("_", "-")),
        )
    return SecurityGroups(alb=alb, web=web, db=db)

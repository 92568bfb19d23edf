"""Stack outputs, and `local.prodstack`: what the stack shows to the rest of the world.

Outputs: what `prodstack outputs` prints, and what verify, deploy, backup and teardown read
(names included, so that none of them rebuilds a name). `local.prodstack`: the stable names a
user's own Terraform (`extra_config`) references, e.g. `local.prodstack.vpc_id`; `LOCALS` lists
them, docs/application.md documents them, and a test holds the two together.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from prodstack.config.naming import LOCALS_NAME
from prodstack.config.userdata import PAGE_MARKER
from prodstack.stack.context import Context
from prodstack.stack.parts.foundation import default_tags

if TYPE_CHECKING:
    from prodstack.stack.built import Stack


def build(ctx: Context, stack: Stack) -> None:
    out, s = ctx.doc.output, ctx.settings
    edge, net, web = stack.edge, stack.network, stack.webtier
    db, storage, mon = stack.database.instance, stack.storage, stack.monitoring
    domain = s.effective_domain
    out("environment", s.env, "The environment profile")
    out("region", s.region, "The AWS region")
    out("url", f"https://{domain}/" if domain else "https://" + edge.alb["dns_name"] + "/",
        "The site's HTTPS address")
    out("http_url", f"http://{domain}/" if domain else "http://" + edge.alb["dns_name"] + "/",
        "The site's plain HTTP address (redirects to HTTPS)")
    host = domain or edge.alb["dns_name"]
    out("health_check_url", f"https://{host}{s.health_check_path}",
        "The application's health check, through the load balancer")
    out("page_marker", PAGE_MARKER if stack.application.demo_page else "",
        "What the demo page says (empty when your application runs)")
    out("app_parameter_path", stack.application.path,
        "SSM path of the application's configuration (written to app.env)")
    out("alb_dns_name", edge.alb["dns_name"], "The load balancer's DNS name")
    out("alb_arn", edge.alb.arn, "The load balancer")
    out("https_listener_arn", edge.https_listener.arn, "The HTTPS listener (weighted forward)")
    out("http_listener_arn", edge.http_listener.arn, "The HTTP listener (redirect)")
    out("target_groups", {c: tg.arn for c, tg in edge.target_groups.items()},
        "Blue and green target groups")
    out("web_acl_arn", edge.web_acl.arn, "The WAF web ACL")
    out("asg_names", {c: asg.name_attr for c, asg in web.asgs.items()}, "Blue and green ASGs")
    out("launch_template_id", web.launch_template.id, "The web tier launch template")
    out("release_parameter", web.release["name"], "The release record (live colour, versions)")
    out("vpc_id", net.vpc.id, "The VPC")
    out("nat_gateway_ids", [n.id for n in net.nat_gateways], "NAT gateways, one per AZ")
    out("app_subnet_ids", [sn.id for sn in net.app_subnets], "Web tier subnets, one per AZ")
    out("flow_log_id", net.flow_log.id, "The VPC flow log")
    out("db_identifier", db["identifier"], "The RDS instance")
    out("db_endpoint", db["endpoint"], "The database endpoint (private)")
    out("db_secret_arn", stack.database.secret_arn,
        "The master password's secret, managed by RDS")
    out("alarm_topic_arn", mon.topic.arn, "SNS topic every alarm notifies")
    out("alarm_names", [a["alarm_name"] for a in mon.alarms.values()], "Every alarm")
    out("dashboard_name", ctx.names.dashboard, "The CloudWatch dashboard")
    out("deploy_gate_alarms", {c: [a["alarm_name"] for a in alarms]
                               for c, alarms in mon.gate_alarms.items()},
        "Per colour, the alarms the deploy's health gate checks")
    out("buckets", {"logs": storage.logs.bucket.id, "audit": storage.audit.bucket.id,
                    "data": storage.data.bucket.id}, "S3 buckets")
    out("trail_name", stack.audit.trail["name"], "The CloudTrail trail")
    recorder = stack.audit.recorder
    out("recorder_name", recorder["name"] if recorder else "",
        "The AWS Config recorder (empty when the account has its own)")
    out("maintenance_window_id", stack.operations.maintenance_window.id,
        "The patching maintenance window")
    out("backup_plan_id", stack.operations.backup_plan.id, "The database backup plan")
    build_locals(ctx, stack)


# local.prodstack: key -> what it is (docs/application.md lists the same keys).
LOCALS = {
    "name_prefix": "prefix of prodstack's resource names (`<project>-<env>`)",
    "tags": "prodstack's default tags (the provider adds them to every resource already)",
    "region": "the AWS region",
    "account_id": "the AWS account id",
    "vpc_id": "the VPC",
    "public_subnet_ids": "public subnets, one per AZ",
    "app_subnet_ids": "web tier (application) subnets, one per AZ",
    "db_subnet_ids": "database subnets, one per AZ",
    "alb_arn": "the load balancer",
    "alb_arn_suffix": "the load balancer's ARN suffix (CloudWatch dimensions)",
    "https_listener_arn": "the HTTPS listener (add listener rules to it)",
    "alb_security_group_id": "the load balancer's security group",
    "web_security_group_id": "the web tier's security group",
    "db_security_group_id": "the database's security group",
    "web_role_name": "the instances' IAM role (attach your policies to it)",
    "app_parameter_path": "SSM path whose parameters the bootstrap writes to app.env "
                          "(add yours under it)",
    "data_bucket": "the application's data bucket (name)",
    "data_bucket_arn": "the application's data bucket (ARN)",
    "logs_key_arn": "KMS key for logs and notifications",
    "data_key_arn": "KMS key for data (EBS, RDS, S3 data, backups)",
    "alarm_topic_arn": "SNS topic every alarm notifies",
    "db_secret_arn": "the database's RDS-managed secret (user name and password)",
}


def exported(ctx: Context, stack: Stack) -> dict[str, Any]:
    """The value of `local.prodstack`, key by key as `LOCALS` lists them."""
    net, sgs, keys = stack.network, stack.network.security_groups, stack.keys
    data = stack.storage.data.bucket
    values: dict[str, Any] = {
        "name_prefix": ctx.names.prefix,
        "tags": default_tags(ctx),
        "region": stack.base.region,
        "account_id": stack.base.account_id,
        "vpc_id": net.vpc.id,
        "public_subnet_ids": [sn.id for sn in net.public_subnets],
        "app_subnet_ids": [sn.id for sn in net.app_subnets],
        "db_subnet_ids": [sn.id for sn in net.db_subnets],
        "alb_arn": stack.edge.alb.arn,
        "alb_arn_suffix": stack.edge.alb["arn_suffix"],
        "https_listener_arn": stack.edge.https_listener.arn,
        "alb_security_group_id": sgs.alb.id,
        "web_security_group_id": sgs.web.id,
        "db_security_group_id": sgs.db.id,
        "web_role_name": stack.webtier.role.name_attr,
        "app_parameter_path": stack.application.path,
        "data_bucket": data.id,
        "data_bucket_arn": data.arn,
        "logs_key_arn": keys.logs.arn,
        "data_key_arn": keys.data.arn,
        "alarm_topic_arn": stack.monitoring.topic.arn,
        "db_secret_arn": stack.database.secret_arn,
    }
    assert list(values) == list(LOCALS)
    return values


def build_locals(ctx: Context, stack: Stack) -> None:
    ctx.doc.locals[LOCALS_NAME] = exported(ctx, stack)

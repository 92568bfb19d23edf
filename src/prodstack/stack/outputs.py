"""Stack outputs: what `prodstack outputs` prints, and what verify, deploy, backup and
teardown read (names included, so that none of them rebuilds a name)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from prodstack.stack.context import Context

if TYPE_CHECKING:
    from prodstack.stack import Stack


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

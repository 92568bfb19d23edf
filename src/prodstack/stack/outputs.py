"""Stack outputs: what `prodstack outputs` prints and what verify and operations read."""

from __future__ import annotations

from prodstack.stack.context import StackContext


def build(ctx: StackContext) -> None:
    doc, r, s = ctx.doc, ctx.refs, ctx.settings
    out = doc.output
    out("environment", s.env, "The environment profile")
    out("region", s.region, "The AWS region")
    out("url", f"https://{s.effective_domain}/" if s.effective_domain
        else "https://" + r.alb["dns_name"] + "/", "The site's HTTPS address")
    out("alb_dns_name", r.alb["dns_name"], "The load balancer's DNS name")
    out("alb_arn", r.alb.arn, "The load balancer")
    out("https_listener_arn", r.https_listener.arn, "The HTTPS listener (weighted forward)")
    out("target_groups", {c: tg.arn for c, tg in r.target_groups.items()},
        "Blue and green target groups")
    out("asg_names", {c: asg.name_attr for c, asg in r.asgs.items()}, "Blue and green ASGs")
    out("vpc_id", r.vpc.id, "The VPC")
    out("nat_gateway_ids", [n.id for n in r.nat_gateways], "NAT gateways, one per AZ")
    out("db_identifier", r.db["identifier"], "The RDS instance")
    out("db_endpoint", r.db["endpoint"], "The database endpoint (private)")
    out("db_secret_arn", r.db["master_user_secret[0].secret_arn"],
        "The master password's secret, managed by RDS")
    out("alarm_topic_arn", r.topic.arn, "SNS topic every alarm notifies")
    out("buckets", {"logs": r.log_bucket.id, "audit": r.audit_bucket.id,
                    "data": r.data_bucket.id}, "S3 buckets")
    out("trail_name", ctx.name("trail"), "The CloudTrail trail")
    out("app_subnet_ids", [sn.id for sn in r.app_subnets], "Web tier subnets, one per AZ")
    out("http_listener_arn", "${aws_lb_listener.http.arn}", "The HTTP listener (redirect)")
    out("web_acl_arn", "${aws_wafv2_web_acl.web.arn}", "The WAF web ACL")
    out("launch_template_id", "${aws_launch_template.web.id}", "The web tier launch template")
    out("flow_log_id", "${aws_flow_log.vpc.id}", "The VPC flow log")
    out("recorder_name", ctx.name("recorder") if s.config_recorder else "",
        "The AWS Config recorder (empty when the account has its own)")
    out("maintenance_window_id", "${aws_ssm_maintenance_window.patching.id}",
        "The patching maintenance window")
    out("release_parameter", r.release["name"], "The release record (live colour, versions)")
    out("backup_plan_id", "${aws_backup_plan.main.id}", "The database backup plan")

"""Edge: ACM certificate that validates, internet-facing ALB, listeners, target groups, WAF.

Fixes FM-1.1 (DNS validation records and `aws_acm_certificate_validation`; the HTTPS listener
uses the *validated* ARN, or a certificate the user already has), FM-2.1 (WAFv2 ACL with a
per-IP rate rule and AWS managed rule groups, associated with the ALB), FM-X7 (TLS 1.3
policy), FM-6.1 (blue and green target groups behind a weighted forward). The target groups
send to the application's port and check its health path with its matcher (`app_port`,
`health_check_path`, `health_check_matcher`; the demo page's by default).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from prodstack.config.limits import HTTP_PORT, HTTPS_PORT
from prodstack.stack.context import Context
from prodstack.stack.parts.foundation import Base
from prodstack.stack.parts.keys import Keys
from prodstack.stack.parts.network import Network
from prodstack.stack.parts.storage import ALB_LOG_PREFIX, Storage
from prodstack.tf.document import Block, expr, policy_document

TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
COLOURS = ("blue", "green")
LIVE_COLOUR = "blue"
RATE_LIMIT_PER_5_MIN = 2000
MANAGED_RULE_GROUPS = (
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesSQLiRuleSet",
)


@dataclass(frozen=True)
class Edge:
    alb: Block
    http_listener: Block
    https_listener: Block
    target_groups: dict[str, Block]
    web_acl: Block


def build(ctx: Context, r: Base, keys: Keys, net: Network, storage: Storage) -> Edge:
    doc, s = ctx.doc, ctx.settings
    certificate_arn = s.certificate_arn or _certificate(ctx, r)
    alb = doc.resource(
        "aws_lb", "web", name=ctx.name("alb"), load_balancer_type="application",
        internal=False, security_groups=[net.security_groups.alb.id],
        subnets=[sn.id for sn in net.public_subnets],
        drop_invalid_header_fields=True,
        enable_deletion_protection=ctx.profile.alb_deletion_protection,
        desync_mitigation_mode="strictest",
        access_logs=[{"bucket": storage.logs.bucket.id, "prefix": ALB_LOG_PREFIX,
                      "enabled": True}],
        tags=ctx.tags("alb"),
        depends_on=[storage.logs.policy],
    )
    target_groups: dict[str, Block] = {}
    for colour in COLOURS:
        target_groups[colour] = doc.resource(
            "aws_lb_target_group", colour, name=ctx.name(f"web-{colour}"),
            port=s.effective_app_port, protocol="HTTP", vpc_id=net.vpc.id,
            target_type="instance", deregistration_delay=30,
            health_check=[{"enabled": True, "path": s.health_check_path,
                           "matcher": s.health_check_matcher, "interval": 15,
                           "healthy_threshold": 2, "unhealthy_threshold": 3, "timeout": 5}],
            tags=ctx.tags(f"web-{colour}", colour=colour),
        )
    http = doc.resource(
        "aws_lb_listener", "http", load_balancer_arn=alb.arn, port=HTTP_PORT, protocol="HTTP",
        default_action=[{"type": "redirect", "redirect": [
            {"protocol": "HTTPS", "port": str(HTTPS_PORT), "status_code": "HTTP_301"}]}],
        tags=ctx.tags("http"),
    )
    weights = {c: (100 if c == LIVE_COLOUR else 0) for c in COLOURS}
    https = doc.resource(
        "aws_lb_listener", "https", load_balancer_arn=alb.arn, port=HTTPS_PORT,
        protocol="HTTPS",
        ssl_policy=TLS_POLICY, certificate_arn=certificate_arn,
        default_action=[{"type": "forward", "forward": [{
            "target_group": [{"arn": target_groups[c].arn, "weight": weights[c]}
                             for c in COLOURS],
            "stickiness": [{"enabled": False, "duration": 1}],
        }]}],
        tags=ctx.tags("https"),
        # The live colour and the weights belong to `prodstack deploy`: Terraform sets them
        # once and never undoes a deploy.
        lifecycle={"ignore_changes": ["default_action"]},
    )
    if r.hosted_zone_id and s.effective_domain:
        _latency_record(ctx, r, alb)
    return Edge(alb=alb, http_listener=http, https_listener=https, target_groups=target_groups,
                web_acl=_waf(ctx, r, keys, alb))


def _latency_record(ctx: Context, r: Base, alb: Block) -> None:
    """A latency record per region (a second region of the same site adds its own record for
    the same name instead of colliding with the first one's), answered while this region's
    application answers its health check. Not `evaluate_target_health`: Route 53 counts a
    target group with no registered targets as unhealthy, and the idle colour's group is
    always empty, so every region would look unhealthy and all would be answered (Route 53,
    "How health checks work when you use alias records"). A Route 53 health check of the
    region's own load balancer says what a user would get."""
    doc, s = ctx.doc, ctx.settings
    check = doc.resource(
        "aws_route53_health_check", "site", type="HTTPS", fqdn=alb["dns_name"], port=443,
        resource_path=s.health_check_path, request_interval=30, failure_threshold=3,
        enable_sni=True, measure_latency=False, tags=ctx.tags("site-health"),
    )
    doc.resource(
        "aws_route53_record", "site", zone_id=r.hosted_zone_id, name=s.effective_domain,
        type="A", set_identifier=r.region, latency_routing_policy=[{"region": r.region}],
        health_check_id=check.id,
        alias=[{"name": alb["dns_name"], "zone_id": alb["zone_id"],
                "evaluate_target_health": False}],
    )


def _certificate(ctx: Context, r: Base) -> str:
    doc, s = ctx.doc, ctx.settings
    domain = s.effective_domain
    cert = doc.resource(
        "aws_acm_certificate", "site", domain_name=domain, validation_method="DNS",
        key_algorithm="RSA_2048", tags=ctx.tags("certificate"),
        lifecycle={"create_before_destroy": True},
    )
    doc.resource(
        "aws_route53_record", "certificate_validation",
        for_each=expr(
            "{ for o in aws_acm_certificate.site.domain_validation_options : "
            "o.domain_name => { name = o.resource_record_name, "
            "type = o.resource_record_type, value = o.resource_record_value } }"
        ),
        zone_id=r.hosted_zone_id, name=expr("each.value.name"), type=expr("each.value.type"),
        records=[expr("each.value.value")], ttl=300, allow_overwrite=True,
    )
    validation = doc.resource(
        "aws_acm_certificate_validation", "site", certificate_arn=cert.arn,
        validation_record_fqdns=expr(
            "[for rec in aws_route53_record.certificate_validation : rec.fqdn]"),
        timeouts={"create": "45m"},
    )
    return validation["certificate_arn"]


def _waf(ctx: Context, r: Base, keys: Keys, alb: Block) -> Block:
    doc = ctx.doc
    rules: list[dict[str, Any]] = [{
        "name": "rate-limit-per-ip", "priority": 0, "action": [{"block": [{}]}],
        "statement": [{"rate_based_statement": [
            {"limit": RATE_LIMIT_PER_5_MIN, "aggregate_key_type": "IP"}]}],
        "visibility_config": [_visibility(ctx, "rate-limit")],
    }]
    for i, group in enumerate(MANAGED_RULE_GROUPS, start=1):
        rules.append({
            "name": group, "priority": i, "override_action": [{"none": [{}]}],
            "statement": [{"managed_rule_group_statement": [
                {"name": group, "vendor_name": "AWS"}]}],
            "visibility_config": [_visibility(ctx, group)],
        })
    acl = doc.resource(
        "aws_wafv2_web_acl", "web", name=ctx.name("web"), scope="REGIONAL",
        description="Rate limit per IP and AWS managed rules in front of the ALB",
        default_action=[{"allow": [{}]}], rule=rules,
        visibility_config=[_visibility(ctx, "web-acl")], tags=ctx.tags("web-acl"),
    )
    doc.resource("aws_wafv2_web_acl_association", "web", resource_arn=alb.arn,
                 web_acl_arn=acl.arn)
    name = ctx.names.waf_log_group  # WAF accepts no other group name
    group = doc.resource(
        "aws_cloudwatch_log_group", "waf", name=name,
        retention_in_days=ctx.profile.log_retention_days, kms_key_id=keys.logs.arn,
        tags=ctx.tags("waf-logs"),
    )
    # WAF writes through CloudWatch Logs' log delivery, which needs a resource policy on the
    # group. WAF would create one itself, outside Terraform, if the caller may; this one is
    # managed, scoped to this group and this account.
    delivery = doc.resource(
        "aws_cloudwatch_log_resource_policy", "waf", policy_name=ctx.name("waf-log-delivery"),
        policy_document=policy_document({
            "Sid": "WafLogDelivery", "Effect": "Allow",
            "Principal": {"Service": "delivery.logs.amazonaws.com"},
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"{r.log_group_arn(name)}:log-stream:*",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": r.account_id},
                "ArnLike": {"aws:SourceArn":
                            f"arn:{r.partition}:logs:{r.region}:{r.account_id}:*"}}}),
    )
    doc.resource("aws_wafv2_web_acl_logging_configuration", "web",
                 resource_arn=acl.arn, log_destination_configs=[group.arn],
                 depends_on=[delivery])
    return acl


def _visibility(ctx: Context, metric: str) -> dict[str, Any]:
    return {"cloudwatch_metrics_enabled": True, "sampled_requests_enabled": True,
            "metric_name": ctx.name(metric)[:128]}

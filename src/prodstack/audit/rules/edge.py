"""The edge: certificate that validates (FM-1.1), WAF in front of the ALB (FM-2.1), a current
TLS policy (FM-X7), a deployment strategy with a second target group (FM-6.1)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from prodstack.audit.plan import UNKNOWN, Plan, Resource
from prodstack.audit.rules.base import AuditInput, Hit, Rule

PLACEHOLDER_DOMAINS = ("example.com", "example.org", "example.net")
LB_TYPES = ("aws_lb", "aws_alb")
LISTENER_TYPES = ("aws_lb_listener", "aws_alb_listener")
TG_TYPES = ("aws_lb_target_group", "aws_alb_target_group")
_CURRENT_TLS = re.compile(r"^ELBSecurityPolicy-TLS13-1-[23]-")


def key_type(config_key: str) -> str:
    parts = config_key.split(".")
    return parts[-2] if len(parts) >= 2 else ""


def _placeholder(domain: str) -> bool:
    d = domain.lower().rstrip(".").lstrip("*.")
    return any(d == p or d.endswith("." + p) for p in PLACEHOLDER_DOMAINS)


def _certificates_used(plan: Plan, listener: Resource) -> list[Resource]:
    certs = plan.linked(listener, ("certificate_arn",), "aws_acm_certificate")
    for validation in plan.linked(listener, ("certificate_arn",),
                                  "aws_acm_certificate_validation"):
        certs += plan.linked(validation, ("certificate_arn",), "aws_acm_certificate")
    return certs


def certificate_validates(inp: AuditInput) -> Iterator[Hit]:
    plan = inp.plan
    users: dict[str, list[str]] = {}
    for listener in plan.of(*LISTENER_TYPES, "aws_lb_listener_certificate"):
        for cert in _certificates_used(plan, listener):
            users.setdefault(cert.address, []).append(listener.address)
    for cert in plan.of("aws_acm_certificate"):
        domains = cert.strings("domain_name") + cert.strings("subject_alternative_names")
        bad = sorted({d for d in domains if _placeholder(d)})
        if bad:
            used = users.get(cert.address)
            where = f"; used by {', '.join(used)}" if used else ""
            yield Hit(cert.address, f"certificate for placeholder domain {', '.join(bad)} can "
                      f"never validate{where}")
            continue
        if cert.get("validation_method") != "DNS":
            continue
        if not plan.referrers(cert, "aws_acm_certificate_validation", "certificate_arn"):
            yield Hit(cert.address, "DNS-validated certificate without an "
                      "aws_acm_certificate_validation: nothing waits for it to be issued, so "
                      "HTTPS fails while it stays PENDING_VALIDATION")


def _has_rate_rule(acl: Resource) -> bool | None:
    rules = acl.get("rule")
    rule_json = acl.get("rule_json")
    if isinstance(rule_json, str) and "RateBasedStatement" in rule_json:
        return True
    if rules is UNKNOWN or rule_json is UNKNOWN:
        return None
    for rule in _dicts(rules):
        for statement in _dicts(rule.get("statement")):
            if statement.get("rate_based_statement") or \
                    statement.get("rule_group_reference_statement"):
                return True
    return False


def internet_facing_albs(plan: Plan) -> Iterator[Resource]:
    for lb in plan.of(*LB_TYPES):
        if lb.get("load_balancer_type") in ("application", None) and \
                lb.get("internal") in (False, None):
            yield lb


def waf_in_front(inp: AuditInput) -> Iterator[Hit]:
    plan = inp.plan
    for lb in internet_facing_albs(plan):
        associations = plan.referrers(lb, "aws_wafv2_web_acl_association", "resource_arn")
        if not associations:
            yield Hit(lb.address, "internet-facing ALB with no WAFv2 web ACL associated: no "
                      "rate limit, no managed rules between the internet and the app")
            continue
        for assoc in associations:
            for acl in plan.linked(assoc, ("web_acl_arn",), "aws_wafv2_web_acl"):
                if _has_rate_rule(acl) is False:
                    yield Hit(acl.address, f"the web ACL in front of {lb.address} has no "
                              "rate-based rule: one client can flood the ALB")


def current_tls_policy(inp: AuditInput) -> Iterator[Hit]:
    for listener in inp.plan.of(*LISTENER_TYPES):
        if listener.get("protocol") not in ("HTTPS", "TLS"):
            continue
        policy = listener.get("ssl_policy")
        if isinstance(policy, str) and policy and not _CURRENT_TLS.match(policy):
            yield Hit(listener.address, f"ssl_policy {policy} is older than the TLS 1.2-2021 "
                      "family (or allows TLS below 1.2)")


def _target_groups(plan: Plan, lb: Resource) -> set[str]:
    keys: set[str] = set()
    for listener in [r for t in LISTENER_TYPES for r in plan.referrers(lb, t,
                                                                     "load_balancer_arn")]:
        keys |= plan.refs(listener, "default_action")
        for rule in plan.referrers(listener, "aws_lb_listener_rule", "listener_arn"):
            keys |= plan.refs(rule, "action")
    return {k for k in keys if key_type(k) in TG_TYPES}


def _deployment_strategy(plan: Plan) -> bool:
    for group in plan.of("aws_codedeploy_deployment_group"):
        style = group.get("deployment_style", "deployment_type")
        if style == "BLUE_GREEN" or group.get("blue_green_deployment_config"):
            return True
    return any(asg.get("instance_refresh", "preferences", "auto_rollback") is True
               for asg in plan.of("aws_autoscaling_group"))


def second_target_group(inp: AuditInput) -> Iterator[Hit]:
    plan = inp.plan
    if _deployment_strategy(plan):
        return
    for lb in plan.of(*LB_TYPES):
        keys = _target_groups(plan, lb)
        count = sum(len(plan.instances(k)) for k in keys)
        if count == 1:
            yield Hit(lb.address, f"one target group ({', '.join(sorted(keys))}) and no "
                      "deployment strategy: a deploy replaces instances in place, with no "
                      "way back")


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


RULES = (
    Rule(
        id="FM-1.1", title="Certificate that never validates", severity="critical",
        types=("aws_acm_certificate", "aws_acm_certificate_validation", *LISTENER_TYPES),
        failure="an ACM certificate for a placeholder domain, or one nothing validates, stays "
                "PENDING_VALIDATION; HTTPS never works",
        fix="create the DNS validation records and an aws_acm_certificate_validation, and give"
            " the listener its certificate_arn; or use an existing issued certificate",
        check=certificate_validates,
    ),
    Rule(
        id="FM-2.1", title="Internet-facing ALB without WAF or rate limit", severity="high",
        types=(*LB_TYPES, "aws_wafv2_web_acl", "aws_wafv2_web_acl_association"),
        failure="an internet-facing load balancer with no web ACL or rate limit: floods and "
                "common exploits reach the instances",
        fix="a WAFv2 web ACL with a rate-based rule per IP and AWS managed rule groups, "
            "associated with the ALB (aws_wafv2_web_acl_association)",
        check=waf_in_front,
    ),
    Rule(
        id="FM-X7", title="Outdated TLS policy", severity="medium",
        types=LISTENER_TYPES,
        failure="the HTTPS listener negotiates old TLS versions and ciphers",
        fix="ssl_policy = \"ELBSecurityPolicy-TLS13-1-2-2021-06\" (or another TLS13-1-2/1-3 "
            "policy)",
        check=current_tls_policy,
    ),
    Rule(
        id="FM-6.1", title="No deployment strategy", severity="medium",
        types=(*LB_TYPES, *LISTENER_TYPES, *TG_TYPES, "aws_codedeploy_deployment_group",
               "aws_autoscaling_group"),
        failure="deploys replace instances in place behind one target group: a bad release "
                "takes the site down with no rollback",
        fix="blue and green target groups behind a weighted listener with a health-gated "
            "switch (`prodstack deploy`), or CodeDeploy blue/green, or instance refresh with "
            "auto_rollback",
        check=second_target_group,
    ),
)

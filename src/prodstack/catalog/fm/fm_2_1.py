"""FM-2.1: an internet-facing ALB with no WAF web ACL, or one without a rate limit."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prodstack.catalog.contract import Result, VerifyContext
from prodstack.catalog.model import AuditInput, Cases, Entry, Hit, LiveCheck, Made, Rule, Unseen
from prodstack.catalog.plan_fixtures import alb
from prodstack.catalog.plan_queries import LB_TYPES, dicts, internet_facing_albs, undecided_albs
from prodstack.catalog.planbuilder import PlanBuilder
from prodstack.catalog.world import World
from prodstack.tf.plan import UNKNOWN, Resource
from prodstack.tf.resource import why_unknown


def _has_rate_rule(acl: Resource) -> bool | None:
    rules, rule_json = acl.get("rule"), acl.get("rule_json")
    if isinstance(rule_json, str) and "RateBasedStatement" in rule_json:
        return True
    if rules is UNKNOWN or rule_json is UNKNOWN:
        return None
    for item in dicts(rules):
        for statement in dicts(item.get("statement")):
            if statement.get("rate_based_statement") or \
                    statement.get("rule_group_reference_statement"):
                return True
    return False


def rule(inp: AuditInput) -> Iterator[Hit | Unseen]:
    plan = inp.plan
    for lb, why in undecided_albs(plan):
        yield Unseen(lb.address, "cannot tell whether the load balancer is internet-facing: "
                     f"`internal` depends on {'; '.join(why_unknown(why))}")
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


def live(ctx: VerifyContext) -> Result:
    acl = ctx.client("wafv2").get_web_acl_for_resource(
        ResourceArn=ctx.outputs["alb_arn"]).get("WebACL")
    if not acl:
        return Result.failed("no web ACL is associated with the load balancer")
    rate = [r["Name"] for r in acl.get("Rules", []) if "RateBasedStatement" in r["Statement"]]
    managed = [r["Name"] for r in acl.get("Rules", [])
               if "ManagedRuleGroupStatement" in r["Statement"]]
    return Result.expect(bool(rate), f"{acl['Name']}: rate rule {rate[0] if rate else ''}, "
                         f"{len(managed)} managed rule groups",
                         f"{acl['Name']} has no rate-based rule")


cases = Cases()


def _waf(rate: bool) -> PlanBuilder:
    statement = {"rate_based_statement": [{"limit": 2000, "aggregate_key_type": "IP"}]} if rate \
        else {"managed_rule_group_statement": [{"name": "AWSManagedRulesCommonRuleSet"}]}
    return (alb(PlanBuilder())
            .add("aws_wafv2_web_acl.web", {"name": "web", "scope": "REGIONAL", "rule": [
                {"name": "r", "priority": 0, "statement": [statement]}]}, unknown={"arn": True})
            .add("aws_wafv2_web_acl_association.web", {},
                 refs={"resource_arn": ["aws_lb.web.arn", "aws_lb.web"],
                       "web_acl_arn": ["aws_wafv2_web_acl.web.arn", "aws_wafv2_web_acl.web"]},
                 unknown={"resource_arn": True, "web_acl_arn": True}))


@cases.fires("aws_lb.web")
def alb_without_waf() -> Made:
    return alb(PlanBuilder()), None


@cases.fires("aws_lb.web")
def alb_internal_left_to_the_default_without_waf() -> Made:
    """terraform-aws-modules/alb leaves `internal` null: the provider makes it public."""
    return alb(PlanBuilder(), internal=None), None


def _module_alb(internal: list[str], root_value: object = None) -> PlanBuilder:
    """terraform-aws-modules/alb's shape: `internal = var.internal` in the module, the
    root passing its own variable (null by default); the plan cannot know `internal`."""
    b = PlanBuilder()
    b.variables["internal"] = root_value
    b.add("module.alb.aws_lb.this[0]", {"name": "web", "load_balancer_type": "application",
                                        "internal": None},
          refs={"internal": internal}, unknown={"arn": True, "id": True, "internal": True})
    b.module("module.alb", inputs={"internal": ["var.internal"]})
    return b


@cases.fires("module.alb.aws_lb.this[0]")
def module_alb_whose_internal_comes_from_a_null_variable() -> Made:
    """Every input of `internal` is known at plan time, yet its planned value is not: it was
    null, and the provider's default makes the load balancer internet-facing."""
    return _module_alb(["var.internal"]), None


@cases.cannot_see("module.alb.aws_lb.this[0]")
def module_alb_whose_internal_comes_from_a_local() -> Made:
    """A plan file keeps no locals: whether the ALB is internal cannot be told."""
    return _module_alb(["local.internal"]), None


@cases.fires("aws_wafv2_web_acl.web")
def waf_without_rate_rule() -> Made:
    return _waf(rate=False), None


@cases.passes
def waf_with_rate_rule() -> Made:
    return _waf(rate=True), None


@cases.passes
def internal_alb() -> Made:
    return alb(PlanBuilder(), internal=True), None


@cases.live("pass")
def acl_with_rate_rule_attached(world: World) -> dict[str, Any]:
    return world.network().edge().outputs


@cases.live("fail")
def acl_detached(world: World) -> dict[str, Any]:
    return world.network().edge(waf=None).outputs


@cases.live("fail")
def acl_without_rate_rule(world: World) -> dict[str, Any]:
    return world.network().edge(waf="managed-only").outputs


ENTRY = Entry(
    id="FM-2.1", title="Internet-facing ALB without WAF or rate limit", severity="high",
    failure="an internet-facing load balancer with no web ACL or rate limit: floods and "
            "common exploits reach the instances",
    fix="a WAFv2 web ACL with a rate-based rule per IP and AWS managed rule groups, "
        "associated with the ALB (aws_wafv2_web_acl_association)",
    rule=Rule(types=(*LB_TYPES, "aws_wafv2_web_acl", "aws_wafv2_web_acl_association"),
              check=rule, cases=cases.plan),
    live=LiveCheck(live, cases=cases.lives),
)

"""FM-6.1: deploys replace instances in place behind one target group, with no way back.

A listener (or listener rule) whose actions a `dynamic` block builds, as
terraform-aws-modules/alb writes them, has no `default_action` (`action`) in the plan's
configuration: where it forwards cannot be seen, so the rule reports it as unseen rather
than saying nothing (or calling one visible target group the only one).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prodstack.catalog.contract import Result, VerifyContext
from prodstack.catalog.live_queries import live_colour
from prodstack.catalog.model import (
    AuditInput,
    Cases,
    Entry,
    Hit,
    LiveCheck,
    Made,
    Rule,
    Unseen,
)
from prodstack.catalog.plan_fixtures import alb
from prodstack.catalog.plan_queries import LB_TYPES, LISTENER_TYPES, TG_TYPES, key_type
from prodstack.catalog.planbuilder import PlanBuilder
from prodstack.catalog.world import World
from prodstack.stack.traffic import forward_weights
from prodstack.tf.plan import UNKNOWN, Plan, Resource


def _dynamic(res: Resource, block: str) -> bool:
    """The block has planned values but no expression: a `dynamic` block builds it, and a
    plan's configuration leaves those out. Only when one of its actions may forward (a
    redirect or a fixed response forwards to no target group)."""
    if not res.has_config or res.written(block):
        return False
    actions = res.get(block)
    if not isinstance(actions, list):
        return actions is UNKNOWN
    return any(not isinstance(a, dict) or a.get("type") not in ("redirect", "fixed-response")
               for a in actions)


def _target_groups(plan: Plan, lb: Resource) -> tuple[set[str], dict[str, str]]:
    """The target groups the load balancer's listeners and listener rules forward to, and
    the configuration keys of those whose actions cannot be seen (-> which block)."""
    keys: set[str] = set()
    hidden: dict[str, str] = {}
    for listener in [r for t in LISTENER_TYPES for r in plan.referrers(lb, t,
                                                                     "load_balancer_arn")]:
        keys |= plan.refs(listener, "default_action")
        if _dynamic(listener, "default_action"):
            hidden[listener.config_key] = "default_action"
        for listener_rule in plan.referrers(listener, "aws_lb_listener_rule", "listener_arn"):
            keys |= plan.refs(listener_rule, "action")
            if _dynamic(listener_rule, "action"):
                hidden[listener_rule.config_key] = "action"
    return {k for k in keys if key_type(k) in TG_TYPES}, hidden


def _deployment_strategy(plan: Plan) -> bool:
    for group in plan.of("aws_codedeploy_deployment_group"):
        style = group.get("deployment_style", "deployment_type")
        if style == "BLUE_GREEN" or group.get("blue_green_deployment_config"):
            return True
    return any(asg.get("instance_refresh", "preferences", "auto_rollback") is True
               for asg in plan.of("aws_autoscaling_group"))


def rule(inp: AuditInput) -> Iterator[Hit | Unseen]:
    plan = inp.plan
    if _deployment_strategy(plan):
        return
    for lb in plan.of(*LB_TYPES):
        keys, hidden = _target_groups(plan, lb)
        seen = sum(len(plan.instances(k)) for k in keys)
        if hidden and seen <= 1:  # a second target group may be behind what is not seen
            for key, block in hidden.items():
                yield Unseen(key, f"its {block} is built by a `dynamic` block, which a "
                             "plan's configuration leaves out: could not see which target "
                             f"groups {lb.address} forwards to")
            continue
        if seen == 1:
            yield Hit(lb.address, f"one target group ({', '.join(sorted(keys))}) and no "
                      "deployment strategy: a deploy replaces instances in place, with no "
                      "way back")


def live(ctx: VerifyContext) -> Result:
    """Both colours behind the HTTPS listener, and its weights where the release record
    says: all traffic on the live colour (anything else is a deploy that did not finish)."""
    by_arn = forward_weights(ctx.client("elbv2"), ctx.outputs["https_listener_arn"])
    groups: dict[str, str] = ctx.outputs["target_groups"]
    missing = sorted(c for c, arn in groups.items() if arn not in by_arn)
    if missing:
        return Result.failed(f"the HTTPS listener does not forward to {', '.join(missing)}: "
                             "a release has nowhere to go but in place")
    live_now = live_colour(ctx)
    weights = {c: by_arn[arn] for c, arn in groups.items()}
    expected = {c: 100 if c == live_now else 0 for c in groups}
    shown = ", ".join(f"{c} {w}%" for c, w in sorted(weights.items()))
    return Result.expect(
        weights == expected, f"{shown}: all traffic on {live_now}, as the release record says",
        f"listener weights {shown} disagree with the release record (live: {live_now}): a "
        "deploy was cut off (`prodstack resume` finishes or undoes it) or the listener was "
        f"changed by hand (`prodstack up` puts all traffic back on {live_now})")


cases = Cases()


def _forward(target_groups: list[str], refresh_rollback: bool = False) -> PlanBuilder:
    b = alb(PlanBuilder())
    for tg in target_groups:
        b.add(f"aws_lb_target_group.{tg}", {"name": tg, "port": 80}, unknown={"arn": True})
    refs = [r for tg in target_groups for r in (f"aws_lb_target_group.{tg}.arn",
                                                f"aws_lb_target_group.{tg}")]
    b.add("aws_lb_listener.https", {"port": 443, "protocol": "HTTPS", "default_action": [
        {"type": "forward"}]}, refs={"load_balancer_arn": ["aws_lb.web.arn", "aws_lb.web"],
                                     "default_action.forward": refs})
    if refresh_rollback:
        b.add("aws_autoscaling_group.web", {"name": "web", "min_size": 2, "max_size": 4,
                                            "instance_refresh": [{"strategy": "Rolling",
                                                                  "preferences": [{
                                                                      "auto_rollback": True}]}]})
    return b


@cases.fires("aws_lb.web")
def one_target_group() -> Made:
    return _forward(["web"]), None


@cases.passes
def blue_green_target_groups() -> Made:
    return _forward(["blue", "green"]), None


@cases.passes
def instance_refresh_with_rollback() -> Made:
    return _forward(["web"], refresh_rollback=True), None


@cases.cannot_see("aws_lb_listener.this")
def listener_actions_from_dynamic_blocks() -> Made:
    """terraform-aws-modules/alb: `dynamic "default_action"` per listener (`for_each`)."""
    b = alb(PlanBuilder())
    b.add("aws_lb_target_group.this[\"web\"]", {"name": "web", "port": 80},
          unknown={"arn": True})
    for key, port in (("http", 80), ("https", 443)):
        b.add(f"aws_lb_listener.this[\"{key}\"]", {"port": port, "default_action": [
            {"type": "forward", "target_group_arn": None}]}, unset=("default_action",),
            refs={"load_balancer_arn": ["aws_lb.web.arn", "aws_lb.web"]},
            unknown={"default_action": [{"target_group_arn": True}]})
    return b, None


@cases.passes
def redirect_only_listener_from_a_dynamic_block() -> Made:
    """A dynamic block that redirects (HTTP to HTTPS) forwards nowhere: nothing unseen."""
    b = alb(PlanBuilder())
    b.add("aws_lb_listener.http", {"port": 80, "default_action": [
        {"type": "redirect", "redirect": [{"protocol": "HTTPS"}]}]}, unset=("default_action",),
        refs={"load_balancer_arn": ["aws_lb.web.arn", "aws_lb.web"]})
    return b, None


@cases.live("pass")
def all_traffic_on_the_live_colour(world: World) -> dict[str, Any]:
    return world.network().edge().web_tier(live="blue").outputs


@cases.live("pass")
def all_traffic_on_green_after_a_deploy(world: World) -> dict[str, Any]:
    return world.network().edge(weights={"blue": 0, "green": 100}).web_tier(
        live="green").outputs


@cases.live("fail")
def deploy_stopped_half_way(world: World) -> dict[str, Any]:
    return world.network().edge(weights={"blue": 50, "green": 50}).web_tier(
        live="blue").outputs


@cases.live("fail")
def listener_forwards_to_one_colour(world: World) -> dict[str, Any]:
    world.network().edge(weights={"blue": 100}).web_tier(live="blue")
    return world.outputs


ENTRY = Entry(
    id="FM-6.1", title="No deployment strategy", severity="medium",
    failure="deploys replace instances in place behind one target group: a bad release "
            "takes the site down with no rollback",
    fix="blue and green target groups behind a weighted listener with a health-gated "
        "switch (`prodstack deploy`), or CodeDeploy blue/green, or instance refresh with "
        "auto_rollback",
    rule=Rule(types=(*LB_TYPES, *LISTENER_TYPES, *TG_TYPES, "aws_codedeploy_deployment_group",
                     "aws_autoscaling_group"), check=rule, cases=cases.plan),
    live=LiveCheck(live, cases=cases.lives),
    exercised=("deploy with health gates and automatic rollback, on the emulator "
               "(tests/e2e/test_lifecycle.py)",),
)

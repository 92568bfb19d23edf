"""FM-X7: the HTTPS listener negotiates TLS versions and ciphers older than TLS 1.2-2021."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from prodstack.catalog.contract import Result, VerifyContext
from prodstack.catalog.model import AuditInput, Cases, Entry, Hit, LiveCheck, Made, Rule, Unseen
from prodstack.catalog.plan_queries import LISTENER_TYPES
from prodstack.catalog.planbuilder import PlanBuilder
from prodstack.catalog.unseen import settled, unknown_value
from prodstack.catalog.world import World
from prodstack.tf.resource import Unknown

CURRENT_TLS = re.compile(r"^ELBSecurityPolicy-TLS13-1-[23]-")


def rule(inp: AuditInput) -> Iterator[Hit | Unseen]:
    for listener in inp.plan.of(*LISTENER_TYPES):
        protocol = settled(inp.plan, listener, "protocol", None)
        policy = settled(inp.plan, listener, "ssl_policy", None)
        if isinstance(protocol, Unknown) or (protocol in ("HTTPS", "TLS")
                                             and isinstance(policy, Unknown)):
            attr = "protocol" if isinstance(protocol, Unknown) else "ssl_policy"
            yield unknown_value(inp.plan, listener, "the listener's TLS policy is current",
                                attr)
            continue
        if protocol not in ("HTTPS", "TLS"):
            continue
        if isinstance(policy, str) and policy and not CURRENT_TLS.match(policy):
            yield Hit(listener.address, f"ssl_policy {policy} is older than the TLS 1.2-2021 "
                      "family (or allows TLS below 1.2)")


def live(ctx: VerifyContext) -> Result:
    listener = ctx.client("elbv2").describe_listeners(
        ListenerArns=[ctx.outputs["https_listener_arn"]])["Listeners"][0]
    policy = listener.get("SslPolicy", "")
    return Result.expect(listener["Protocol"] == "HTTPS" and bool(CURRENT_TLS.match(policy)),
                         f"HTTPS on {listener['Port']} with {policy}",
                         f"{listener['Protocol']} on {listener['Port']} with "
                         f"{policy or 'no policy'}")


cases = Cases()


def _tls(policy: str) -> PlanBuilder:
    return PlanBuilder().add("aws_lb_listener.https", {"port": 443, "protocol": "HTTPS",
                                                       "ssl_policy": policy})


@cases.fires("aws_lb_listener.https")
def tls_2016_policy() -> Made:
    return _tls("ELBSecurityPolicy-2016-08"), None


@cases.fires("aws_lb_listener.https")
def tls13_family_allowing_tls10() -> Made:
    return _tls("ELBSecurityPolicy-TLS13-1-0-2021-06"), None


@cases.passes
def tls13_policy() -> Made:
    return _tls("ELBSecurityPolicy-TLS13-1-2-2021-06"), None


@cases.live("pass")
def tls13_listener(world: World) -> dict[str, Any]:
    return world.network().edge().outputs


@cases.live("fail")
def tls_2016_listener(world: World) -> dict[str, Any]:
    return world.network().edge(tls_policy="ELBSecurityPolicy-2016-08").outputs


ENTRY = Entry(
    id="FM-X7", title="Outdated TLS policy", severity="medium",
    failure="the HTTPS listener negotiates old TLS versions and ciphers",
    fix="ssl_policy = \"ELBSecurityPolicy-TLS13-1-2-2021-06\" (or another TLS13-1-2/1-3 "
        "policy)",
    rule=Rule(types=LISTENER_TYPES, check=rule, cases=cases.plan),
    live=LiveCheck(live, cases=cases.lives),
)

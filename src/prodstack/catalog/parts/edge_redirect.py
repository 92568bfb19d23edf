"""EDGE-REDIRECT: the HTTP listener only redirects to HTTPS."""

from __future__ import annotations

from typing import Any

from prodstack.catalog.contract import Result, VerifyContext
from prodstack.catalog.model import Cases, Entry, LiveCheck
from prodstack.catalog.world import World


def live(ctx: VerifyContext) -> Result:
    listener = ctx.client("elbv2").describe_listeners(
        ListenerArns=[ctx.outputs["http_listener_arn"]])["Listeners"][0]
    action = listener["DefaultActions"][0]
    redirect = action.get("RedirectConfig", {})
    return Result.expect(action["Type"] == "redirect" and redirect.get("Protocol") == "HTTPS",
                         f"HTTP {listener['Port']} → HTTPS ({redirect.get('StatusCode')})",
                         f"HTTP listener action is {action['Type']}: plain HTTP reaches the "
                         "app")


cases = Cases()


@cases.live("pass")
def redirecting_listener(world: World) -> dict[str, Any]:
    return world.network().edge().outputs


@cases.live("fail")
def forwarding_listener(world: World) -> dict[str, Any]:
    return world.network().edge(redirect=False).outputs


ENTRY = Entry(
    id="EDGE-REDIRECT", title="HTTP listener redirects to HTTPS",
    failure="port 80 serves the app in plain text",
    fix="the HTTP listener's only action is a 301 to HTTPS",
    live=LiveCheck(live, cases=cases.lives),
)

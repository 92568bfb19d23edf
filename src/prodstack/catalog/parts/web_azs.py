"""WEB-AZS: the live web tier spans the availability zones."""

from __future__ import annotations

from typing import Any

from prodstack.catalog.contract import Result, VerifyContext
from prodstack.catalog.live_queries import live_asg
from prodstack.catalog.model import Cases, Entry, LiveCheck
from prodstack.catalog.world import World


def live(ctx: VerifyContext) -> Result:
    group = live_asg(ctx)
    azs = group.get("AvailabilityZones", [])
    wanted = min(2, ctx.settings.azs)
    return Result.expect(len(azs) >= wanted, f"{group['AutoScalingGroupName']} in {len(azs)} "
                         f"AZs, {len(group.get('Instances', []))} instances",
                         f"{group['AutoScalingGroupName']} spans only {azs}")


cases = Cases()


@cases.live("pass")
def two_zones(world: World) -> dict[str, Any]:
    return world.network().web_tier().outputs


@cases.live("fail")
def one_zone(world: World) -> dict[str, Any]:
    world.network()
    world.outputs["app_subnet_ids"] = world.outputs["app_subnet_ids"][:1]
    return world.web_tier().outputs


ENTRY = Entry(
    id="WEB-AZS", title="The web tier spans the availability zones",
    failure="every web instance in one AZ: an AZ outage takes the site down",
    fix="the ASGs use one app subnet per AZ",
    live=LiveCheck(live, cases=cases.lives),
)

"""OPS-PATCHING: a maintenance window patches the web tier."""

from __future__ import annotations

from typing import Any

from prodstack.catalog.contract import Result, VerifyContext
from prodstack.catalog.model import Cases, Entry, LiveCheck
from prodstack.catalog.world import World


def live(ctx: VerifyContext) -> Result:
    window_id = ctx.outputs["maintenance_window_id"]
    windows = ctx.client("ssm").describe_maintenance_windows()["WindowIdentities"]
    window = next((w for w in windows if w["WindowId"] == window_id), None)
    if window is None:
        return Result.failed(f"maintenance window {window_id} does not exist")
    return Result.expect(bool(window.get("Enabled", True)),
                         f"{window['Name']} ({window.get('Schedule', '')})",
                         f"{window['Name']} is disabled")


cases = Cases()


@cases.live("pass")
def weekly_window(world: World) -> dict[str, Any]:
    return world.patching().outputs


@cases.live("fail")
def window_deleted(world: World) -> dict[str, Any]:
    world.patching()
    world.client("ssm").delete_maintenance_window(
        WindowId=world.outputs["maintenance_window_id"])
    return world.outputs


ENTRY = Entry(
    id="OPS-PATCHING", title="A maintenance window patches the web tier",
    failure="instances run for months without security updates",
    fix="a weekly SSM maintenance window with a patch task",
    live=LiveCheck(live, cases=cases.lives),
)

"""AUDIT-CONFIG: the AWS Config recorder records."""

from __future__ import annotations

from typing import Any

from prodstack.catalog.contract import Result, VerifyContext
from prodstack.catalog.model import Cases, Entry, LiveCheck
from prodstack.catalog.world import World


def live(ctx: VerifyContext) -> Result:
    name = ctx.outputs.get("recorder_name")
    if not name:
        return Result.na("config_recorder = false: the account's own recorder is used")
    statuses = ctx.client("config").describe_configuration_recorder_status(
        ConfigurationRecorderNames=[name])["ConfigurationRecordersStatus"]
    recording = bool(statuses and statuses[0].get("recording"))
    return Result.expect(recording, f"{name} is recording", f"{name} is not recording")


cases = Cases()


@cases.live("pass")
def recording(world: World) -> dict[str, Any]:
    return world.buckets().recorder().outputs


@cases.live("fail")
def recorder_stopped(world: World) -> dict[str, Any]:
    return world.buckets().recorder(recording=False).outputs


@cases.live("n/a")
def account_recorder(world: World) -> dict[str, Any]:
    return {**world.outputs, "recorder_name": ""}


ENTRY = Entry(
    id="AUDIT-CONFIG", title="AWS Config is recording",
    failure="no record of configuration changes, and the Config rules evaluate nothing",
    fix="a configuration recorder with a delivery channel, started",
    live=LiveCheck(live, cases=cases.lives),
)

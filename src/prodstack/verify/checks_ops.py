"""Live checks of alarms, patching, and (aws target only) real connectivity (FM-7.1)."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request

from prodstack.stack.webtier import PAGE_MARKER
from prodstack.verify.base import Result, VerifyContext, check

REQUIRED_METRICS = {"UnHealthyHostCount", "HTTPCode_ELB_5XX_Count", "TargetResponseTime",
                    "FreeStorageSpace", "DatabaseConnections"}
EMULATOR_NA = "the emulator runs no instances: nothing answers HTTP or TCP there"


def _alarms(ctx: VerifyContext) -> list[dict]:
    prefix = f"{ctx.settings.name_prefix}-"
    pages = ctx.client("cloudwatch").get_paginator("describe_alarms").paginate(
        AlarmNamePrefix=prefix)
    return [a for page in pages for a in page.get("MetricAlarms", [])]


@check("FM-4.1", "Alarms on the critical metrics exist")
def alarm_set(ctx: VerifyContext) -> Result:
    alarms = _alarms(ctx)
    metrics = {a.get("MetricName") for a in alarms}
    missing = REQUIRED_METRICS - metrics
    return Result.expect(not missing, f"{len(alarms)} alarms cover {sorted(REQUIRED_METRICS)}",
                         f"no alarm on {sorted(missing)}")


@check("FM-4.2", "Every alarm notifies a topic that has a subscription")
def alarms_notify(ctx: VerifyContext) -> Result:
    alarms = _alarms(ctx)
    sns = ctx.client("sns")
    subscribed: dict[str, int] = {}
    problems = []
    for alarm in alarms:
        if not alarm.get("ActionsEnabled"):
            problems.append(f"{alarm['AlarmName']}: actions disabled")
            continue
        topics = [a for a in alarm.get("AlarmActions", []) if ":sns:" in a]
        if not topics:
            problems.append(f"{alarm['AlarmName']}: no SNS action")
        for topic in topics:
            if topic not in subscribed:
                subs = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
                subscribed[topic] = len(subs)
            if not subscribed[topic]:
                problems.append(f"{alarm['AlarmName']}: topic {topic} has no subscription")
    if not alarms:
        problems.append("no alarms")
    shown = "; ".join(problems[:5]) + (f" (+{len(problems) - 5} more)" if len(problems) > 5
                                        else "")
    return Result.expect(not problems, f"{len(alarms)} alarms with enabled actions to "
                         f"{len(subscribed)} subscribed topic(s)", shown)


@check("OPS-PATCHING", "A maintenance window patches the web tier")
def patching(ctx: VerifyContext) -> Result:
    window_id = ctx.outputs["maintenance_window_id"]
    windows = ctx.client("ssm").describe_maintenance_windows()["WindowIdentities"]
    window = next((w for w in windows if w["WindowId"] == window_id), None)
    if window is None:
        return Result.failed(f"maintenance window {window_id} does not exist")
    return Result.expect(bool(window.get("Enabled", True)),
                         f"{window['Name']} ({window.get('Schedule', '')})",
                         f"{window['Name']} is disabled")


@check("FM-7.1", "The site answers: HTTP redirects, HTTPS serves the page, DB port closed")
def connectivity(ctx: VerifyContext) -> Result:
    if ctx.local:
        return Result.na(EMULATOR_NA)
    url = ctx.outputs["url"]
    host = url.split("//", 1)[1].split("/", 1)[0]
    problems = []
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        opener.open(f"http://{host}/", timeout=10)
        problems.append("HTTP answered without redirecting")
    except urllib.error.HTTPError as exc:
        if exc.code not in (301, 302, 308) or not exc.headers.get("Location", "").startswith(
                "https://"):
            problems.append(f"HTTP answered {exc.code}")
    except OSError as exc:
        problems.append(f"HTTP failed: {exc}")
    try:
        with urllib.request.urlopen(url, timeout=15) as resp:
            if PAGE_MARKER not in resp.read(65536).decode(errors="replace"):
                problems.append(f"the page does not contain {PAGE_MARKER!r}")
    except OSError as exc:
        problems.append(f"HTTPS failed: {exc}")
    db_host, _, port = ctx.outputs["db_endpoint"].partition(":")
    try:
        with socket.create_connection((db_host, int(port or 5432)), timeout=3):
            problems.append("the database port answers from outside")
    except OSError:
        pass
    return Result.expect(not problems, f"{url} serves {PAGE_MARKER!r}; database port closed",
                         "; ".join(problems))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None

"""FM-2.4: CloudTrail only delivers to S3: nothing can alarm on API activity as it happens."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prodstack.catalog.contract import Result, VerifyContext
from prodstack.catalog.model import AuditInput, Cases, Entry, Hit, LiveCheck, Made, Rule
from prodstack.catalog.plan_fixtures import trail
from prodstack.catalog.world import World
from prodstack.tf.plan import UNKNOWN


def rule(inp: AuditInput) -> Iterator[Hit]:
    for each in inp.plan.of("aws_cloudtrail"):
        group = each.get("cloud_watch_logs_group_arn")
        if group is UNKNOWN or (isinstance(group, str) and group) or \
                each.written("cloud_watch_logs_group_arn"):
            continue
        yield Hit(each.address, "no cloud_watch_logs_group_arn: the trail only lands in S3, "
                  "so nothing can alarm on root use or denied calls as they happen")


def live(ctx: VerifyContext) -> Result:
    cloudtrail = ctx.client("cloudtrail")
    name = ctx.outputs["trail_name"]
    trails = cloudtrail.describe_trails(trailNameList=[name])["trailList"]
    if not trails:
        return Result.failed(f"trail {name} does not exist")
    found, status = trails[0], cloudtrail.get_trail_status(Name=name)
    problems = []
    if not status.get("IsLogging"):
        problems.append("logging is stopped")
    if not found.get("CloudWatchLogsLogGroupArn"):
        problems.append("no CloudWatch Logs delivery")
    if not found.get("IsMultiRegionTrail"):
        problems.append("single-region")
    if not found.get("LogFileValidationEnabled"):
        problems.append("no log file validation")
    return Result.expect(not problems, f"{name} logs to {found.get('S3BucketName')} and "
                         "CloudWatch Logs", "; ".join(problems))


cases = Cases()


@cases.fires("aws_cloudtrail.main")
def trail_only_in_s3() -> Made:
    return trail({}), None


@cases.passes
def trail_in_cloudwatch() -> Made:
    return trail({}, cloudwatch=True), None


@cases.live("pass")
def logging_trail(world: World) -> dict[str, Any]:
    return world.buckets().trail().outputs


@cases.live("fail")
def trail_stopped(world: World) -> dict[str, Any]:
    return world.buckets().trail(logging=False).outputs


@cases.live("fail")
def trail_without_cloudwatch(world: World) -> dict[str, Any]:
    return world.buckets().trail(cloudwatch=False).outputs


@cases.live("fail")
def single_region_trail_without_validation(world: World) -> dict[str, Any]:
    return world.buckets().trail(multi_region=False, validation=False).outputs


ENTRY = Entry(
    id="FM-2.4", title="CloudTrail not in CloudWatch Logs", severity="medium",
    failure="CloudTrail only in S3: no real-time metric filters or alarms",
    fix="a log group, a delivery role, cloud_watch_logs_group_arn/role_arn on the trail, "
        "metric filters and alarms",
    rule=Rule(types=("aws_cloudtrail",), check=rule, cases=cases.plan),
    live=LiveCheck(live, cases=cases.lives),
)

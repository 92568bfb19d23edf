"""The audit trail: logs that cannot be deleted (FM-2.3), CloudTrail in CloudWatch Logs for
real-time alarms (FM-2.4)."""

from __future__ import annotations

from collections.abc import Iterator

from prodstack.audit.plan import UNKNOWN, Plan, Resource
from prodstack.audit.rules.base import AuditInput, Hit, Rule


def delete_protected(plan: Plan, bucket: Resource) -> bool:
    if bucket.effective("object_lock_enabled", False) in (True, UNKNOWN):
        return True
    if bucket.get("object_lock_configuration", "object_lock_enabled") == "Enabled":
        return True
    if plan.referrers(bucket, "aws_s3_bucket_object_lock_configuration", "bucket"):
        return True
    if bucket.get("versioning", "mfa_delete") is True:
        return True
    return any(v.get("versioning_configuration", "mfa_delete") == "Enabled"
               for v in plan.referrers(bucket, "aws_s3_bucket_versioning", "bucket"))


def trail_bucket_locked(inp: AuditInput) -> Iterator[Hit]:
    plan = inp.plan
    seen: set[str] = set()
    for trail in plan.of("aws_cloudtrail"):
        for bucket in plan.linked(trail, ("s3_bucket_name",), "aws_s3_bucket"):
            if bucket.address in seen or delete_protected(plan, bucket):
                continue
            seen.add(bucket.address)
            yield Hit(bucket.address, f"this bucket receives {trail.address} but has neither "
                      "Object Lock nor MFA delete: whoever gets in can erase the trail")


def trail_to_cloudwatch(inp: AuditInput) -> Iterator[Hit]:
    for trail in inp.plan.of("aws_cloudtrail"):
        group = trail.get("cloud_watch_logs_group_arn")
        if group is UNKNOWN or (isinstance(group, str) and group) or \
                trail.written("cloud_watch_logs_group_arn"):
            continue
        yield Hit(trail.address, "no cloud_watch_logs_group_arn: the trail only lands in S3, "
                  "so nothing can alarm on root use or denied calls as they happen")


RULES = (
    Rule(
        id="FM-2.3", title="Audit logs can be deleted", severity="medium",
        types=("aws_cloudtrail", "aws_s3_bucket", "aws_s3_bucket_object_lock_configuration",
               "aws_s3_bucket_versioning"),
        failure="the bucket with the CloudTrail logs allows deleting them (no MFA delete, no "
                "Object Lock)",
        fix="Object Lock (governance mode, default retention) on the audit bucket, or MFA "
            "delete with its runbook; a deny-delete bucket policy",
        check=trail_bucket_locked,
    ),
    Rule(
        id="FM-2.4", title="CloudTrail not in CloudWatch Logs", severity="medium",
        types=("aws_cloudtrail",),
        failure="CloudTrail only in S3: no real-time metric filters or alarms",
        fix="a log group, a delivery role, cloud_watch_logs_group_arn/role_arn on the trail, "
            "metric filters and alarms",
        check=trail_to_cloudwatch,
    ),
)

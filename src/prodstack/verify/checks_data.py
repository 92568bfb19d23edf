"""Live checks of storage (buckets) and audit (CloudTrail, Config)."""

from __future__ import annotations

import json

from botocore.exceptions import ClientError

from prodstack.verify.base import Result, VerifyContext, check

LOGGED_BUCKETS = ("audit", "data")


def _bucket_problems(ctx: VerifyContext, role: str, bucket: str) -> list[str]:
    s3 = ctx.client("s3")
    problems: list[str] = []
    try:
        block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        if not all(block.values()):
            problems.append("public access not fully blocked")
    except ClientError:
        problems.append("no public access block")
    if s3.get_bucket_versioning(Bucket=bucket).get("Status") != "Enabled":
        problems.append("versioning off")
    try:
        s3.get_bucket_encryption(Bucket=bucket)
    except ClientError:
        problems.append("no default encryption")
    try:
        policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
        tls = any(st.get("Effect") == "Deny" and "aws:SecureTransport" in json.dumps(
            st.get("Condition", {})) for st in policy.get("Statement", []))
        if not tls:
            problems.append("policy does not deny plain HTTP")
    except ClientError:
        problems.append("no bucket policy (plain HTTP allowed)")
    if role in LOGGED_BUCKETS and not s3.get_bucket_logging(Bucket=bucket).get("LoggingEnabled"):
        problems.append("server access logging off")
    return problems


@check("S3-BASELINE", "Buckets: public access blocked, versioned, encrypted, TLS only, logged")
def buckets(ctx: VerifyContext) -> Result:
    problems = []
    for role, bucket in ctx.outputs["buckets"].items():
        problems += [f"{role}: {p}" for p in _bucket_problems(ctx, role, bucket)]
    return Result.expect(not problems, f"{len(ctx.outputs['buckets'])} buckets pass",
                         "; ".join(problems))


@check("FM-2.3", "The audit bucket's objects cannot be deleted (Object Lock)")
def audit_object_lock(ctx: VerifyContext) -> Result:
    bucket = ctx.outputs["buckets"]["audit"]
    try:
        lock = ctx.client("s3").get_object_lock_configuration(Bucket=bucket)[
            "ObjectLockConfiguration"]
    except ClientError:
        return Result.failed(f"{bucket} has no Object Lock")
    retention = lock.get("Rule", {}).get("DefaultRetention", {})
    return Result.expect(lock.get("ObjectLockEnabled") == "Enabled" and bool(retention),
                         f"Object Lock {retention.get('Mode')} for {retention.get('Days')} days",
                         f"{bucket}: Object Lock without a default retention")


@check("FM-2.4", "CloudTrail is logging to S3 and to CloudWatch Logs")
def trail_logging(ctx: VerifyContext) -> Result:
    ct = ctx.client("cloudtrail")
    name = ctx.outputs["trail_name"]
    trails = ct.describe_trails(trailNameList=[name])["trailList"]
    if not trails:
        return Result.failed(f"trail {name} does not exist")
    trail, status = trails[0], ct.get_trail_status(Name=name)
    problems = []
    if not status.get("IsLogging"):
        problems.append("logging is stopped")
    if not trail.get("CloudWatchLogsLogGroupArn"):
        problems.append("no CloudWatch Logs delivery")
    if not trail.get("IsMultiRegionTrail"):
        problems.append("single-region")
    if not trail.get("LogFileValidationEnabled"):
        problems.append("no log file validation")
    return Result.expect(not problems, f"{name} logs to {trail.get('S3BucketName')} and "
                         "CloudWatch Logs", "; ".join(problems))


@check("AUDIT-CONFIG", "AWS Config is recording")
def config_recording(ctx: VerifyContext) -> Result:
    name = ctx.outputs.get("recorder_name")
    if not name:
        return Result.na("config_recorder = false: the account's own recorder is used")
    statuses = ctx.client("config").describe_configuration_recorder_status(
        ConfigurationRecorderNames=[name])["ConfigurationRecordersStatus"]
    recording = bool(statuses and statuses[0].get("recording"))
    return Result.expect(recording, f"{name} is recording", f"{name} is not recording")

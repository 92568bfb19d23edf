"""FM-2.3: the bucket that receives CloudTrail lets anyone with access erase the trail."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from prodstack.catalog.contract import Result, VerifyContext
from prodstack.catalog.model import AuditInput, Cases, Entry, Hit, LiveCheck, Made, Rule, Unseen
from prodstack.catalog.plan_fixtures import trail
from prodstack.catalog.plan_queries import object_lock_enabled
from prodstack.catalog.policy_match import tri_or
from prodstack.catalog.world import World
from prodstack.tf.plan import Plan, Resource, Unknown


def delete_protected(plan: Plan, bucket: Resource) -> bool | None:
    """Object Lock or MFA delete on the bucket; None when a value only known after apply
    decides it."""
    inline = bucket.get("versioning", "mfa_delete") \
        if not bucket.has_config or bucket.written("versioning") else False
    answers = [object_lock_enabled(plan, bucket),
               None if isinstance(inline, Unknown) else inline is True]
    for versioning in plan.referrers(bucket, "aws_s3_bucket_versioning", "bucket"):
        mfa = versioning.get("versioning_configuration", "mfa_delete") \
            if not versioning.has_config or versioning.written(
                "versioning_configuration", "mfa_delete") else "Disabled"
        answers.append(None if isinstance(mfa, Unknown) else mfa == "Enabled")
    return tri_or(*answers)


def rule(inp: AuditInput) -> Iterator[Hit | Unseen]:
    plan = inp.plan
    seen: set[str] = set()
    for each in plan.of("aws_cloudtrail"):
        for bucket in plan.linked(each, ("s3_bucket_name",), "aws_s3_bucket"):
            protected = delete_protected(plan, bucket)
            if bucket.address in seen or protected is True:
                continue
            seen.add(bucket.address)
            if protected is None:
                yield Unseen(bucket.address, "cannot tell whether the bucket keeps the trail's "
                             "logs from deletion: its Object Lock or MFA delete setting is only "
                             "known after apply")
                continue
            yield Hit(bucket.address, f"this bucket receives {each.address} but has neither "
                      "Object Lock nor MFA delete: whoever gets in can erase the trail")


def live(ctx: VerifyContext) -> Result:
    bucket = ctx.outputs["buckets"]["audit"]
    try:
        lock = ctx.client("s3").get_object_lock_configuration(Bucket=bucket)[
            "ObjectLockConfiguration"]
    except ClientError:
        return Result.failed(f"{bucket} has no Object Lock")
    retention = lock.get("Rule", {}).get("DefaultRetention", {})
    if lock.get("ObjectLockEnabled") != "Enabled" or not retention:
        return Result.failed(f"{bucket}: Object Lock without a default retention")
    wanted, mode = ctx.profile.audit_lock_mode, retention.get("Mode")
    return Result.expect(mode == wanted,
                         f"Object Lock {mode} for {retention.get('Days')} days",
                         f"{bucket}: Object Lock {mode}, not {wanted} (the {ctx.profile.name} "
                         "profile's audit_lock_mode)")


cases = Cases()


@cases.fires("aws_s3_bucket.audit")
def trail_bucket_deletable() -> Made:
    return trail({}), None


@cases.passes
def trail_bucket_object_lock() -> Made:
    return trail({"object_lock_enabled": True}), None


@cases.passes
def trail_bucket_mfa_delete() -> Made:
    b = trail({}).add("aws_s3_bucket_versioning.audit", {"versioning_configuration": [
        {"status": "Enabled", "mfa_delete": "Enabled"}]},
        refs={"bucket": ["aws_s3_bucket.audit.id", "aws_s3_bucket.audit"]})
    return b, None


@cases.live("pass")
def compliance_retention(world: World) -> dict[str, Any]:
    return world.buckets().outputs


@cases.live("fail")
def governance_retention_in_production(world: World) -> dict[str, Any]:
    return world.buckets(lock_mode="GOVERNANCE").outputs


@cases.live("fail")
def lock_without_default_retention(world: World) -> dict[str, Any]:
    return world.buckets(object_lock=False).outputs


ENTRY = Entry(
    id="FM-2.3", title="Audit logs can be deleted", severity="medium",
    failure="the bucket with the CloudTrail logs allows deleting them (no MFA delete, no "
            "Object Lock)",
    fix="Object Lock with a default retention on the audit bucket (prodstack: compliance mode "
        "in production, governance elsewhere: the profile's audit_lock_mode), or MFA delete "
        "with its runbook; a deny-delete bucket policy",
    rule=Rule(types=("aws_cloudtrail", "aws_s3_bucket", "aws_s3_bucket_object_lock_configuration",
                     "aws_s3_bucket_versioning"), check=rule, cases=cases.plan),
    live=LiveCheck(live, cases=cases.lives),
)

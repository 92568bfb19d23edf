"""Storage: the log bucket, the audit bucket and the application data bucket.

Three buckets because AWS forces the split: ALB access logs and S3 server access logs only
land in a bucket encrypted with SSE-S3, and AWS Config does not deliver to a bucket with
Object Lock, so they and the Config history go to the log bucket; the CloudTrail trail
belongs in a bucket whose objects cannot be deleted (FM-2.3: Object Lock in governance
mode). Every bucket gets versioning, encryption, a public access block, owner-enforced object
ownership, a TLS-only policy and lifecycle rules. Bucket policies name buckets by ARNs built
from their names (known at plan time), so a plan shows them and `prodstack audit` can check
what each service may do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from prodstack.config import regions
from prodstack.stack.context import Context
from prodstack.stack.parts.foundation import Base
from prodstack.stack.parts.keys import Keys, trail_arn
from prodstack.tf.document import Block, policy_document

LOG_BUCKET, AUDIT_BUCKET, DATA_BUCKET = "logs", "audit", "data"
ALB_LOG_PREFIX = "alb"
ACCESS_LOG_PREFIX = "s3-access"
CONFIG_PREFIX = "config"
TRAIL_PREFIX = "cloudtrail"
GLACIER_IR_MINIMUM_DAYS = 90  # objects moved to Glacier IR are billed for 90 days at least


@dataclass
class BucketSpec:
    role: str
    kms_key: Block | None = None
    object_lock_days: int = 0
    object_lock_mode: str = "GOVERNANCE"
    log_to: Bucket | None = None
    statements: list[dict[str, Any]] = field(default_factory=list)
    expire_days: int = 0
    archive_days: int = 0


@dataclass(frozen=True)
class Bucket:
    bucket: Block
    policy: Block  # what must exist before a service that delivers to the bucket
    arn: str  # built from the name: known at plan time


@dataclass(frozen=True)
class Storage:
    logs: Bucket  # ALB and S3 server access logs (SSE-S3)
    audit: Bucket  # CloudTrail and Config (Object Lock)
    data: Bucket  # the application's data (SSE-KMS)


def _bucket(ctx: Context, r: Base, spec: BucketSpec) -> Bucket:
    doc, role = ctx.doc, spec.role
    arn = f"arn:{r.partition}:s3:::{ctx.names.bucket(role, r.account_id)}"
    bucket = doc.resource(
        "aws_s3_bucket", role, bucket=ctx.names.bucket(role, r.account_id),
        object_lock_enabled=spec.object_lock_days > 0 or None,
        force_destroy=False, tags=ctx.tags(f"{role}-bucket"),
    )
    public_block = doc.resource("aws_s3_bucket_public_access_block", role, bucket=bucket.id,
                 block_public_acls=True, block_public_policy=True, ignore_public_acls=True,
                 restrict_public_buckets=True)
    doc.resource("aws_s3_bucket_ownership_controls", role, bucket=bucket.id,
                 rule=[{"object_ownership": "BucketOwnerEnforced"}])
    versioning = doc.resource("aws_s3_bucket_versioning", role, bucket=bucket.id,
                              versioning_configuration=[{"status": "Enabled"}])
    if spec.kms_key is not None:
        sse = {"sse_algorithm": "aws:kms", "kms_master_key_id": spec.kms_key.arn}
    else:
        sse = {"sse_algorithm": "AES256"}
    doc.resource(
        "aws_s3_bucket_server_side_encryption_configuration", role, bucket=bucket.id,
        rule=[{"apply_server_side_encryption_by_default": [sse],
               "bucket_key_enabled": spec.kms_key is not None}],
    )
    deny_plain_http = {
        "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": {"AWS": "*"},
        "Action": "s3:*",
        "Resource": [arn, arn + "/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    policy = doc.resource("aws_s3_bucket_policy", role, bucket=bucket.id,
                          policy=policy_document(deny_plain_http, *spec.statements),
                          depends_on=[public_block])
    rule: dict[str, Any] = {
        "id": "retention", "status": "Enabled", "filter": [{}],
        "abort_incomplete_multipart_upload": [{"days_after_initiation": 7}],
        "noncurrent_version_expiration": [{"noncurrent_days": 30}],
    }
    if spec.archive_days and spec.expire_days - spec.archive_days >= GLACIER_IR_MINIMUM_DAYS:
        rule["transition"] = [{"days": spec.archive_days, "storage_class": "GLACIER_IR"}]
    if spec.expire_days:
        rule["expiration"] = [{"days": spec.expire_days}]
    doc.resource("aws_s3_bucket_lifecycle_configuration", role, bucket=bucket.id, rule=[rule],
                 depends_on=[versioning])
    if spec.object_lock_days:
        doc.resource(
            "aws_s3_bucket_object_lock_configuration", role, bucket=bucket.id,
            rule=[{"default_retention": [{"mode": spec.object_lock_mode,
                                          "days": spec.object_lock_days}]}],
            depends_on=[versioning],
        )
    if spec.log_to is not None:
        # S3 checks the target's bucket policy when logging is switched on.
        doc.resource("aws_s3_bucket_logging", role, bucket=bucket.id,
                     target_bucket=spec.log_to.bucket.id,
                     target_prefix=f"{ACCESS_LOG_PREFIX}/{role}/",
                     depends_on=[spec.log_to.policy])
    return Bucket(bucket, policy, arn)


def build(ctx: Context, r: Base, keys: Keys) -> Storage:
    p, names = ctx.profile, ctx.names

    def arn(role: str) -> str:
        return f"arn:{r.partition}:s3:::{names.bucket(role, r.account_id)}"

    log_arn = arn(LOG_BUCKET)
    alb_logs = f"{log_arn}/{ALB_LOG_PREFIX}/AWSLogs/{r.account_id}/*"
    elb_account = []
    if regions.has_elb_account(ctx.settings.region):  # regions opened before August 2022
        account = ctx.doc.data("aws_elb_service_account", "main")
        elb_account = [{"Sid": "AlbAccessLogs", "Effect": "Allow",
                        "Principal": {"AWS": account.arn}, "Action": "s3:PutObject",
                        "Resource": alb_logs}]
    logs = _bucket(ctx, r, BucketSpec(
        role=LOG_BUCKET,
        expire_days=p.log_retention_days,
        statements=[
            *elb_account,
            {"Sid": "AlbAccessLogsDelivery", "Effect": "Allow",
             "Principal": {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"},
             "Action": "s3:PutObject", "Resource": alb_logs},
            {"Sid": "ConfigAclCheck", "Effect": "Allow",
             "Principal": {"Service": "config.amazonaws.com"},
             "Action": ["s3:GetBucketAcl", "s3:ListBucket"], "Resource": log_arn,
             "Condition": {"StringEquals": {"aws:SourceAccount": r.account_id}}},
            {"Sid": "ConfigWrite", "Effect": "Allow",
             "Principal": {"Service": "config.amazonaws.com"}, "Action": "s3:PutObject",
             "Resource": f"{log_arn}/{CONFIG_PREFIX}/AWSLogs/{r.account_id}/Config/*",
             "Condition": {"StringEquals": {"aws:SourceAccount": r.account_id,
                                            "s3:x-amz-acl": "bucket-owner-full-control"}}},
            *(
                {"Sid": f"S3ServerAccessLogsFrom{role.title()}", "Effect": "Allow",
                 "Principal": {"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject",
                 "Resource": f"{log_arn}/{ACCESS_LOG_PREFIX}/{role}/*",
                 "Condition": {
                     "StringEquals": {"aws:SourceAccount": r.account_id},
                     "ArnLike": {"aws:SourceArn": arn(role)}}}
                for role in (AUDIT_BUCKET, DATA_BUCKET)
            ),
        ],
    ))
    audit_arn = arn(AUDIT_BUCKET)
    trail = trail_arn(ctx, r)
    audit = _bucket(ctx, r, BucketSpec(
        role=AUDIT_BUCKET,
        object_lock_days=p.audit_retention_days, object_lock_mode=p.audit_lock_mode,
        log_to=logs,
        archive_days=90,
        expire_days=p.audit_retention_days,
        statements=[
            {"Sid": "CloudTrailAclCheck", "Effect": "Allow",
             "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:GetBucketAcl",
             "Resource": audit_arn, "Condition": {"StringEquals": {"aws:SourceArn": trail}}},
            {"Sid": "CloudTrailWrite", "Effect": "Allow",
             "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject",
             "Resource": f"{audit_arn}/{TRAIL_PREFIX}/AWSLogs/{r.account_id}/*",
             "Condition": {"StringEquals": {"aws:SourceArn": trail,
                                            "s3:x-amz-acl": "bucket-owner-full-control"}}},
        ],
    ))
    data = _bucket(ctx, r, BucketSpec(role=DATA_BUCKET, kms_key=keys.data, log_to=logs))
    return Storage(logs=logs, audit=audit, data=data)

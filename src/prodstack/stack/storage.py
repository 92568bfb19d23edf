"""Storage: the log bucket, the audit bucket and the application data bucket.

Three buckets because AWS forces the split: ALB access logs and S3 server access logs only
land in a bucket encrypted with SSE-S3 and without an Object Lock default retention, while
the audit trail (CloudTrail, Config) belongs in a bucket whose objects cannot be deleted
(FM-2.3: Object Lock in governance mode). Every bucket gets versioning, encryption, a public
access block, owner-enforced object ownership, a TLS-only policy and lifecycle rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from prodstack.stack.context import StackContext
from prodstack.tf.document import Block, policy_document, ref

LOG_BUCKET, AUDIT_BUCKET, DATA_BUCKET = "logs", "audit", "data"
ALB_LOG_PREFIX = "alb"
ACCESS_LOG_PREFIX = "s3-access"
KEPT_ON_DOWN = (AUDIT_BUCKET, LOG_BUCKET)  # sources before the bucket they log to


@dataclass
class BucketSpec:
    role: str
    kms_key: Block | None = None
    object_lock_days: int = 0
    log_to: Block | None = None
    statements: list[dict[str, Any]] = field(default_factory=list)
    expire_days: int = 0
    archive_days: int = 0


def bucket_name(ctx: StackContext, role: str) -> str:
    return f"{ctx.prefix}-{role}-{ctx.refs.account_id}-{ctx.refs.region}"


def _bucket(ctx: StackContext, spec: BucketSpec) -> Block:
    doc, role = ctx.doc, spec.role
    bucket = doc.resource(
        "aws_s3_bucket", role, bucket=bucket_name(ctx, role),
        object_lock_enabled=spec.object_lock_days > 0 or None,
        force_destroy=False, tags=ctx.tags(f"{role}-bucket"),
    )
    doc.resource("aws_s3_bucket_public_access_block", role, bucket=bucket.id,
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
        "Resource": [bucket.arn, bucket.arn + "/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    doc.resource("aws_s3_bucket_policy", role, bucket=bucket.id,
                 policy=policy_document(deny_plain_http, *spec.statements),
                 depends_on=[ref("aws_s3_bucket_public_access_block", role)])
    rule: dict[str, Any] = {
        "id": "retention", "status": "Enabled", "filter": [{}],
        "abort_incomplete_multipart_upload": [{"days_after_initiation": 7}],
        "noncurrent_version_expiration": [{"noncurrent_days": 30}],
    }
    if spec.archive_days:
        rule["transition"] = [{"days": spec.archive_days, "storage_class": "GLACIER_IR"}]
    if spec.expire_days:
        rule["expiration"] = [{"days": spec.expire_days}]
    doc.resource("aws_s3_bucket_lifecycle_configuration", role, bucket=bucket.id, rule=[rule],
                 depends_on=[versioning])
    if spec.object_lock_days:
        doc.resource(
            "aws_s3_bucket_object_lock_configuration", role, bucket=bucket.id,
            rule=[{"default_retention": [{"mode": "GOVERNANCE",
                                          "days": spec.object_lock_days}]}],
            depends_on=[versioning],
        )
    if spec.log_to is not None:
        # S3 checks the target's bucket policy when logging is switched on.
        doc.resource("aws_s3_bucket_logging", role, bucket=bucket.id,
                     target_bucket=spec.log_to.id, target_prefix=f"{ACCESS_LOG_PREFIX}/{role}/",
                     depends_on=[ref("aws_s3_bucket_policy", LOG_BUCKET)])
    return bucket


def build(ctx: StackContext) -> None:
    r, p = ctx.refs, ctx.profile
    log_arn = f"arn:{r.partition}:s3:::{bucket_name(ctx, LOG_BUCKET)}"
    elb_account = ctx.doc.data("aws_elb_service_account", "main")
    r.log_bucket = _bucket(ctx, BucketSpec(
        role=LOG_BUCKET,
        expire_days=p.log_retention_days,
        statements=[
            {"Sid": "AlbAccessLogs", "Effect": "Allow",
             "Principal": {"AWS": elb_account.arn}, "Action": "s3:PutObject",
             "Resource": f"{log_arn}/{ALB_LOG_PREFIX}/AWSLogs/{r.account_id}/*"},
            {"Sid": "AlbAccessLogsDelivery", "Effect": "Allow",
             "Principal": {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"},
             "Action": "s3:PutObject",
             "Resource": f"{log_arn}/{ALB_LOG_PREFIX}/AWSLogs/{r.account_id}/*"},
            *(
                {"Sid": f"S3ServerAccessLogsFrom{role.title()}", "Effect": "Allow",
                 "Principal": {"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject",
                 "Resource": f"{log_arn}/{ACCESS_LOG_PREFIX}/{role}/*",
                 "Condition": {
                     "StringEquals": {"aws:SourceAccount": r.account_id},
                     "ArnLike": {"aws:SourceArn":
                                 f"arn:{r.partition}:s3:::{bucket_name(ctx, role)}"}}}
                for role in (AUDIT_BUCKET, DATA_BUCKET)
            ),
        ],
    ))
    audit_arn = f"arn:{r.partition}:s3:::{bucket_name(ctx, AUDIT_BUCKET)}"
    trail_arn = f"arn:{r.partition}:cloudtrail:{r.region}:{r.account_id}:trail/{ctx.name('trail')}"
    r.audit_bucket = _bucket(ctx, BucketSpec(
        role=AUDIT_BUCKET,
        object_lock_days=p.audit_retention_days if ctx.settings.env == "production" else 1,
        log_to=r.log_bucket,
        archive_days=90,
        expire_days=max(p.audit_retention_days, 91),
        statements=[
            {"Sid": "CloudTrailAclCheck", "Effect": "Allow",
             "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:GetBucketAcl",
             "Resource": audit_arn, "Condition": {"StringEquals": {"aws:SourceArn": trail_arn}}},
            {"Sid": "CloudTrailWrite", "Effect": "Allow",
             "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject",
             "Resource": f"{audit_arn}/cloudtrail/AWSLogs/{r.account_id}/*",
             "Condition": {"StringEquals": {"aws:SourceArn": trail_arn,
                                            "s3:x-amz-acl": "bucket-owner-full-control"}}},
            {"Sid": "ConfigAclCheck", "Effect": "Allow",
             "Principal": {"Service": "config.amazonaws.com"},
             "Action": ["s3:GetBucketAcl", "s3:ListBucket"], "Resource": audit_arn,
             "Condition": {"StringEquals": {"aws:SourceAccount": r.account_id}}},
            {"Sid": "ConfigWrite", "Effect": "Allow",
             "Principal": {"Service": "config.amazonaws.com"}, "Action": "s3:PutObject",
             "Resource": f"{audit_arn}/config/AWSLogs/{r.account_id}/Config/*",
             "Condition": {"StringEquals": {"aws:SourceAccount": r.account_id,
                                            "s3:x-amz-acl": "bucket-owner-full-control"}}},
        ],
    ))
    r.data_bucket = _bucket(ctx, BucketSpec(
        role=DATA_BUCKET, kms_key=r.data_key, log_to=r.log_bucket,
    ))

"""Audit: a multi-region CloudTrail to S3 and CloudWatch Logs, and AWS Config with managed rules.

Fixes FM-2.4 (the trail also delivers to CloudWatch Logs, so metric filters and alarms see
API activity in real time) and, with the audit bucket's Object Lock, FM-2.3. AWS Config
delivers to the log bucket (Config refuses a bucket with Object Lock) with its own role,
which for a bucket in the same account must itself be allowed to write there: the managed
`AWS_ConfigRole` grants no `s3:PutObject` (InsufficientDeliveryPolicyException).
"""

from __future__ import annotations

from dataclasses import dataclass

from prodstack.stack.context import Context
from prodstack.stack.parts.foundation import Base
from prodstack.stack.parts.iam import service_role
from prodstack.stack.parts.keys import Keys
from prodstack.stack.parts.storage import CONFIG_PREFIX, LOG_BUCKET, TRAIL_PREFIX, Storage
from prodstack.tf.document import Block, policy_document

CONFIG_RULES = {
    "s3_public_read_prohibited": "S3_BUCKET_PUBLIC_READ_PROHIBITED",
    "encrypted_volumes": "ENCRYPTED_VOLUMES",
    "rds_storage_encrypted": "RDS_STORAGE_ENCRYPTED",
    "rds_multi_az": "RDS_MULTI_AZ_SUPPORT",
    "s3_ssl_requests_only": "S3_BUCKET_SSL_REQUESTS_ONLY",
    "cloudtrail_enabled": "CLOUD_TRAIL_ENABLED",
}


@dataclass(frozen=True)
class Audit:
    trail: Block
    trail_log_group: Block
    recorder: Block | None  # None when the account has its own (config_recorder = false)


def build(ctx: Context, r: Base, keys: Keys, storage: Storage) -> Audit:
    trail, group = _trail(ctx, r, keys, storage)
    recorder = _config(ctx, r, storage) if ctx.settings.config_recorder else None
    return Audit(trail=trail, trail_log_group=group, recorder=recorder)


def _trail(ctx: Context, r: Base, keys: Keys, storage: Storage) -> tuple[Block, Block]:
    doc = ctx.doc
    group = doc.resource(
        "aws_cloudwatch_log_group", "trail", name=ctx.names.trail_log_group,
        retention_in_days=max(ctx.profile.log_retention_days, 90), kms_key_id=keys.logs.arn,
        tags=ctx.tags("trail"),
    )
    group_arn = r.log_group_arn(ctx.names.trail_log_group)
    # No source condition: CloudTrail's guide ("Confused deputy prevention", "Sending events
    # to CloudWatch Logs") says the role it assumes to deliver to CloudWatch Logs does not
    # support aws:SourceArn or aws:SourceAccount; with one, CreateTrail fails with
    # InvalidCloudWatchLogsRoleArnException ("Check the trust relationships for your role").
    role = service_role(ctx, r, "trail_to_logs", "cloudtrail.amazonaws.com")
    doc.resource(
        "aws_iam_role_policy", "trail_to_logs", name="deliver-to-log-group", role=role.id,
        policy=policy_document({
            "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": group_arn + ":log-stream:*"}),
    )
    trail = doc.resource(
        "aws_cloudtrail", "main", name=ctx.names.trail,
        s3_bucket_name=storage.audit.bucket.id,
        s3_key_prefix=TRAIL_PREFIX, is_multi_region_trail=True,
        include_global_service_events=True, enable_log_file_validation=True,
        enable_logging=True, kms_key_id=keys.logs.arn,
        cloud_watch_logs_group_arn=group.arn + ":*", cloud_watch_logs_role_arn=role.arn,
        sns_topic_name=None, tags=ctx.tags("trail"),
        depends_on=[storage.audit.policy],
    )
    return trail, group


def _config(ctx: Context, r: Base, storage: Storage) -> Block:
    doc = ctx.doc
    role = service_role(ctx, r, "config", "config.amazonaws.com",
                        {"config": "service-role/AWS_ConfigRole"},
                        condition={"StringEquals": {"aws:SourceAccount": r.account_id}})
    bucket_arn = f"arn:{r.partition}:s3:::{ctx.names.bucket(LOG_BUCKET, r.account_id)}"
    write = doc.resource(
        "aws_iam_role_policy", "config_delivery", name="deliver-to-log-bucket", role=role.id,
        policy=policy_document(
            {"Sid": "DeliverConfigurationHistory", "Effect": "Allow",
             "Action": "s3:PutObject",
             "Resource": f"{bucket_arn}/{CONFIG_PREFIX}/AWSLogs/{r.account_id}/*",
             "Condition": {"StringLike": {"s3:x-amz-acl": "bucket-owner-full-control"}}},
            {"Sid": "CheckTheBucket", "Effect": "Allow", "Action": "s3:GetBucketAcl",
             "Resource": bucket_arn}),
    )
    recorder = doc.resource(
        "aws_config_configuration_recorder", "main", name=ctx.names.recorder,
        role_arn=role.arn,
        recording_group=[{"all_supported": True, "include_global_resource_types": True}],
    )
    channel = doc.resource(
        "aws_config_delivery_channel", "main", name=ctx.name("delivery"),
        s3_bucket_name=storage.logs.bucket.id, s3_key_prefix=CONFIG_PREFIX,
        snapshot_delivery_properties=[{"delivery_frequency": "TwentyFour_Hours"}],
        depends_on=[recorder, write, storage.logs.policy],
    )
    status = doc.resource("aws_config_configuration_recorder_status", "main",
                          name=recorder.name_attr, is_enabled=True, depends_on=[channel])
    for name, identifier in CONFIG_RULES.items():
        doc.resource(
            "aws_config_config_rule", name, name=ctx.name(name.replace("_", "-")),
            source=[{"owner": "AWS", "source_identifier": identifier}],
            depends_on=[status], tags=ctx.tags(name.replace("_", "-")),
        )
    return recorder

"""Audit: a multi-region CloudTrail to S3 and CloudWatch Logs, and AWS Config with managed rules.

Fixes FM-2.4 (the trail also delivers to CloudWatch Logs, so metric filters and alarms see
API activity in real time) and, with the audit bucket's Object Lock, FM-2.3.
"""

from __future__ import annotations

from prodstack.stack.context import StackContext
from prodstack.tf.document import policy_document, ref

CONFIG_RULES = {
    "s3_public_read_prohibited": "S3_BUCKET_PUBLIC_READ_PROHIBITED",
    "encrypted_volumes": "ENCRYPTED_VOLUMES",
    "rds_storage_encrypted": "RDS_STORAGE_ENCRYPTED",
    "rds_multi_az": "RDS_MULTI_AZ_SUPPORT",
    "s3_ssl_requests_only": "S3_BUCKET_SSL_REQUESTS_ONLY",
    "cloudtrail_enabled": "CLOUD_TRAIL_ENABLED",
}


def build(ctx: StackContext) -> None:
    _trail(ctx)
    if ctx.settings.config_recorder:
        _config(ctx)


def _trail(ctx: StackContext) -> None:
    doc, r = ctx.doc, ctx.refs
    group = doc.resource(
        "aws_cloudwatch_log_group", "trail", name=f"/{ctx.prefix}/cloudtrail",
        retention_in_days=max(ctx.profile.log_retention_days, 90), kms_key_id=r.logs_key.arn,
        tags=ctx.tags("trail"),
    )
    r.trail_log_group = group
    role = ctx.service_role("trail_to_logs", "cloudtrail.amazonaws.com")
    doc.resource(
        "aws_iam_role_policy", "trail_to_logs", name="deliver-to-log-group", role=role.id,
        policy=policy_document({
            "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": group.arn + ":log-stream:*"}),
    )
    doc.resource(
        "aws_cloudtrail", "main", name=ctx.name("trail"), s3_bucket_name=r.audit_bucket.id,
        s3_key_prefix="cloudtrail", is_multi_region_trail=True,
        include_global_service_events=True, enable_log_file_validation=True,
        enable_logging=True, kms_key_id=r.logs_key.arn,
        cloud_watch_logs_group_arn=group.arn + ":*", cloud_watch_logs_role_arn=role.arn,
        sns_topic_name=None, tags=ctx.tags("trail"),
        depends_on=[ref("aws_s3_bucket_policy", "audit")],
    )


def _config(ctx: StackContext) -> None:
    doc, r = ctx.doc, ctx.refs
    role = ctx.service_role("config", "config.amazonaws.com",
                            {"config": "service-role/AWS_ConfigRole"})
    recorder = doc.resource(
        "aws_config_configuration_recorder", "main", name=ctx.name("recorder"),
        role_arn=role.arn,
        recording_group=[{"all_supported": True, "include_global_resource_types": True}],
    )
    channel = doc.resource(
        "aws_config_delivery_channel", "main", name=ctx.name("delivery"),
        s3_bucket_name=r.audit_bucket.id, s3_key_prefix="config",
        snapshot_delivery_properties=[{"delivery_frequency": "TwentyFour_Hours"}],
        depends_on=[recorder, ref("aws_s3_bucket_policy", "audit")],
    )
    status = doc.resource("aws_config_configuration_recorder_status", "main",
                          name=recorder.name_attr, is_enabled=True, depends_on=[channel])
    for name, identifier in CONFIG_RULES.items():
        doc.resource(
            "aws_config_config_rule", name, name=ctx.name(name.replace("_", "-")),
            source=[{"owner": "AWS", "source_identifier": identifier}],
            depends_on=[status], tags=ctx.tags(name.replace("_", "-")),
        )

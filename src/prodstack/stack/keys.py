"""KMS keys: one for logs and notifications, one for data (EBS, RDS, S3 data, backups).

Key policies are written for the services that really use each key on AWS: CloudWatch Logs
and CloudTrail need the logs key; CloudWatch alarms need it to publish to the encrypted SNS
topic (without that grant, alarms on an encrypted topic notify nobody: FM-4.2); EC2 Auto
Scaling needs the data key through EC2 to launch instances with encrypted volumes.
"""

from __future__ import annotations

from dataclasses import dataclass

from prodstack.stack.context import Context
from prodstack.stack.foundation import Base
from prodstack.tf.document import Block, policy_document


@dataclass(frozen=True)
class Keys:
    logs: Block  # CloudWatch Logs, CloudTrail, the SNS alarm topic
    data: Block  # EBS volumes, RDS storage, S3 data, backups


def build(ctx: Context, r: Base) -> Keys:
    root = f"arn:{r.partition}:iam::{r.account_id}:root"
    admin = {
        "Sid": "AccountAdministers",
        "Effect": "Allow",
        "Principal": {"AWS": root},
        "Action": "kms:*",
        "Resource": "*",
    }
    logs_policy = policy_document(
        admin,
        {
            "Sid": "CloudWatchLogs",
            "Effect": "Allow",
            "Principal": {"Service": f"logs.{r.region}.amazonaws.com"},
            "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                       "kms:Describe*"],
            "Resource": "*",
            "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn":
                                      f"arn:{r.partition}:logs:{r.region}:{r.account_id}:*"}},
        },
        {
            "Sid": "CloudTrailEncrypts",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": ["kms:GenerateDataKey*", "kms:DescribeKey"],
            "Resource": "*",
            "Condition": {"StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn":
                                         f"arn:{r.partition}:cloudtrail:*:{r.account_id}:trail/*"}},
        },
        {
            "Sid": "AlarmsAndEventsPublishToTopic",
            "Effect": "Allow",
            "Principal": {"Service": ["cloudwatch.amazonaws.com", "events.amazonaws.com",
                                      "backup.amazonaws.com"]},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "Resource": "*",
        },
    )
    logs = ctx.doc.resource(
        "aws_kms_key", "logs",
        description=f"{ctx.names.prefix}: CloudWatch Logs, CloudTrail, SNS",
        enable_key_rotation=True,
        deletion_window_in_days=ctx.profile.kms_deletion_window_days,
        policy=logs_policy,
        tags=ctx.tags("logs"),
    )
    ctx.doc.resource("aws_kms_alias", "logs", name=ctx.names.alias("logs"),
                     target_key_id=logs["key_id"])

    data_policy = policy_document(
        admin,
        {
            "Sid": "ServicesInThisAccountUseForVolumes",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                       "kms:DescribeKey", "kms:CreateGrant"],
            "Resource": "*",
            "Condition": {
                "StringEquals": {"kms:CallerAccount": r.account_id},
                "StringLike": {"kms:ViaService": [
                    f"ec2.{r.region}.amazonaws.com", f"rds.{r.region}.amazonaws.com",
                    f"s3.{r.region}.amazonaws.com", f"backup.{r.region}.amazonaws.com",
                    f"secretsmanager.{r.region}.amazonaws.com",
                ]},
            },
        },
    )
    data = ctx.doc.resource(
        "aws_kms_key", "data",
        description=f"{ctx.names.prefix}: EBS volumes, RDS storage, S3 data, backups",
        enable_key_rotation=True,
        deletion_window_in_days=ctx.profile.kms_deletion_window_days,
        policy=data_policy,
        tags=ctx.tags("data"),
    )
    ctx.doc.resource("aws_kms_alias", "data", name=ctx.names.alias("data"),
                     target_key_id=data["key_id"])
    return Keys(logs=logs, data=data)

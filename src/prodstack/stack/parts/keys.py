"""KMS keys: one for logs and notifications, one for data (EBS, RDS, S3 data, backups).

Key policies name the services that really use each key on AWS, with the conditions AWS
documents, and nothing else:
- logs key: CloudWatch Logs (`logs.<region>`, for this account's log groups), CloudTrail
  (GenerateDataKey* for this account's trails, DescribeKey in a statement of its own:
  DescribeKey carries no encryption context, so a shared condition makes CreateTrail fail
  with InsufficientEncryptionPolicyException), CloudWatch alarms publishing to the
  encrypted SNS topic (without that grant alarms notify nobody: FM-4.2);
- data key: the account's IAM principals through their own IAM policies (the root
  statement), and the EC2 Auto Scaling service-linked role, which launches instances with
  encrypted volumes and creates grants for them (without it every launch fails and the ASG
  stays empty). It is named by `aws:PrincipalArn`, so the key can be created before the
  role first exists in a new account.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from prodstack.stack.context import Context
from prodstack.stack.parts.foundation import Base
from prodstack.tf.document import Block, policy_document

ASG_SERVICE_ROLE = "aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"


@dataclass(frozen=True)
class Keys:
    logs: Block  # CloudWatch Logs, CloudTrail, the SNS alarm topic
    data: Block  # EBS volumes, RDS storage, S3 data, backups


def trail_arn(ctx: Context, r: Base) -> str:
    """The trail's ARN, known at plan time (key and bucket policies name it)."""
    return f"arn:{r.partition}:cloudtrail:{r.region}:{r.account_id}:trail/{ctx.names.trail}"


def _admin(r: Base) -> dict[str, Any]:
    return {"Sid": "AccountAdministers", "Effect": "Allow",
            "Principal": {"AWS": f"arn:{r.partition}:iam::{r.account_id}:root"},
            "Action": "kms:*", "Resource": "*"}


def _logs_policy(ctx: Context, r: Base) -> str:
    trail = trail_arn(ctx, r)
    return policy_document(
        _admin(r),
        {
            "Sid": "CloudWatchLogsEncryptsThisAccountsGroups",
            "Effect": "Allow",
            "Principal": {"Service": f"logs.{r.region}.amazonaws.com"},
            "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                       "kms:Describe*"],
            "Resource": "*",
            "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn":
                                      f"arn:{r.partition}:logs:{r.region}:{r.account_id}:*"}},
        },
        {
            "Sid": "CloudTrailEncryptsLogs",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "kms:GenerateDataKey*",
            "Resource": "*",
            "Condition": {
                "StringEquals": {"aws:SourceArn": trail},
                "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn":
                               f"arn:{r.partition}:cloudtrail:*:{r.account_id}:trail/*"}},
        },
        {
            "Sid": "CloudTrailDescribesKey",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "kms:DescribeKey",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceArn": trail}},
        },
        {
            # Only this account's alarms in this region (confused deputy): CloudWatch sends
            # both keys when it publishes to an encrypted topic (SNS developer guide, "Enable
            # compatibility between event sources from AWS services and encrypted topics");
            # EventBridge would not, and gets no grant here.
            "Sid": "AlarmsPublishToTheEncryptedTopic",
            "Effect": "Allow",
            "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "Resource": "*",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": r.account_id},
                "ArnLike": {"aws:SourceArn":
                            f"arn:{r.partition}:cloudwatch:{r.region}:{r.account_id}:alarm:*"}},
        },
    )


def _data_policy(r: Base) -> str:
    service_role = f"arn:{r.partition}:iam::{r.account_id}:role/{ASG_SERVICE_ROLE}"
    role = {"StringEquals": {"aws:PrincipalArn": service_role,
                             "kms:CallerAccount": r.account_id}}
    return policy_document(
        _admin(r),
        {
            "Sid": "AutoScalingLaunchesEncryptedVolumes",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                       "kms:DescribeKey"],
            "Resource": "*",
            "Condition": role,
        },
        {
            "Sid": "AutoScalingGrantsForItsVolumes",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": "kms:CreateGrant",
            "Resource": "*",
            "Condition": {**role, "Bool": {"kms:GrantIsForAWSResource": "true"}},
        },
    )


def build(ctx: Context, r: Base) -> Keys:
    days = ctx.profile.kms_deletion_window_days
    logs = ctx.doc.resource(
        "aws_kms_key", "logs", description=f"{ctx.names.prefix}: CloudWatch Logs, CloudTrail, SNS",
        enable_key_rotation=True, deletion_window_in_days=days, policy=_logs_policy(ctx, r),
        tags=ctx.tags("logs"),
    )
    ctx.doc.resource("aws_kms_alias", "logs", name=ctx.names.alias("logs"),
                     target_key_id=logs["key_id"])
    data = ctx.doc.resource(
        "aws_kms_key", "data",
        description=f"{ctx.names.prefix}: EBS volumes, RDS storage, S3 data, backups",
        enable_key_rotation=True, deletion_window_in_days=days, policy=_data_policy(r),
        tags=ctx.tags("data"),
    )
    ctx.doc.resource("aws_kms_alias", "data", name=ctx.names.alias("data"),
                     target_key_id=data["key_id"])
    return Keys(logs=logs, data=data)

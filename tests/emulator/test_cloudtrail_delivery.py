"""prodstack.runtime.moto_patches.cloudtrail_delivery"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.emulator.conftest import REGION, Client, still_needed
from tests.emulator.service_policies import ACCOUNT, bucket, error, key, role, stmt, trust

pytestmark = pytest.mark.emulator

CLOUDTRAIL = {"Service": "cloudtrail.amazonaws.com"}


def trail_arn(name: str) -> str:
    return f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/{name}"


def bucket_statements(name: str, trail: str, prefix: str = "trail") -> list[dict]:
    """AWS's documented bucket policy (AWSCloudTrailAclCheck, AWSCloudTrailWrite)."""
    source = {"aws:SourceArn": trail_arn(trail)}
    return [
        stmt(CLOUDTRAIL, "s3:GetBucketAcl", f"arn:aws:s3:::{name}",
             {"StringEquals": source}, sid="AWSCloudTrailAclCheck"),
        stmt(CLOUDTRAIL, "s3:PutObject", f"arn:aws:s3:::{name}/{prefix}/AWSLogs/{ACCOUNT}/*",
             {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", **source}},
             sid="AWSCloudTrailWrite"),
    ]


def key_statements(trail: str) -> list[dict]:
    """AWS's documented key policy statements for CloudTrail."""
    source = {"aws:SourceArn": trail_arn(trail)}
    return [
        stmt(CLOUDTRAIL, "kms:GenerateDataKey*", "*", {
            "StringEquals": source, "StringLike": {
                "kms:EncryptionContext:aws:cloudtrail:arn":
                    f"arn:aws:cloudtrail:*:{ACCOUNT}:trail/*"}},
             sid="AllowCloudTrailToEncryptLogs"),
        stmt(CLOUDTRAIL, "kms:DescribeKey", "*", {"StringEquals": source},
             sid="AllowCloudTrailToDescribeKey"),
    ]


def logs_role(client: Client, name: str, group: str, condition: dict | None = None) -> str:
    """The documented CloudWatch Logs role: trusted by CloudTrail, writing the group's stream."""
    group_arn = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}"
    return role(client, name, trust("cloudtrail.amazonaws.com", condition), stmt(
        None, ["logs:CreateLogStream", "logs:PutLogEvents"],
        f"{group_arn}:log-stream:{ACCOUNT}_CloudTrail_{REGION}*"))


def refused(client: Client, **params: object) -> tuple[str, str]:
    with pytest.raises(ClientError) as exc:
        client("cloudtrail").create_trail(**params)
    return error(exc)


def test_bucket_policy_must_admit_cloudtrail(aws: Client):
    bucket(aws, "ct-open", *bucket_statements("ct-open", "t-bucket"))
    bucket(aws, "ct-root-only", *bucket_statements("ct-root-only", "t-bucket")[:1],
           stmt(CLOUDTRAIL, "s3:PutObject", f"arn:aws:s3:::ct-root-only/AWSLogs/{ACCOUNT}/*"))
    bucket(aws, "ct-none")
    for name in ("ct-root-only", "ct-none"):
        assert refused(aws, Name="t-bucket", S3BucketName=name, S3KeyPrefix="trail") == (
            "InsufficientS3BucketPolicyException",
            f"Incorrect S3 bucket policy is detected for bucket: {name}")
    # The documented policy is conditioned on this trail's ARN: another trail is refused.
    assert refused(aws, Name="t-other", S3BucketName="ct-open", S3KeyPrefix="trail")[0] == \
        "InsufficientS3BucketPolicyException"
    made = aws("cloudtrail").create_trail(Name="t-bucket", S3BucketName="ct-open",
                                          S3KeyPrefix="trail")
    assert made["TrailARN"] == trail_arn("t-bucket")


def test_key_policy_must_let_cloudtrail_encrypt_and_describe(aws: Client):
    bucket(aws, "ct-kms", *bucket_statements("ct-kms", "t-key", prefix="p"))
    encrypt, describe = key_statements("t-key")
    both_under_context = {**encrypt, "Action": ["kms:GenerateDataKey*", "kms:DescribeKey"]}
    for statements in ([encrypt], [both_under_context], []):
        code, message = refused(aws, Name="t-key", S3BucketName="ct-kms", S3KeyPrefix="p",
                                KmsKeyId=key(aws, *statements))
        assert code == "InsufficientEncryptionPolicyException"
        assert message.startswith("Insufficient permissions to access S3 bucket ct-kms or KMS key")
    good = key(aws, encrypt, describe)
    made = aws("cloudtrail").create_trail(Name="t-key", S3BucketName="ct-kms", S3KeyPrefix="p",
                                          KmsKeyId=good)
    assert made["KmsKeyId"] == good


def test_logs_role_trust_and_permissions(aws: Client):
    bucket(aws, "ct-logs", *bucket_statements("ct-logs", "t-logs"))
    group = "/ct/trail"
    aws("logs").create_log_group(logGroupName=group)
    group_arn = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}:*"
    params = {"Name": "t-logs", "S3BucketName": "ct-logs", "S3KeyPrefix": "trail",
              "CloudWatchLogsLogGroupArn": group_arn}
    # prodstack's shape: the trust conditioned on aws:SourceAccount, which CloudTrail does not
    # send for this role.
    conditioned = logs_role(aws, "ct-conditioned", group,
                            {"StringEquals": {"aws:SourceAccount": ACCOUNT}})
    missing = f"arn:aws:iam::{ACCOUNT}:role/ct-missing"
    ec2 = role(aws, "ct-ec2", trust("ec2.amazonaws.com"))
    for arn in (conditioned, missing, ec2):
        assert refused(aws, **params, CloudWatchLogsRoleArn=arn) == (
            "InvalidCloudWatchLogsRoleArnException",
            "Access denied. Check the trust relationships for your role.")
    mute = role(aws, "ct-mute", trust("cloudtrail.amazonaws.com"),
                stmt(None, "logs:PutLogEvents", "*"))
    assert refused(aws, **params, CloudWatchLogsRoleArn=mute) == (
        "InvalidCloudWatchLogsLogGroupArnException",
        "Access denied. Check the permissions for your role.")
    good = logs_role(aws, "ct-documented", group)
    made = aws("cloudtrail").create_trail(**params, CloudWatchLogsRoleArn=good)
    assert made["CloudWatchLogsRoleArn"] == good


def test_update_trail_is_checked_too(aws: Client):
    bucket(aws, "ct-update", *bucket_statements("ct-update", "t-update"))
    bucket(aws, "ct-update-none")
    aws("cloudtrail").create_trail(Name="t-update", S3BucketName="ct-update",
                                   S3KeyPrefix="trail")
    with pytest.raises(ClientError) as exc:
        aws("cloudtrail").update_trail(Name="t-update", S3BucketName="ct-update-none")
    assert error(exc)[0] == "InsufficientS3BucketPolicyException"


def accepts_unwritable_bucket_and_untrusted_role(client: Client) -> bool:
    """CreateTrail to a bucket without a policy, with a role CloudTrail cannot assume."""
    client("s3").create_bucket(Bucket="probe-trail",
                               CreateBucketConfiguration={"LocationConstraint": REGION})
    ec2 = role(client, "probe-ec2", trust("ec2.amazonaws.com"))
    try:
        client("cloudtrail").create_trail(
            Name="probe", S3BucketName="probe-trail", KmsKeyId=key(client),
            CloudWatchLogsLogGroupArn=f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:g:*",
            CloudWatchLogsRoleArn=ec2)
    except ClientError:
        return False
    return True


def test_still_needed(unpatched: Client):
    still_needed(accepts_unwritable_bucket_and_untrusted_role(unpatched), "cloudtrail_delivery",
                 "CloudTrail's bucket, key and CloudWatch Logs role checks")

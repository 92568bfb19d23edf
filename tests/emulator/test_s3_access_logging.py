"""prodstack.runtime.moto_patches.s3_access_logging"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.emulator.conftest import Client, still_needed
from tests.emulator.service_policies import ACCOUNT, bucket, stmt

pytestmark = pytest.mark.emulator

LOGGING = {"Service": "logging.s3.amazonaws.com"}
NO_GRANT = ("You must either provide the necessary permissions to the logging service using a "
            "bucket policy or give the log-delivery group WRITE and READ_ACP permissions to the "
            "target bucket")


def documented(target: str, *sources: str) -> dict:
    """AWS's documented statement: one prefix per source bucket, with its ARN and account."""
    return stmt(LOGGING, "s3:PutObject", [f"arn:aws:s3:::{target}/{s}/*" for s in sources],
                {"ArnLike": {"aws:SourceArn": [f"arn:aws:s3:::{s}" for s in sources]},
                 "StringEquals": {"aws:SourceAccount": ACCOUNT}}, sid="S3ServerAccessLogsPolicy")


def log(client: Client, source: str, target: str) -> tuple[str, str] | None:
    try:
        client("s3").put_bucket_logging(Bucket=source, BucketLoggingStatus={"LoggingEnabled": {
            "TargetBucket": target, "TargetPrefix": f"{source}/"}})
    except ClientError as exc:
        return exc.response["Error"]["Code"], exc.response["Error"]["Message"]
    return None


def test_the_target_policy_is_evaluated(aws: Client):
    for name in ("sal-data", "sal-audit"):
        bucket(aws, name)
    bucket(aws, "sal-logs", documented("sal-logs", "sal-data", "sal-audit"))
    assert log(aws, "sal-data", "sal-logs") is None
    assert log(aws, "sal-audit", "sal-logs") is None
    bucket(aws, "sal-other")
    assert log(aws, "sal-other", "sal-logs") == ("InvalidTargetBucketForLogging", NO_GRANT)
    deny = stmt("*", "s3:PutObject", "arn:aws:s3:::sal-denied/*", effect="Deny")
    bucket(aws, "sal-denied", documented("sal-denied", "sal-data"), deny)
    assert log(aws, "sal-data", "sal-denied") == ("InvalidTargetBucketForLogging", NO_GRANT)


def test_the_log_delivery_acl_counts_only_where_acls_are_enabled(aws: Client):
    s3 = aws("s3")
    bucket(aws, "sal-acl-source")
    bucket(aws, "sal-acl-enforced")
    s3.put_bucket_acl(Bucket="sal-acl-enforced", ACL="log-delivery-write")
    assert log(aws, "sal-acl-source", "sal-acl-enforced") == (
        "InvalidTargetBucketForLogging", NO_GRANT)
    bucket(aws, "sal-acl-preferred", ObjectOwnership="BucketOwnerPreferred")
    s3.put_bucket_acl(Bucket="sal-acl-preferred", ACL="log-delivery-write")
    assert log(aws, "sal-acl-source", "sal-acl-preferred") is None


def accepts_a_grant_for_another_source(client: Client) -> bool:
    for name in ("probe-source", "probe-logs"):
        client("s3").create_bucket(Bucket=name, CreateBucketConfiguration={
            "LocationConstraint": "us-west-1"})
    other = stmt(LOGGING, "s3:PutObject", "arn:aws:s3:::probe-logs/*",
                 {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::someone-else"}})
    client("s3").put_bucket_policy(Bucket="probe-logs", Policy=__import__("json").dumps(
        {"Version": "2012-10-17", "Statement": [other]}))
    return log(client, "probe-source", "probe-logs") is None


def test_still_needed(unpatched: Client):
    still_needed(accepts_a_grant_for_another_source(unpatched), "s3_access_logging",
                 "PutBucketLogging's evaluation of the target bucket policy")

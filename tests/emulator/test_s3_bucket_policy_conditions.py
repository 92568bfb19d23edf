"""prodstack.runtime.moto_patches.s3_bucket_policy_conditions"""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from tests.emulator.conftest import REGION, Client, still_needed

pytestmark = pytest.mark.emulator

TLS_ONLY = {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": {"AWS": "*"},
            "Action": "s3:*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}


def put_under_policy(client: Client, name: str, statement: dict) -> str | None:
    """The error code of a PutObject into a bucket with this one statement (None: stored)."""
    s3 = client("s3")
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    arn = f"arn:aws:s3:::{name}"
    s3.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {**statement, "Resource": [arn, f"{arn}/*"]}]}))
    try:
        s3.put_object(Bucket=name, Key="k", Body=b"x")
    except ClientError as exc:
        return str(exc.response["Error"]["Code"])
    return None


def test_a_deny_applies_only_when_its_condition_holds(aws: Client):
    assert put_under_policy(aws, "tls-only-bucket", TLS_ONLY) is None
    unconditional = {k: v for k, v in TLS_ONLY.items() if k != "Condition"}
    assert put_under_policy(aws, "deny-all-bucket", unconditional) == "403"


def test_still_needed(unpatched: Client):
    still_needed(put_under_policy(unpatched, "probe-bucket", TLS_ONLY) is not None,
                 "s3_bucket_policy_conditions", "bucket policy Deny conditions")

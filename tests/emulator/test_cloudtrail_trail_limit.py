"""prodstack.runtime.moto_patches.cloudtrail_trail_limit"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.emulator.conftest import Client, still_needed

pytestmark = pytest.mark.emulator

REGIONS = ("ap-south-1", "ap-south-2")  # Regions of their own: the quota counts every trail


def clients(endpoint: str | None, region: str) -> tuple[Any, Any]:
    def make(service: str) -> Any:
        return boto3.client(service, region_name=region, endpoint_url=endpoint,
                            aws_access_key_id="test", aws_secret_access_key="test")
    return make("cloudtrail"), make("s3")


def bucket(s3: Any, name: str, region: str) -> str:
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    s3.put_bucket_policy(Bucket=name, Policy="""{"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": ["s3:GetBucketAcl", "s3:PutObject"], "Resource": "*"}]}""")
    return name


def sixth_trail(endpoint: str | None) -> ClientError | None:
    """Four trails in one Region and a multi-Region one from another, then a sixth there."""
    home, other = REGIONS
    trails, s3 = clients(endpoint, home)
    logs = bucket(s3, "trail-limit-logs", home)
    names = [f"trail-{n}" for n in range(4)]
    for name in names:
        trails.create_trail(Name=name, S3BucketName=logs)
    remote, remote_s3 = clients(endpoint, other)
    remote.create_trail(Name="everywhere", IsMultiRegionTrail=True,
                        S3BucketName=bucket(remote_s3, "trail-limit-logs-2", other))
    try:
        trails.create_trail(Name="trail-5", S3BucketName=logs)
        names.append("trail-5")
        return None
    except ClientError as exc:
        return exc
    finally:
        remote.delete_trail(Name="everywhere")
        trails.create_trail(Name="after-one-left", S3BucketName=logs)  # four + one fits
        for name in [*names, "after-one-left"]:
            trails.delete_trail(Name=name)


def test_a_sixth_trail_in_a_region_is_refused(aws: Client):
    refused = sixth_trail(aws("cloudtrail").meta.endpoint_url)
    assert refused is not None
    assert refused.response["Error"]["Code"] == "MaximumNumberOfTrailsExceededException"
    assert refused.response["Error"]["Message"] == (
        f"User: 123456789012 already has 5 trails in {REGIONS[0]}.")


def test_still_needed(unpatched: Client):
    still_needed(sixth_trail(None) is None, "cloudtrail_trail_limit", "the trail quota")

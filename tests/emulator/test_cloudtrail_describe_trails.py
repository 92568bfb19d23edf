"""prodstack.runtime.moto_patches.cloudtrail_describe_trails"""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from tests.emulator.conftest import still_needed
from tests.emulator.service_policies import doc, stmt

pytestmark = pytest.mark.emulator
REGION = "ca-central-1"  # a region of its own: the emulator is shared, trails are 5 a region


def two_trails_one_asked(endpoint: str | None) -> tuple[list[str], list[str], list[str]]:
    """Two trails; DescribeTrails by the first's ARN, by the second's name, and by none."""
    def client(service: str) -> Any:
        return boto3.client(service, region_name=REGION, endpoint_url=endpoint,
                            aws_access_key_id="test", aws_secret_access_key="test")

    s3, cloudtrail = client("s3"), client("cloudtrail")
    s3.create_bucket(Bucket="trails-described",
                     CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_policy(Bucket="trails-described", Policy=doc(  # what CloudTrail needs
        stmt({"Service": "cloudtrail.amazonaws.com"}, "s3:GetBucketAcl",
             "arn:aws:s3:::trails-described"),
        stmt({"Service": "cloudtrail.amazonaws.com"}, "s3:PutObject",
             "arn:aws:s3:::trails-described/*")))
    first = cloudtrail.create_trail(Name="first", S3BucketName="trails-described")["TrailARN"]
    cloudtrail.create_trail(Name="second", S3BucketName="trails-described")

    def names(**asked: list[str]) -> list[str]:
        return sorted(t["Name"] for t in cloudtrail.describe_trails(**asked)["trailList"])

    try:
        return names(trailNameList=[first]), names(trailNameList=["second"]), names()
    finally:
        for trail in ("first", "second"):
            cloudtrail.delete_trail(Name=trail)


def test_describe_trails_by_name_or_arn(emulator_url: str):
    by_arn, by_name, every = two_trails_one_asked(emulator_url)
    assert (by_arn, by_name) == (["first"], ["second"])
    assert {"first", "second"} <= set(every)


def test_still_needed(unpatched: Any):
    by_arn, _, _ = two_trails_one_asked(None)
    still_needed(by_arn != ["first"], "cloudtrail_describe_trails",
                 "DescribeTrails honouring trailNameList")

"""prodstack.moto_patches.cloudtrail_describe_trails"""

from __future__ import annotations

import pytest

from tests.emulator.conftest import REGION, Client, still_needed
from tests.emulator.service_policies import doc, stmt

pytestmark = pytest.mark.emulator


def two_trails_one_asked(client: Client) -> tuple[list[str], list[str], list[str]]:
    """Two trails; DescribeTrails by the first's ARN, by the second's name, and by none."""
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

    return names(trailNameList=[first]), names(trailNameList=["second"]), names()


def test_describe_trails_by_name_or_arn(aws: Client):
    # The session's emulator holds the trails of earlier tests: 5 are allowed per region.
    cloudtrail = aws("cloudtrail")
    for trail in cloudtrail.describe_trails()["trailList"]:
        cloudtrail.delete_trail(Name=trail["TrailARN"])
    by_arn, by_name, every = two_trails_one_asked(aws)
    assert (by_arn, by_name) == (["first"], ["second"])
    assert {"first", "second"} <= set(every)


def test_still_needed(unpatched: Client):
    by_arn, _, _ = two_trails_one_asked(unpatched)
    still_needed(by_arn != ["first"], "cloudtrail_describe_trails",
                 "DescribeTrails honouring trailNameList")

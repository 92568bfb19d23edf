"""prodstack.moto_patches.cloudtrail_delete_trail"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.emulator.conftest import REGION, Client, still_needed

pytestmark = pytest.mark.emulator


def delete_by_arn(client: Client) -> list[str]:
    """Create a trail, delete it by ARN: the trails left."""
    s3, cloudtrail = client("s3"), client("cloudtrail")
    s3.create_bucket(Bucket="trail-logs",
                     CreateBucketConfiguration={"LocationConstraint": REGION})
    arn = cloudtrail.create_trail(Name="audit", S3BucketName="trail-logs")["TrailARN"]
    cloudtrail.delete_trail(Name=arn)
    return [t["Name"] for t in cloudtrail.describe_trails()["trailList"]]


def test_delete_trail_by_arn(aws: Client):
    assert delete_by_arn(aws) == []
    with pytest.raises(ClientError) as missing:
        aws("cloudtrail").delete_trail(Name="audit")
    assert missing.value.response["Error"]["Code"] == "TrailNotFoundException"


def test_still_needed(unpatched: Client):
    still_needed(delete_by_arn(unpatched) != [], "cloudtrail_delete_trail",
                 "DeleteTrail by ARN")

"""prodstack.runtime.moto_patches.cloudtrail_delete_trail"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.emulator.conftest import REGION, Client, still_needed
from tests.emulator.service_policies import doc, stmt

pytestmark = pytest.mark.emulator


def delete_by_arn(client: Client) -> list[str]:
    """Create a trail, delete it by ARN: the trails left."""
    s3, cloudtrail = client("s3"), client("cloudtrail")
    s3.create_bucket(Bucket="trail-logs",
                     CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_policy(Bucket="trail-logs", Policy=doc(  # what CloudTrail needs (strict)
        stmt({"Service": "cloudtrail.amazonaws.com"}, "s3:GetBucketAcl",
             "arn:aws:s3:::trail-logs"),
        stmt({"Service": "cloudtrail.amazonaws.com"}, "s3:PutObject",
             "arn:aws:s3:::trail-logs/*")))
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

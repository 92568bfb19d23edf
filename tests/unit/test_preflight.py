"""What an apply would collide with is named before anything is applied (in-process moto)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import botocore.exceptions
import moto
import pytest

from prodstack.core.errors import UserError
from prodstack.ops import preflight

REGION = "us-west-1"
RECORDER = ("aws_config_configuration_recorder.main", "create")


@pytest.fixture
def clients() -> Iterator[Any]:
    with moto.mock_aws():
        yield lambda service: boto3.client(service, region_name=REGION)


def _check(planned: list[tuple[str, str]], clients: Any, quota: int = 5) -> None:
    preflight.check(planned, clients, REGION, "prodstack-staging-recorder",
                    lambda service, code, default: quota)


def test_another_environments_recorder_is_named_with_the_setting(clients):
    clients("config").put_configuration_recorder(ConfigurationRecorder={
        "name": "prodstack-production-recorder",
        "roleARN": "arn:aws:iam::123456789012:role/config"})
    with pytest.raises(UserError, match=r"already has AWS Config recorder "
                       r"'prodstack-production-recorder'.*config_recorder = false"):
        _check([RECORDER], clients)
    _check([("aws_sns_topic.alarms", "create")], clients)  # no recorder planned: no check


def test_our_own_recorder_is_no_collision(clients):
    clients("config").put_configuration_recorder(ConfigurationRecorder={
        "name": "prodstack-staging-recorder",
        "roleARN": "arn:aws:iam::123456789012:role/config"})
    _check([RECORDER], clients)


def test_the_elastic_ip_budget(clients):
    ec2 = clients("ec2")
    for _ in range(4):
        ec2.allocate_address(Domain="vpc")
    nat = [("aws_eip.nat_0", "create"), ("aws_eip.nat_1", "create")]
    with pytest.raises(UserError, match=r"needs 2 Elastic IP\(s\).*4 of the 5 allowed"):
        _check(nat, clients)
    _check(nat, clients, quota=10)  # a raised quota (Service Quotas on the aws target)


def test_trails_per_region(clients):
    s3, cloudtrail = clients("s3"), clients("cloudtrail")
    s3.create_bucket(Bucket="trails-here", CreateBucketConfiguration={
        "LocationConstraint": REGION})
    for n in range(5):
        cloudtrail.create_trail(Name=f"trail-{n}", S3BucketName="trails-here")
    with pytest.raises(UserError, match="already has 5 trails"):
        _check([("aws_cloudtrail.main", "create")], clients)


def test_every_collision_at_once(clients):
    clients("config").put_configuration_recorder(ConfigurationRecorder={
        "name": "theirs", "roleARN": "arn:aws:iam::123456789012:role/config"})
    for _ in range(5):
        clients("ec2").allocate_address(Domain="vpc")
    with pytest.raises(UserError) as caught:
        _check([RECORDER, ("aws_eip.nat_0", "create")], clients)
    assert "'theirs'" in str(caught.value) and "Elastic IP" in str(caught.value)


def test_a_multi_region_trail_from_another_region_counts_here(clients):
    """Four trails of this region and one multi-region trail homed in us-east-1: five here."""
    s3 = clients("s3")
    s3.create_bucket(Bucket="trails-here", CreateBucketConfiguration={
        "LocationConstraint": REGION})
    for n in range(4):
        clients("cloudtrail").create_trail(Name=f"trail-{n}", S3BucketName="trails-here")
    east = boto3.client("cloudtrail", region_name="us-east-1")
    east.create_trail(Name="org-wide", S3BucketName="trails-here", IsMultiRegionTrail=True)
    with pytest.raises(UserError, match=r"already has 5 trails.*org-wide \(multi-region, "
                                        r"from us-east-1\)"):
        _check([("aws_cloudtrail.main", "create")], clients)


def test_a_refused_read_does_not_hide_another_collision(clients):
    clients("config").put_configuration_recorder(ConfigurationRecorder={
        "name": "theirs", "roleARN": "arn:aws:iam::123456789012:role/config"})

    def refusing(service: str) -> Any:
        if service == "cloudtrail":
            raise botocore.exceptions.ClientError(
                {"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "DescribeTrails")
        return clients(service)

    with pytest.raises(UserError, match="'theirs'"):
        _check([RECORDER, ("aws_cloudtrail.main", "create")], refusing)

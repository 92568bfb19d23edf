"""prodstack.runtime.moto_patches.ec2_address_limit"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.emulator.conftest import Client, still_needed

pytestmark = pytest.mark.emulator

REGION = "eu-west-3"  # a Region of its own: the quota counts every address in it


def ec2_in(aws: Client) -> Any:
    endpoint = aws("ec2").meta.endpoint_url
    return boto3.client("ec2", region_name=REGION, endpoint_url=endpoint,
                        aws_access_key_id="test", aws_secret_access_key="test")


def sixth_allocation(ec2: Any) -> ClientError | None:
    """Allocate five addresses, then a sixth; the sixth's error (None: allocated)."""
    ids = [ec2.allocate_address(Domain="vpc")["AllocationId"] for _ in range(5)]
    try:
        ids.append(ec2.allocate_address(Domain="vpc")["AllocationId"])
        return None
    except ClientError as exc:
        return exc
    finally:
        for allocation_id in ids[1:]:
            ec2.release_address(AllocationId=allocation_id)
        # one address released: a new one fits, the quota counts only what is held
        ids[1:] = [ec2.allocate_address(Domain="vpc")["AllocationId"]]
        for allocation_id in ids:
            ec2.release_address(AllocationId=allocation_id)


def test_a_sixth_address_is_refused_and_a_released_one_frees_its_place(aws: Client):
    refused = sixth_allocation(ec2_in(aws))
    assert refused is not None
    assert refused.response["Error"] == {
        "Code": "AddressLimitExceeded",
        "Message": "The maximum number of addresses has been reached."}
    assert refused.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert ec2_in(aws).describe_addresses()["Addresses"] == []


def test_still_needed(unpatched: Client):
    ec2 = boto3.client("ec2", region_name=REGION, aws_access_key_id="test",
                       aws_secret_access_key="test")
    still_needed(sixth_allocation(ec2) is None, "ec2_address_limit",
                 "the Elastic IP address quota")

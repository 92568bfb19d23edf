"""prodstack.runtime.moto_patches.ec2_nat_gateway_delete"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.emulator.conftest import Client, still_needed

pytestmark = pytest.mark.emulator


def a_second_gateway_on_a_deleted_one_s_address(client: Client, cidr: str) -> str | None:
    """Delete a NAT gateway and create another on its allocation: the refusal, or None."""
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock=f"{cidr}.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=f"{cidr}.0.0/24")["Subnet"]["SubnetId"]
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    first = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation)["NatGateway"]
    ec2.delete_nat_gateway(NatGatewayId=first["NatGatewayId"])
    address = ec2.describe_addresses(AllocationIds=[allocation])["Addresses"][0]
    if address.get("AssociationId"):
        try:
            ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation)
        except ClientError as exc:  # the refusal is the finding
            return str(exc)
        return "still associated after the delete"
    ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation)
    return None


def test_a_deleted_gateway_s_address_takes_a_new_gateway(aws: Client):
    assert a_second_gateway_on_a_deleted_one_s_address(aws, "10.31") is None


def test_still_needed(unpatched: Client):
    refused = a_second_gateway_on_a_deleted_one_s_address(unpatched, "10.31")
    still_needed(refused is not None, "ec2_nat_gateway_delete",
                 "a deleted NAT gateway keeping its Elastic IP address")

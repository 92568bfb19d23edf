"""prodstack.runtime.moto_patches.elbv2_default_scheme"""

from __future__ import annotations

import pytest

from tests.emulator.conftest import Client, still_needed

pytestmark = pytest.mark.emulator


def scheme_of_a_default_load_balancer(client: Client, name: str) -> str | None:
    ec2, elbv2 = client("ec2"), client("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24",
                                 AvailabilityZone=f"us-west-1{zone}")["Subnet"]["SubnetId"]
               for i, zone in enumerate("ab")]
    arn = elbv2.create_load_balancer(Name=name, Subnets=subnets)["LoadBalancers"][0][
        "LoadBalancerArn"]
    return elbv2.describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"][0].get(
        "Scheme")


def test_a_load_balancer_without_scheme_is_internet_facing(aws: Client):
    assert scheme_of_a_default_load_balancer(aws, "default-scheme") == "internet-facing"


def test_still_needed(unpatched: Client):
    still_needed(scheme_of_a_default_load_balancer(unpatched, "default-scheme") is None,
                 "elbv2_default_scheme", "a load balancer created without Scheme")

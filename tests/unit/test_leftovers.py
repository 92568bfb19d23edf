"""What a purge finds still there through the AWS APIs (prodstack.leftovers), against moto
in-process: resources a lost state left behind are found by tags and names, those that stand
alone are removed, the rest is named; what purge keeps on purpose is not a leftover."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from moto import mock_aws

from prodstack import leftovers
from prodstack.settings import load_settings

REGION = "us-west-1"
TAGS = [{"Key": "project", "Value": "prodstack"}, {"Key": "environment", "Value": "dev"}]


@pytest.fixture
def clients() -> Any:
    with mock_aws():
        yield lambda service: boto3.client(service, region_name=REGION)


def _orphans(clients: Any) -> None:
    """What a state that lost resources leaves behind: a trail, buckets, a VPC, a role."""
    s3 = clients("s3")
    where = {"LocationConstraint": REGION}
    for bucket in ("prodstack-dev-audit-123456789012-us-west-1", "prodstack-dev-held"):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration=where)
        s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": TAGS})
    clients("cloudtrail").create_trail(Name="prodstack-dev-us-west-1-trail",
                                       S3BucketName="prodstack-dev-held")
    clients("ec2").create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=[
        {"ResourceType": "vpc", "Tags": TAGS}])
    clients("iam").create_role(RoleName="prodstack-dev-us-west-1-web",
                               AssumeRolePolicyDocument="{}")
    clients("logs").create_log_group(logGroupName="/prodstack/dev/app",
                                     tags={t["Key"]: t["Value"] for t in TAGS})
    # Another environment's and a stranger's resources are not this deployment's.
    clients("ec2").create_vpc(CidrBlock="10.1.0.0/16", TagSpecifications=[
        {"ResourceType": "vpc", "Tags": [{"Key": "project", "Value": "prodstack"},
                                         {"Key": "environment", "Value": "production"}]}])
    clients("iam").create_role(RoleName="someone-else", AssumeRolePolicyDocument="{}")


def test_leftovers_are_found_removed_where_they_stand_alone_and_named(clients: Any):
    settings = load_settings(env="dev")
    assert leftovers.find(clients, settings) == []
    _orphans(clients)
    found = {str(f) for f in leftovers.find(clients, settings, {"prodstack-dev-held"})}
    assert "trail prodstack-dev-us-west-1-trail" in found
    assert "bucket prodstack-dev-audit-123456789012-us-west-1" in found
    assert "IAM role prodstack-dev-us-west-1-web" in found
    assert any(f.startswith("ec2 arn:aws:ec2:us-west-1:") and ":vpc/" in f for f in found)
    assert any(f.startswith("logs ") and "/prodstack/dev/app" in f for f in found)
    assert not any("held" in f or "someone-else" in f for f in found)
    assert sum(":vpc/" in f for f in found) == 1  # production's VPC is not dev's

    def delete_bucket(name: str) -> None:
        clients("s3").delete_bucket(Bucket=name)

    leftovers.remove(clients, leftovers.find(clients, settings, {"prodstack-dev-held"}),
                     delete_bucket)
    left = {str(f) for f in leftovers.find(clients, settings, {"prodstack-dev-held"})}
    assert all(f.startswith(("ec2 ", "IAM role ")) for f in left), left
    assert len(left) == 2, "the VPC and the role depend on others: named, not removed"


def test_a_key_pending_deletion_is_not_a_leftover(clients: Any):
    kms = clients("kms")
    key = kms.create_key(Tags=[{"TagKey": t["Key"], "TagValue": t["Value"]} for t in TAGS])
    found = leftovers.find(clients, load_settings(env="dev"))
    assert [f.kind for f in found] == ["kms"]
    kms.schedule_key_deletion(KeyId=key["KeyMetadata"]["KeyId"], PendingWindowInDays=7)
    assert leftovers.find(clients, load_settings(env="dev")) == []


def test_a_deleted_nat_gateway_and_a_terminated_instance_are_not_leftovers(clients: Any):
    """EC2 lists both (and their tags) for about an hour after they are gone."""
    ec2 = clients("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=eip, TagSpecifications=[
        {"ResourceType": "natgateway", "Tags": TAGS}])["NatGateway"]["NatGatewayId"]
    [instance] = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1,
                                   TagSpecifications=[{"ResourceType": "instance",
                                                       "Tags": TAGS}])["Instances"]
    found = {f.name.rsplit("/", 1)[1] for f in leftovers.find(clients, load_settings(env="dev"))}
    assert {nat, instance["InstanceId"]} <= found
    ec2.delete_nat_gateway(NatGatewayId=nat)
    ec2.terminate_instances(InstanceIds=[instance["InstanceId"]])
    ec2.release_address(AllocationId=eip)
    found = {f.name for f in leftovers.find(clients, load_settings(env="dev"))}
    assert not any(nat in f or instance["InstanceId"] in f for f in found), found

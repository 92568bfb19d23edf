"""prodstack.moto_patches.rds_restore_overrides"""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.conftest import Client, still_needed

pytestmark = pytest.mark.emulator

KEYS = ("MultiAZ", "DeletionProtection", "PubliclyAccessible", "CopyTagsToSnapshot")


def snapshot_of_all_true(client: Client, name: str) -> str:
    """A snapshot of an instance with every one of KEYS true; returns its id."""
    rds = client("rds")
    rds.create_db_instance(
        DBInstanceIdentifier=name, DBInstanceClass="db.t3.micro", Engine="postgres",
        AllocatedStorage=20, MasterUsername="app", MasterUserPassword="not-a-secret-0",
        MultiAZ=True, DeletionProtection=True, PubliclyAccessible=True, CopyTagsToSnapshot=True)
    rds.create_db_snapshot(DBInstanceIdentifier=name, DBSnapshotIdentifier=f"{name}-snap")
    return f"{name}-snap"


def restores(client: Client) -> tuple[dict[str, Any], dict[str, Any]]:
    """Restore with every setting false, and with none given: their values of KEYS."""
    rds, snapshot = client("rds"), snapshot_of_all_true(client, "source")
    given = rds.restore_db_instance_from_db_snapshot(
        DBInstanceIdentifier="restored-false", DBSnapshotIdentifier=snapshot,
        MultiAZ=False, DeletionProtection=False, PubliclyAccessible=False,
        CopyTagsToSnapshot=False)["DBInstance"]
    absent = rds.restore_db_instance_from_db_snapshot(
        DBInstanceIdentifier="restored-default", DBSnapshotIdentifier=snapshot)["DBInstance"]
    return {k: given[k] for k in KEYS}, {k: absent[k] for k in KEYS}


def test_restore_honours_false_and_defaults(aws: Client):
    given, absent = restores(aws)
    assert given == dict.fromkeys(KEYS, False)
    # Single-AZ, no deletion protection, no tag copy; the default VPC has no internet gateway.
    assert absent == dict.fromkeys(KEYS, False)
    rds = aws("rds")
    described = rds.describe_db_instances(DBInstanceIdentifier="restored-false")["DBInstances"]
    assert {k: described[0][k] for k in KEYS} == given


def test_publicly_accessible_default_follows_the_internet_gateway(aws: Client):
    ec2, rds = aws("ec2"), aws("rds")
    snapshot = snapshot_of_all_true(aws, "public-source")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{n}.0/24",
                                 AvailabilityZone=f"us-west-1{az}")["Subnet"]["SubnetId"]
               for n, az in ((1, "a"), (2, "b"))]
    rds.create_db_subnet_group(DBSubnetGroupName="net", DBSubnetGroupDescription="net",
                               SubnetIds=subnets)
    private = rds.restore_db_instance_from_db_snapshot(
        DBInstanceIdentifier="restored-private", DBSnapshotIdentifier=snapshot,
        DBSubnetGroupName="net")["DBInstance"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    public = rds.restore_db_instance_from_db_snapshot(
        DBInstanceIdentifier="restored-public", DBSnapshotIdentifier=snapshot,
        DBSubnetGroupName="net")["DBInstance"]
    assert (private["PubliclyAccessible"], public["PubliclyAccessible"]) == (False, True)


def test_still_needed(unpatched: Client):
    given, _ = restores(unpatched)
    still_needed(any(given.values()), "rds_restore_overrides",
                 "RestoreDBInstanceFromDBSnapshot honouring false settings")


def test_the_restored_instance_starts_without_enhanced_monitoring(aws: Client):
    """The request cannot name a monitoring role: a snapshot whose source was monitored by a
    role since deleted (as a plain down leaves it) restores, unmonitored."""
    rds, iam = aws("rds"), aws("iam")
    trust = ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": '
             '"sts:AssumeRole", "Principal": {"Service": "monitoring.rds.amazonaws.com"}}]}')
    role = iam.create_role(RoleName="gone-monitoring", AssumeRolePolicyDocument=trust)
    rds.create_db_instance(
        DBInstanceIdentifier="monitored", DBInstanceClass="db.t3.micro", Engine="postgres",
        AllocatedStorage=20, MasterUsername="app", MasterUserPassword="not-a-secret-0",
        MonitoringInterval=60, MonitoringRoleArn=role["Role"]["Arn"])
    rds.create_db_snapshot(DBInstanceIdentifier="monitored", DBSnapshotIdentifier="monitored-s")
    iam.delete_role(RoleName="gone-monitoring")
    restored = rds.restore_db_instance_from_db_snapshot(
        DBInstanceIdentifier="monitored-restored", DBSnapshotIdentifier="monitored-s")
    assert restored["DBInstance"].get("MonitoringInterval", 0) == 0
    assert "MonitoringRoleArn" not in restored["DBInstance"]
    [source] = rds.describe_db_instances(DBInstanceIdentifier="monitored")["DBInstances"]
    assert source["MonitoringInterval"] == 60  # the source keeps its own settings


def test_without_a_subnet_group_the_restore_goes_to_the_default_vpc(aws: Client):
    """The source's subnet group, deleted since (as by down), is not the restore's."""
    ec2, rds = aws("ec2"), aws("rds")
    vpc = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.8.{n}.0/24",
                                 AvailabilityZone=f"us-west-1{az}")["Subnet"]["SubnetId"]
               for n, az in ((1, "a"), (2, "b"))]
    rds.create_db_subnet_group(DBSubnetGroupName="gone", DBSubnetGroupDescription="gone",
                               SubnetIds=subnets)
    rds.create_db_instance(
        DBInstanceIdentifier="in-gone", DBInstanceClass="db.t3.micro", Engine="postgres",
        AllocatedStorage=20, MasterUsername="app", MasterUserPassword="not-a-secret-0",
        DBSubnetGroupName="gone")
    rds.create_db_snapshot(DBInstanceIdentifier="in-gone", DBSnapshotIdentifier="in-gone-s")
    rds.delete_db_instance(DBInstanceIdentifier="in-gone", SkipFinalSnapshot=True)
    rds.delete_db_subnet_group(DBSubnetGroupName="gone")
    restored = rds.restore_db_instance_from_db_snapshot(
        DBInstanceIdentifier="in-default", DBSnapshotIdentifier="in-gone-s")["DBInstance"]
    assert restored.get("DBSubnetGroup", {}).get("VpcId") != vpc

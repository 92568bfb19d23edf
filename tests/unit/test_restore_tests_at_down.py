"""A down during an AWS Backup restore test: the test instance in the database subnets is
found (tag awsbackup-restore-test, the stack's subnet group) so it can go before the destroy;
another subnet group's, or an untagged instance, is not (in-process moto)."""

from __future__ import annotations

import boto3
import moto

from prodstack.ops.teardown import RESTORE_TEST_TAG, restore_tests

REGION = "us-west-1"


def test_restore_test_instances_in_the_stacks_subnet_group():
    with moto.mock_aws():
        ec2, rds = (boto3.client(s, region_name=REGION) for s in ("ec2", "rds"))
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{n}.0/24",
                                     AvailabilityZone=f"{REGION}{az}")["Subnet"]["SubnetId"]
                   for n, az in ((1, "a"), (2, "b"))]
        for group in ("stack-db", "other-db"):
            rds.create_db_subnet_group(DBSubnetGroupName=group, DBSubnetGroupDescription=group,
                                       SubnetIds=subnets)

        def instance(name: str, group: str, tagged: bool) -> None:
            rds.create_db_instance(
                DBInstanceIdentifier=name, DBInstanceClass="db.t3.micro", Engine="postgres",
                AllocatedStorage=20, MasterUsername="app", MasterUserPassword="not-secret-0",
                DBSubnetGroupName=group,
                Tags=[{"Key": RESTORE_TEST_TAG, "Value": "plan-1"}] if tagged else [])

        instance("awsbackup-restore-test-1", "stack-db", True)
        instance("awsbackup-restore-test-2", "other-db", True)
        instance("stack-db-main", "stack-db", False)
        assert restore_tests(rds, {"stack-db"}) == ["awsbackup-restore-test-1"]

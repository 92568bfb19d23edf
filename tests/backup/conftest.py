"""Fixtures for `backup verify`: one emulator for the package, a minimal database made with
boto3 (no stack deploy), and the stack's outputs pointed at it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from click.testing import CliRunner, Result

from prodstack.cli.backup import backup_group
from prodstack.config.load import load_settings
from prodstack.ops import workflow
from prodstack.runtime.clients import client
from prodstack.runtime.targets import Connection
from tests.conftest import running_emulator

Outputs = dict[str, Any]


@pytest.fixture(scope="package")
def emulator_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_emulator(tmp_path_factory.mktemp("backup-home")) as url:
        yield url


def boto(service: str, url: str) -> Any:
    return client(service, load_settings(), endpoint=url)


@pytest.fixture(scope="package")
def network(emulator_url: str) -> dict[str, Any]:
    """A VPC with two subnets in two AZs, a DB subnet group and a security group."""
    ec2 = boto("ec2", emulator_url)
    vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]][:2]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.42.{i}.0/24",
                                 AvailabilityZone=zone)["Subnet"]["SubnetId"]
               for i, zone in enumerate(zones)]
    boto("rds", emulator_url).create_db_subnet_group(
        DBSubnetGroupName="backup-test-db", DBSubnetGroupDescription="database subnets",
        SubnetIds=subnets)
    sg = ec2.create_security_group(GroupName="backup-test-db", Description="database",
                                   VpcId=vpc)["GroupId"]
    return {"vpc": vpc, "subnets": subnets, "subnet_group": "backup-test-db", "sg": sg}


@pytest.fixture
def make_db(emulator_url: str, network: dict[str, Any]) -> Callable[..., Outputs]:
    """`make_db(encrypted=True)` -> the outputs a deployed stack would give for it."""

    def make(encrypted: bool = True, version: str = "16.3") -> Outputs:
        name = f"bv-{uuid.uuid4().hex[:8]}-db"
        db = boto("rds", emulator_url).create_db_instance(
            DBInstanceIdentifier=name, Engine="postgres", EngineVersion=version,
            DBInstanceClass="db.t4g.micro", AllocatedStorage=20, DBName="productiondb",
            MasterUsername="dbadmin", ManageMasterUserPassword=True,
            StorageEncrypted=encrypted, DBSubnetGroupName=network["subnet_group"],
            VpcSecurityGroupIds=[network["sg"]], PubliclyAccessible=False,
            BackupRetentionPeriod=7)["DBInstance"]
        return {"db_identifier": name,
                "db_endpoint": f"{db['Endpoint']['Address']}:{db['Endpoint']['Port']}",
                "db_secret_arn": db["MasterUserSecret"]["SecretArn"]}

    return make


@pytest.fixture
def deployed(monkeypatch: pytest.MonkeyPatch, emulator_url: str) -> Callable[[Outputs], None]:
    """`deployed(outputs)`: `prodstack.ops.workflow.outputs` returns them, on the test emulator."""

    def use(values: Outputs) -> None:
        def fake_outputs(ws: workflow.Workspace) -> Outputs:
            ws.connection = Connection(emulator_url)
            return dict(values)

        monkeypatch.setattr(workflow, "outputs", fake_outputs)

    return use


def inventory(url: str) -> dict[str, set[str]]:
    """Every DB instance, snapshot and secret the emulator holds."""
    rds = boto("rds", url)
    return {
        "instances": {d["DBInstanceIdentifier"]
                      for d in rds.describe_db_instances()["DBInstances"]},
        "snapshots": {s["DBSnapshotIdentifier"]
                      for s in rds.describe_db_snapshots()["DBSnapshots"]},
        "secrets": {s["Name"] for s in boto("secretsmanager", url).list_secrets()["SecretList"]},
    }


def run(*args: str) -> Result:
    """`prodstack backup ARGS` through click, without sleeping between polls."""
    return CliRunner().invoke(backup_group, [*args, "--poll-interval", "0"])

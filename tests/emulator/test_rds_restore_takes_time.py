"""prodstack.runtime.moto_patches.rds_restore_takes_time"""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError

from tests.emulator.conftest import Client, still_needed

pytestmark = pytest.mark.emulator


def restored_status(client: Client, name: str) -> str:
    rds = client("rds")
    rds.create_db_instance(
        DBInstanceIdentifier=f"{name}-source", DBInstanceClass="db.t3.micro", Engine="postgres",
        AllocatedStorage=20, MasterUsername="app", MasterUserPassword="not-a-secret-0")
    rds.create_db_snapshot(DBInstanceIdentifier=f"{name}-source",
                           DBSnapshotIdentifier=f"{name}-snap")
    rds.restore_db_instance_from_db_snapshot(DBInstanceIdentifier=name,
                                             DBSnapshotIdentifier=f"{name}-snap")
    return str(rds.describe_db_instances(DBInstanceIdentifier=name)["DBInstances"][0][
        "DBInstanceStatus"])


def test_a_restore_is_creating_then_available_and_cannot_be_deleted_meanwhile(aws: Client):
    assert restored_status(aws, "slow-restore") == "creating"
    rds = aws("rds")
    with pytest.raises(ClientError) as early:
        rds.delete_db_instance(DBInstanceIdentifier="slow-restore", SkipFinalSnapshot=True)
    assert early.value.response["Error"]["Code"] == "InvalidDBInstanceState"
    deadline = time.monotonic() + 10
    while rds.describe_db_instances(DBInstanceIdentifier="slow-restore")["DBInstances"][0][
            "DBInstanceStatus"] != "available":
        assert time.monotonic() < deadline, "the restore never became available"
        time.sleep(0.2)
    rds.delete_db_instance(DBInstanceIdentifier="slow-restore", SkipFinalSnapshot=True)


def test_still_needed(unpatched: Client):
    still_needed(restored_status(unpatched, "instant-restore") == "available",
                 "rds_restore_takes_time", "a restore that is available at once")

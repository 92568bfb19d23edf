"""prodstack.runtime.moto_patches.backup_restore_jobs"""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError

from tests.emulator._backup import backed_up, role
from tests.emulator.conftest import Client, still_needed

pytestmark = pytest.mark.emulator


def test_a_recovery_point_restores_a_database_with_the_restore_metadata(aws: Client):
    instance, vault_name, job_id = backed_up(aws, "restorable")
    backup, rds, kms = aws("backup"), aws("rds"), aws("kms")
    point = backup.describe_backup_job(BackupJobId=job_id)["RecoveryPointArn"]
    metadata = backup.get_recovery_point_restore_metadata(
        BackupVaultName=vault_name, RecoveryPointArn=point)["RestoreMetadata"]
    restore_role = role(aws, "restorable-restore")
    started = backup.start_restore_job(
        RecoveryPointArn=point, IamRoleArn=restore_role, ResourceType="RDS",
        Metadata={**metadata, "DBInstanceIdentifier": "restorable-copy",
                  "DBInstanceClass": "db.t3.small", "DeletionProtection": "false"})
    job = backup.describe_restore_job(RestoreJobId=started["RestoreJobId"])
    assert job["RecoveryPointArn"] == point and job["ResourceType"] == "RDS"
    assert job["Status"] == "RUNNING"  # the instance is being created
    assert job["CreatedResourceArn"].endswith(":db:restorable-copy")
    restored = rds.describe_db_instances(DBInstanceIdentifier="restorable-copy")["DBInstances"][0]
    assert restored["DBInstanceClass"] == "db.t3.small"
    assert restored["KmsKeyId"] == instance["KmsKeyId"]  # the snapshot's key
    assert [j["RestoreJobId"] for j in backup.list_restore_jobs()["RestoreJobs"]
            if j["RecoveryPointArn"] == point] == [started["RestoreJobId"]]

    # with the snapshot's key disabled the restore fails, as RDS refuses it
    key_id = instance["KmsKeyId"].rsplit("/", 1)[1]
    kms.disable_key(KeyId=key_id)
    try:
        failed = backup.start_restore_job(
            RecoveryPointArn=point, IamRoleArn=restore_role,
            Metadata={**metadata, "DBInstanceIdentifier": "restorable-keyless"})
    finally:
        kms.enable_key(KeyId=key_id)
    job = backup.describe_restore_job(RestoreJobId=failed["RestoreJobId"])
    assert job["Status"] == "FAILED" and instance["KmsKeyId"] in job["StatusMessage"]

    # the first job completes once its instance is available (PRODSTACK_EMULATOR_RESTORE_SECONDS)
    for _ in range(100):
        status = backup.describe_restore_job(RestoreJobId=started["RestoreJobId"])["Status"]
        if status != "RUNNING":
            break
        time.sleep(0.1)
    assert status == "COMPLETED"
    with pytest.raises(ClientError) as unknown:
        backup.describe_restore_job(RestoreJobId="no-such-job")
    assert unknown.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_still_needed(unpatched: Client):
    try:
        unpatched("backup").describe_restore_job(RestoreJobId="probe")
        broken = False
    except ClientError as exc:
        broken = exc.response["Error"]["Code"] != "ResourceNotFoundException"
    still_needed(broken, "backup_restore_jobs", "StartRestoreJob and DescribeRestoreJob")

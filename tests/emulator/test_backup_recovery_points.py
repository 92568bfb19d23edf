"""prodstack.runtime.moto_patches.backup_recovery_points"""

from __future__ import annotations

from datetime import timedelta

import pytest
from botocore.exceptions import ClientError

from tests.emulator._backup import backed_up, database, role, vault
from tests.emulator.conftest import Client, still_needed

pytestmark = pytest.mark.emulator


def test_a_backup_job_of_a_database_keeps_an_awsbackup_snapshot_as_recovery_point(aws: Client):
    instance, vault_name, job_id = backed_up(aws, "kept")
    backup, rds = aws("backup"), aws("rds")
    job = backup.describe_backup_job(BackupJobId=job_id)
    assert job["State"] == "COMPLETED" and job["ResourceType"] == "RDS"
    assert job["ResourceArn"] == instance["DBInstanceArn"]
    point_arn = job["RecoveryPointArn"]
    [snapshot] = [s for s in rds.describe_db_snapshots(SnapshotType="awsbackup")["DBSnapshots"]
                  if s["DBInstanceIdentifier"] == "kept"]
    assert snapshot["DBSnapshotArn"] == point_arn
    assert snapshot["DBSnapshotIdentifier"] == f"awsbackup:job-{job_id.lower()}"
    assert snapshot["Encrypted"] and snapshot["KmsKeyId"] == instance["KmsKeyId"]
    # the vault lists it, with its lifecycle, and counts it
    [listed] = backup.list_recovery_points_by_backup_vault(
        BackupVaultName=vault_name)["RecoveryPoints"]
    assert listed["RecoveryPointArn"] == point_arn and listed["Status"] == "COMPLETED"
    assert listed["EncryptionKeyArn"] == instance["KmsKeyId"] and listed["IsEncrypted"]
    assert listed["Lifecycle"] == {"DeleteAfterDays": 7}
    assert listed["CalculatedLifecycle"]["DeleteAt"] - listed["CreationDate"] == timedelta(7)
    assert backup.describe_recovery_point(
        BackupVaultName=vault_name, RecoveryPointArn=point_arn)["ResourceArn"] == \
        instance["DBInstanceArn"]
    by_resource = backup.list_recovery_points_by_resource(ResourceArn=instance["DBInstanceArn"])
    assert [p["RecoveryPointArn"] for p in by_resource["RecoveryPoints"]] == [point_arn]
    assert [v["NumberOfRecoveryPoints"] for v in backup.list_backup_vaults()["BackupVaultList"]
            if v["BackupVaultName"] == vault_name] == [1]
    assert [j["BackupJobId"] for j in backup.list_backup_jobs(
        ByResourceArn=instance["DBInstanceArn"])["BackupJobs"]] == [job_id]
    metadata = backup.get_recovery_point_restore_metadata(
        BackupVaultName=vault_name, RecoveryPointArn=point_arn)["RestoreMetadata"]
    assert metadata["DBInstanceIdentifier"] == "kept" and metadata["MultiAZ"] == "false"

    # DeleteRecoveryPoint removes it and its snapshot
    backup.delete_recovery_point(BackupVaultName=vault_name, RecoveryPointArn=point_arn)
    assert backup.list_recovery_points_by_backup_vault(
        BackupVaultName=vault_name)["RecoveryPoints"] == []
    assert not [s for s in rds.describe_db_snapshots(SnapshotType="awsbackup")["DBSnapshots"]
                if s["DBSnapshotArn"] == point_arn]
    with pytest.raises(ClientError) as gone:
        backup.describe_recovery_point(BackupVaultName=vault_name, RecoveryPointArn=point_arn)
    assert gone.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_unknown_vaults_jobs_and_missing_resources(aws: Client):
    backup = aws("backup")
    instance = database(aws, "missing-vault")
    with pytest.raises(ClientError) as no_vault:
        backup.start_backup_job(BackupVaultName="no-such-vault",
                                ResourceArn=instance["DBInstanceArn"],
                                IamRoleArn=role(aws, "missing-vault"))
    assert no_vault.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as no_job:
        backup.describe_backup_job(BackupJobId="no-such-job")
    assert no_job.value.response["Error"]["Code"] == "ResourceNotFoundException"
    failed = backup.start_backup_job(
        BackupVaultName=vault(aws, "missing-db-vault"), IamRoleArn=role(aws, "missing-db"),
        ResourceArn=instance["DBInstanceArn"].replace("missing-vault", "no-such-db"))
    job = backup.describe_backup_job(BackupJobId=failed["BackupJobId"])
    assert job["State"] == "FAILED" and "no-such-db" in job["StatusMessage"]
    assert backup.list_recovery_points_by_backup_vault(
        BackupVaultName="missing-db-vault")["RecoveryPoints"] == []


def test_still_needed(unpatched: Client):
    try:
        unpatched("backup").start_backup_job(BackupVaultName="v", ResourceArn="arn:x",
                                             IamRoleArn="arn:y")
        broken = False
    except ClientError:
        broken = True
    still_needed(broken, "backup_recovery_points", "backup jobs and recovery points")

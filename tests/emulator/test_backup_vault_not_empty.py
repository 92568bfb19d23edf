"""prodstack.runtime.moto_patches.backup_vault_not_empty"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.emulator._backup import backed_up
from tests.emulator.conftest import Client, still_needed

pytestmark = pytest.mark.emulator


def test_a_vault_with_recovery_points_is_kept_until_they_are_deleted(aws: Client):
    _, vault_name, job_id = backed_up(aws, "full")
    backup = aws("backup")
    with pytest.raises(ClientError) as refused:
        backup.delete_backup_vault(BackupVaultName=vault_name)
    assert refused.value.response["Error"]["Code"] == "InvalidRequestException"
    assert refused.value.response["Error"]["Message"] == (
        "Backup vault cannot be deleted because it contains recovery points.")
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    # what the AWS provider does for force_destroy: delete every point, then the vault
    for point in backup.list_recovery_points_by_backup_vault(
            BackupVaultName=vault_name)["RecoveryPoints"]:
        backup.delete_recovery_point(BackupVaultName=vault_name,
                                     RecoveryPointArn=point["RecoveryPointArn"])
    backup.delete_backup_vault(BackupVaultName=vault_name)
    assert vault_name not in [v["BackupVaultName"]
                              for v in backup.list_backup_vaults()["BackupVaultList"]]
    with pytest.raises(ClientError) as missing:
        backup.list_recovery_points_by_backup_vault(BackupVaultName=vault_name)
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert backup.describe_backup_job(BackupJobId=job_id)["State"] == "COMPLETED"


def test_still_needed(unpatched: Client):
    # moto deletes a vault without looking for recovery points: it keeps none to look for,
    # and has no DeleteRecoveryPoint either
    backup = unpatched("backup")
    backup.create_backup_vault(BackupVaultName="probe")
    try:
        backup.delete_recovery_point(BackupVaultName="probe", RecoveryPointArn="arn:x")
        broken = False
    except ClientError:
        broken = True
    still_needed(broken, "backup_vault_not_empty", "recovery points that block DeleteBackupVault")

"""prodstack.moto_patches.backup_vault_recovery_points"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.emulator.conftest import Client, still_needed

pytestmark = pytest.mark.emulator


def list_points(client: Client) -> list[object] | None:
    """The recovery points of a new vault, or None when the action fails."""
    backup = client("backup")
    backup.create_backup_vault(BackupVaultName="points")
    try:
        return list(backup.list_recovery_points_by_backup_vault(
            BackupVaultName="points")["RecoveryPoints"])
    except ClientError:  # 404 "Not yet implemented"
        return None


def test_force_destroy_path(aws: Client):
    # What the AWS provider does to delete a vault with force_destroy = true.
    assert list_points(aws) == []
    backup = aws("backup")
    backup.delete_backup_vault(BackupVaultName="points")
    assert "points" not in [v["BackupVaultName"]
                            for v in backup.list_backup_vaults()["BackupVaultList"]]
    with pytest.raises(ClientError) as missing:
        backup.list_recovery_points_by_backup_vault(BackupVaultName="points")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_still_needed(unpatched: Client):
    still_needed(list_points(unpatched) is None, "backup_vault_recovery_points",
                 "ListRecoveryPointsByBackupVault")

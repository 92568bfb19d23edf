"""DeleteBackupVault: a vault that holds recovery points cannot be deleted.

moto: DeleteBackupVault deletes any vault (moto keeps no recovery points;
`backup_recovery_points` adds them).
AWS (AWS Backup API reference, "DeleteBackupVault"; Developer Guide, "Deleting a backup
vault"): "Deletes the backup vault identified by its name. A vault can be deleted only if it
is empty." A vault that holds recovery points is refused with `InvalidRequestException`
"Backup vault cannot be deleted because it contains recovery points." (HTTP 400); delete its
recovery points first (DeleteRecoveryPoint, which the AWS provider does for a vault with
`force_destroy = true`).
"""

from __future__ import annotations

from moto.backup.exceptions import InvalidRequestException
from moto.backup.models import BackupBackend

from prodstack.runtime.moto_patches import _backup_store as backups

MOTO_VERSION = "5.2.5"
MESSAGE = "Backup vault cannot be deleted because it contains recovery points."
REFUSES = (
    ("Deleting a backup vault that holds recovery points (delete them first, or "
     "`force_destroy` on `aws_backup_vault`)", f"InvalidRequestException: {MESSAGE}",
     "https://docs.aws.amazon.com/aws-backup/latest/devguide/API_DeleteBackupVault.html"),
)


def apply() -> None:
    delete = BackupBackend.delete_backup_vault

    def delete_if_empty(self: BackupBackend, backup_vault_name: str) -> None:
        if backups.in_vault(self, backup_vault_name):
            raise InvalidRequestException(msg=MESSAGE)
        delete(self, backup_vault_name)

    BackupBackend.delete_backup_vault = delete_if_empty  # type: ignore[method-assign]

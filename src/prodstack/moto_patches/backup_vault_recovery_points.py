"""ListRecoveryPointsByBackupVault, so that a vault with `force_destroy` can be deleted.

moto: ListRecoveryPointsByBackupVault is not routed (HTTP 404 "Not yet implemented"). The AWS
provider lists a vault's recovery points before deleting an `aws_backup_vault` with
`force_destroy = true`, so that destroy fails and the vault is left behind.
AWS (AWS Backup API reference, "ListRecoveryPointsByBackupVault"): returns the vault's
recovery points (`RecoveryPoints`, paginated); an unknown vault is ResourceNotFoundException.
moto creates no recovery points (it runs no backup jobs), so every vault's list is empty.
"""

from __future__ import annotations

import json
from urllib.parse import unquote

from moto.backup import urls
from moto.backup.responses import BackupResponse

MOTO_VERSION = "5.2.5"
PATH = "{0}/backup-vaults/(?P<name>[^/]+)/recovery-points/$"


def list_recovery_points_by_backup_vault(self: BackupResponse) -> str:
    vault_name = unquote(self.path.split("/backup-vaults/", 1)[1].split("/", 1)[0])
    self.backup_backend.describe_backup_vault(vault_name)  # ResourceNotFoundException
    return json.dumps({"RecoveryPoints": []})


def apply() -> None:
    BackupResponse.list_recovery_points_by_backup_vault = (  # type: ignore[attr-defined]
        list_recovery_points_by_backup_vault)
    urls.url_paths[PATH] = urls.response.dispatch

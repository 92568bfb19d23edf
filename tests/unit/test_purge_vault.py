"""down --purge empties the backup vault before it deletes it (prodstack.ops.purge.purge_vault),
against a stand-in AWS Backup that deletes asynchronously as AWS does."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from prodstack.core.errors import UserError
from prodstack.ops import purge

VAULT = "prodstack-production-vault"
NOT_EMPTY = ClientError({"Error": {"Code": "InvalidRequestException", "Message":
                                   "Backup vault cannot be deleted because it contains "
                                   "recovery points."}}, "DeleteBackupVault")


class Backup:
    """Points go DELETING when asked, and leave the list `lag` listings later; the vault
    refuses deletion `refusals` more times after the list is empty (AWS's own lag)."""

    def __init__(self, statuses: dict[str, str], lag: int = 2, refusals: int = 1,
                 expire: bool = False) -> None:
        self.statuses, self.lag, self.refusals, self.expire = dict(statuses), lag, refusals, expire
        self.countdown = {arn: lag for arn, status in statuses.items() if status == "DELETING"}
        self.deleted_vault = False
        self.calls: list[str] = []

    def get_paginator(self, name: str) -> Any:
        backup = self

        class Pages:
            def paginate(self, **_: Any) -> list[dict[str, Any]]:
                for arn in list(backup.countdown):
                    backup.countdown[arn] -= 1
                    if backup.countdown[arn] < 0:
                        del backup.countdown[arn], backup.statuses[arn]
                return [{"RecoveryPoints": [{"RecoveryPointArn": a, "Status": s}
                                            for a, s in backup.statuses.items()]}]
        return Pages()

    def delete_recovery_point(self, BackupVaultName: str, RecoveryPointArn: str) -> None:
        self.calls.append(f"delete {RecoveryPointArn}")
        if self.expire:
            self.statuses[RecoveryPointArn] = "EXPIRED"
            return
        self.statuses[RecoveryPointArn] = "DELETING"
        self.countdown[RecoveryPointArn] = self.lag

    def delete_backup_vault(self, BackupVaultName: str) -> None:
        self.calls.append("delete vault")
        if self.statuses or self.refusals:
            self.refusals -= 0 if self.statuses else 1
            raise NOT_EMPTY
        self.deleted_vault = True


class Workspace:
    def __init__(self, backup: Backup) -> None:
        self.backup, self.said = backup, []

    def clients(self) -> Any:
        return lambda service: self.backup

    def say(self, text: str) -> None:
        self.said.append(text)


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(purge, "VAULT_POLL_SECONDS", 0)


def test_the_vault_goes_once_no_point_is_listed_in_any_status():
    backup = Backup({"rp-1": "COMPLETED", "rp-2": "DELETING"}, lag=2, refusals=1)
    ws = Workspace(backup)
    assert purge.purge_vault(ws, VAULT) == [f"1 recovery point(s) and backup vault {VAULT}"]
    assert backup.deleted_vault
    assert backup.calls.count("delete rp-1") == 1 and "delete rp-2" not in backup.calls
    # never asked while a point was listed, and asked again after AWS Backup's own refusal
    assert backup.calls[-2:] == ["delete vault", "delete vault"]
    assert any("waiting for AWS Backup" in line for line in ws.said)


def test_an_expired_point_names_what_the_caller_needs():
    ws = Workspace(Backup({"rp-1": "COMPLETED"}, expire=True))
    with pytest.raises(UserError, match=r"EXPIRED.*iam:CreateServiceLinkedRole"):
        purge.purge_vault(ws, VAULT)


def test_a_vault_that_never_empties_is_named_after_the_deadline(monkeypatch):
    monkeypatch.setattr(purge, "VAULT_EMPTY_TIMEOUT_SECONDS", 0)
    ws = Workspace(Backup({"rp-1": "COMPLETED"}, lag=10**6))
    with pytest.raises(UserError, match="still holds recovery points"):
        purge.purge_vault(ws, VAULT)

"""prodstack.runtime.moto_patches.backup_plan_names"""

from __future__ import annotations

import pytest

from tests.emulator.conftest import Client, still_needed

pytestmark = pytest.mark.emulator

PLAN = {"BackupPlanName": "again", "Rules": [{"RuleName": "daily",
                                             "TargetBackupVaultName": "vault"}]}


def recreate(client: Client) -> tuple[str, str | None]:
    """Create, delete and create again a plan of the same name: (first id, second id or None)."""
    backup = client("backup")
    backup.create_backup_vault(BackupVaultName="vault")
    first = backup.create_backup_plan(BackupPlan=PLAN)["BackupPlanId"]
    backup.delete_backup_plan(BackupPlanId=first)
    try:
        return first, backup.create_backup_plan(BackupPlan=PLAN)["BackupPlanId"]
    except Exception:  # AlreadyExistsException
        return first, None


def test_a_deleted_plans_name_can_be_used_again(aws: Client):
    first, second = recreate(aws)
    assert second is not None and second != first
    backup = aws("backup")
    # The session's emulator is shared with other tests: only this test's plans count.
    listed = [p["BackupPlanId"] for p in backup.list_backup_plans()["BackupPlansList"]
              if p["BackupPlanName"] == PLAN["BackupPlanName"]]
    assert listed == [second]
    with_deleted = {p["BackupPlanId"] for p in backup.list_backup_plans(
        IncludeDeleted=True)["BackupPlansList"] if p["BackupPlanName"] == PLAN["BackupPlanName"]}
    assert with_deleted == {first, second}
    # A live plan still holds its name.
    try:
        backup.create_backup_plan(BackupPlan=PLAN)
    except backup.exceptions.AlreadyExistsException:
        pass
    else:
        raise AssertionError("a second live plan with the same name was accepted")


def test_still_needed(unpatched: Client):
    still_needed(recreate(unpatched)[1] is None, "backup_plan_names",
                 "reusing the name of a deleted backup plan")

"""prodstack.runtime.moto_patches.backup_selections"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.emulator.conftest import Client, still_needed
from tests.emulator.service_policies import trust

pytestmark = pytest.mark.emulator

ROLE = "arn:aws:iam::123456789012:role/backup"
DB = "arn:aws:rds:us-west-1:123456789012:db:main"


def plan(client: Client, name: str) -> str:
    backup = client("backup")
    backup.create_backup_vault(BackupVaultName=f"{name}-vault")
    return str(backup.create_backup_plan(BackupPlan={"BackupPlanName": name, "Rules": [
        {"RuleName": "daily", "TargetBackupVaultName": f"{name}-vault"}]})["BackupPlanId"])


def create_selection(client: Client) -> str | None:
    """Create a selection: its id, or None when the action fails."""
    plan_id = plan(client, "probe")
    try:
        return str(client("backup").create_backup_selection(BackupPlanId=plan_id, BackupSelection={
            "SelectionName": "db", "IamRoleArn": ROLE, "Resources": [DB]})["SelectionId"])
    except Exception:  # HTTP 500 from a server, NotImplementedError in-process
        return None


@pytest.fixture(scope="module")
def backup_role(aws: Client) -> str:
    """The role AWS Backup assumes (the strict emulator refuses one it cannot assume)."""
    aws("iam").create_role(RoleName="backup",
                           AssumeRolePolicyDocument=trust("backup.amazonaws.com"))
    return ROLE


def test_selection_lifecycle(aws: Client, backup_role: str):
    backup, plan_id = aws("backup"), plan(aws, "main")
    document = {"SelectionName": "database", "IamRoleArn": ROLE, "Resources": [DB],
                "NotResources": [], "ListOfTags": [],
                "Conditions": {"StringEquals": [], "StringNotEquals": [], "StringLike": [],
                               "StringNotLike": []}}
    created = backup.create_backup_selection(BackupPlanId=plan_id, BackupSelection=document,
                                             CreatorRequestId="req-1")
    selection_id = created["SelectionId"]
    assert created["BackupPlanId"] == plan_id and created["CreationDate"]
    got = backup.get_backup_selection(BackupPlanId=plan_id, SelectionId=selection_id)
    assert got["BackupSelection"] == document
    assert (got["SelectionId"], got["BackupPlanId"], got["CreatorRequestId"]) == (
        selection_id, plan_id, "req-1")
    listed = backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"]
    assert [(s["SelectionId"], s["SelectionName"], s["IamRoleArn"]) for s in listed] == [
        (selection_id, "database", ROLE)]
    with pytest.raises(ClientError, match="Related backup plan selections must be deleted"):
        backup.delete_backup_plan(BackupPlanId=plan_id)
    backup.delete_backup_selection(BackupPlanId=plan_id, SelectionId=selection_id)
    with pytest.raises(ClientError) as missing:
        backup.get_backup_selection(BackupPlanId=plan_id, SelectionId=selection_id)
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as again:
        backup.delete_backup_selection(BackupPlanId=plan_id, SelectionId=selection_id)
    assert again.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"] == []
    backup.delete_backup_plan(BackupPlanId=plan_id)


def test_selection_needs_resources_or_tags(aws: Client, backup_role: str):
    with pytest.raises(ClientError, match="Either 'ListOfTags' or 'Resources'"):
        aws("backup").create_backup_selection(BackupPlanId=plan(aws, "empty"), BackupSelection={
            "SelectionName": "nothing", "IamRoleArn": ROLE})


def test_still_needed(unpatched: Client):
    still_needed(create_selection(unpatched) is None, "backup_selections",
                 "CreateBackupSelection")

"""prodstack.runtime.moto_patches.backup_restore_testing"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.emulator._backup import role
from tests.emulator.conftest import Client, still_needed

pytestmark = pytest.mark.emulator

SELECTION = {"Algorithm": "LATEST_WITHIN_WINDOW", "IncludeVaults": ["*"],
             "RecoveryPointTypes": ["SNAPSHOT"], "SelectionWindowDays": 7}


def code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def test_plans_and_selections_are_kept_read_back_updated_and_deleted(aws: Client):
    backup = aws("backup")
    created = backup.create_restore_testing_plan(
        CreatorRequestId="req-1", Tags={"team": "db"}, RestoreTestingPlan={
            "RestoreTestingPlanName": "weekly_restore", "RecoveryPointSelection": SELECTION,
            "ScheduleExpression": "cron(0 1 ? * SUN *)"})
    arn = created["RestoreTestingPlanArn"]
    assert arn.startswith("arn:aws:backup:us-west-1:123456789012:restore-testing-plan:weekly")
    plan = backup.get_restore_testing_plan(
        RestoreTestingPlanName="weekly_restore")["RestoreTestingPlan"]
    assert plan["RecoveryPointSelection"] == SELECTION and plan["CreatorRequestId"] == "req-1"
    assert (plan["ScheduleExpressionTimezone"], plan["StartWindowHours"]) == ("Etc/UTC", 24)
    assert backup.list_tags(ResourceArn=arn)["Tags"] == {"team": "db"}
    assert [p["RestoreTestingPlanName"] for p in
            backup.list_restore_testing_plans()["RestoreTestingPlans"]] == ["weekly_restore"]
    with pytest.raises(ClientError) as twice:
        backup.create_restore_testing_plan(RestoreTestingPlan={
            "RestoreTestingPlanName": "weekly_restore", "RecoveryPointSelection": SELECTION,
            "ScheduleExpression": "cron(0 1 ? * SUN *)"})
    assert code(twice) == "AlreadyExistsException"

    backup.update_restore_testing_plan(RestoreTestingPlanName="weekly_restore",
                                       RestoreTestingPlan={"StartWindowHours": 8})
    plan = backup.get_restore_testing_plan(
        RestoreTestingPlanName="weekly_restore")["RestoreTestingPlan"]
    assert plan["StartWindowHours"] == 8 and "LastUpdateTime" in plan

    restore_role = role(aws, "restore-tester")
    backup.create_restore_testing_selection(
        RestoreTestingPlanName="weekly_restore", RestoreTestingSelection={
            "RestoreTestingSelectionName": "databases", "IamRoleArn": restore_role,
            "ProtectedResourceType": "RDS", "ProtectedResourceArns": ["*"],
            "RestoreMetadataOverrides": {"DBInstanceClass": "db.t3.micro"},
            "ValidationWindowHours": 2})
    selection = backup.get_restore_testing_selection(
        RestoreTestingPlanName="weekly_restore",
        RestoreTestingSelectionName="databases")["RestoreTestingSelection"]
    assert selection["IamRoleArn"] == restore_role and selection["ValidationWindowHours"] == 2
    assert selection["RestoreMetadataOverrides"] == {"DBInstanceClass": "db.t3.micro"}
    backup.update_restore_testing_selection(
        RestoreTestingPlanName="weekly_restore", RestoreTestingSelectionName="databases",
        RestoreTestingSelection={"ValidationWindowHours": 4})
    [listed] = backup.list_restore_testing_selections(
        RestoreTestingPlanName="weekly_restore")["RestoreTestingSelections"]
    assert listed["ValidationWindowHours"] == 4

    with pytest.raises(ClientError) as busy:
        backup.delete_restore_testing_plan(RestoreTestingPlanName="weekly_restore")
    assert code(busy) == "InvalidRequestException"
    backup.delete_restore_testing_selection(RestoreTestingPlanName="weekly_restore",
                                            RestoreTestingSelectionName="databases")
    backup.delete_restore_testing_plan(RestoreTestingPlanName="weekly_restore")
    with pytest.raises(ClientError) as gone:
        backup.get_restore_testing_plan(RestoreTestingPlanName="weekly_restore")
    assert code(gone) == "ResourceNotFoundException"


def test_still_needed(unpatched: Client):
    try:
        unpatched("backup").list_restore_testing_plans()
        broken = False
    except ClientError:
        broken = True
    still_needed(broken, "backup_restore_testing", "restore testing plans and selections")

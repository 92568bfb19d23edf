"""prodstack.runtime.moto_patches.backup_plan_run"""

from __future__ import annotations

from datetime import timedelta

import pytest

from prodstack.core.errors import UserError
from prodstack.runtime import emulator
from tests.emulator._backup import database, role, vault
from tests.emulator.conftest import REGION, Client, still_needed

pytestmark = pytest.mark.emulator


def plan(client: Client, name: str, vault_name: str) -> str:
    return str(client("backup").create_backup_plan(BackupPlan={
        "BackupPlanName": name, "Rules": [
            {"RuleName": "daily", "TargetBackupVaultName": vault_name,
             "ScheduleExpression": "cron(0 5 ? * * *)", "Lifecycle": {"DeleteAfterDays": 35}},
            {"RuleName": "monthly", "TargetBackupVaultName": vault_name,
             "Lifecycle": {"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 365}}]})
        ["BackupPlanId"])


def test_running_a_plan_backs_up_what_its_selections_assign(aws: Client, emulator_url: str):
    backup = aws("backup")
    by_arn = database(aws, "planned-by-arn")
    by_tag = database(aws, "planned-by-tag", Tags=[{"Key": "backup", "Value": "yes"}])
    database(aws, "planned-not", Tags=[{"Key": "backup", "Value": "no"}])
    vault_name = vault(aws, "planned-vault")
    plan_id = plan(aws, "planned", vault_name)
    backup_role = role(aws, "planned-backup")
    backup.create_backup_selection(BackupPlanId=plan_id, BackupSelection={
        "SelectionName": "by-arn", "IamRoleArn": backup_role,
        "Resources": [by_arn["DBInstanceArn"]]})
    backup.create_backup_selection(BackupPlanId=plan_id, BackupSelection={
        "SelectionName": "by-tag", "IamRoleArn": backup_role, "ListOfTags": [
            {"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "yes"}]})

    jobs = emulator.run_backup_plan(emulator_url, plan_id, REGION, rule="daily")
    assert sorted(j["ResourceArn"] for j in jobs) == sorted(
        [by_arn["DBInstanceArn"], by_tag["DBInstanceArn"]])
    assert {j["State"] for j in jobs} == {"COMPLETED"}
    points = backup.list_recovery_points_by_backup_vault(
        BackupVaultName=vault_name, ByBackupPlanId=plan_id)["RecoveryPoints"]
    assert sorted(p["RecoveryPointArn"] for p in points) == sorted(
        j["RecoveryPointArn"] for j in jobs)
    rule_ids = {r["RuleName"]: r["RuleId"] for r in
                backup.get_backup_plan(BackupPlanId=plan_id)["BackupPlan"]["Rules"]}
    for point in points:
        assert point["CreatedBy"]["BackupPlanId"] == plan_id
        assert point["CreatedBy"]["BackupRuleId"] == rule_ids["daily"]
        assert point["IamRoleArn"] == backup_role
        assert point["CalculatedLifecycle"]["DeleteAt"] - point["CreationDate"] == \
            timedelta(35)
    assert "LastExecutionDate" in backup.get_backup_plan(BackupPlanId=plan_id)
    # every rule when none is named
    assert len(emulator.run_backup_plan(emulator_url, plan_id, REGION)) == 4
    with pytest.raises(UserError, match="no backup plan"):
        emulator.run_backup_plan(emulator_url, "no-such-plan", REGION)


def test_still_needed(unpatched: Client):
    # moto never runs a plan: nothing else starts a backup job in it
    from moto.moto_api._internal import urls
    still_needed(not any("backup" in path for path in urls.url_paths), "backup_plan_run",
                 "running a backup plan's rules")

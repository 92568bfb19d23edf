"""AWS Backup restore testing in the synthesized stack: a weekly plan over the stack's vault and
a selection of the database that restores into the database's subnets and security group
(aws target); left out of the local target while the emulator does not serve the API.

`terraform validate` of the aws target (tests/plan/test_validate.py) checks the arguments
against the provider's schema; these tests check what the arguments say.
"""

from __future__ import annotations

import re

import pytest

from prodstack.config.naming import Names
from prodstack.config.profiles import PROFILES
from prodstack.stack.compose import build
from prodstack.stack.parts.operations import RESTORE_TEST_SCHEDULE
from tests.conftest import resources, settings_for

# AWS Backup API reference, CreateRestoreTestingPlan: letters, digits, underscores, 1 to 50.
PLAN_NAME = re.compile(r"^[A-Za-z0-9_]{1,50}$")


@pytest.mark.parametrize("env", list(PROFILES))
def test_a_weekly_plan_tests_the_vaults_latest_recovery_point(synth, env):
    doc = synth(env, "aws")
    [plan] = resources(doc, "aws_backup_restore_testing_plan").values()
    assert plan["name"] == f"prodstack_{env}_restore_testing"
    assert plan["schedule_expression"] == RESTORE_TEST_SCHEDULE == "cron(0 9 ? * MON *)"
    [selection] = plan["recovery_point_selection"]
    assert selection["algorithm"] == "LATEST_WITHIN_WINDOW"
    assert selection["include_vaults"] == ["${aws_backup_vault.main.arn}"]
    assert selection["recovery_point_types"] == ["SNAPSHOT"]
    assert 1 <= selection["selection_window_days"] <= 365
    assert 1 <= plan["start_window_hours"] <= 168


def test_the_selection_restores_the_database_where_it_lives(synth):
    doc = synth("production", "aws")
    [selection] = resources(doc, "aws_backup_restore_testing_selection").values()
    assert selection["restore_testing_plan_name"] == \
        "${aws_backup_restore_testing_plan.database.name}"
    assert selection["protected_resource_type"] == "RDS"
    assert selection["protected_resource_arns"] == ["${aws_db_instance.main.arn}"]
    assert selection["restore_metadata_overrides"] == {
        "dbSubnetGroupName": "${aws_db_instance.main.db_subnet_group_name}",
        "vpcSecurityGroupIds": "${jsonencode(aws_db_instance.main.vpc_security_group_ids)}"}
    assert 0 < selection["validation_window_hours"] <= 168
    assert PLAN_NAME.match(selection["name"])
    # the role AWS Backup assumes may restore
    assert selection["iam_role_arn"] == "${aws_iam_role.backup.arn}"
    role = resources(doc, "aws_iam_role")["backup"]
    assert '"backup.amazonaws.com"' in role["assume_role_policy"]
    attached = [a["policy_arn"] for a in resources(doc, "aws_iam_role_policy_attachment").values()
                if a["role"] == "${aws_iam_role.backup.name}"]
    assert any(a.endswith("service-role/AWSBackupServiceRolePolicyForRestores")
               for a in attached)


def test_the_database_subnets_the_test_restores_into_have_no_route_to_the_internet(synth):
    """The restored test instance stays private: its subnet group's subnets route nowhere."""
    doc = synth("production", "aws")
    routes = resources(doc, "aws_route")
    assert [r for r in routes.values() if r["route_table_id"] == "${aws_route_table.public.id}"]
    assert not [r for r in routes.values() if r["route_table_id"] == "${aws_route_table.db.id}"]


@pytest.mark.parametrize("project", ["a1", "my-shop-01"])
def test_plan_names_fit_aws_for_every_project_and_environment(project):
    for env in PROFILES:
        name = Names(project, env, "ap-southeast-2").restore_testing_plan
        assert PLAN_NAME.match(name), name
    assert Names("my-shop-01", "production", "x").restore_testing_plan == \
        "my_shop_01_production_restore_testing"


def test_the_local_target_applies_restore_testing_like_the_aws_target():
    """The emulator serves AWS Backup's restore testing (moto_patches.backup_restore_testing)."""
    doc = build(settings_for("production", "local")).doc.to_dict()
    for type_ in ("aws_backup_restore_testing_plan", "aws_backup_restore_testing_selection"):
        assert list(resources(doc, type_)) == ["database"]

"""Restore testing is priced: per restore job and for the hours its instance exists, as often as
the plan's schedule runs (a hand-written plan, priced from the shipped us-west-1 table)."""

from __future__ import annotations

from typing import Any

import pytest

from prodstack.ops.cost.estimate import free_reason
from prodstack.ops.cost.restore_testing import WEEKS_PER_MONTH, runs_per_month
from prodstack.stack.parts.operations import RESTORE_TEST_SCHEDULE
from tests.cost.conftest import estimate_data, item


@pytest.mark.parametrize(("expression", "runs"), [
    (RESTORE_TEST_SCHEDULE, WEEKS_PER_MONTH),  # prodstack's: weekly
    ("cron(0 9 ? * MON-FRI *)", 5 * WEEKS_PER_MONTH),
    ("cron(30 2,14 ? * SUN,WED *)", 4 * WEEKS_PER_MONTH),
    ("cron(0 5 * * ? *)", 365 / 12),
    ("cron(0 5 1 * ? *)", 1),
    ("cron(0 5 1,15 */3 ? *)", None),  # a step: not read
    ("cron(0 5 1 1,7 ? *)", 2 / 12),
    ("rate(12 hours)", 730 / 12),
    ("rate(1 day)", 365 / 12),
    ("cron(0 5 L * ? *)", None),
    ("at(2025-01-01T00:00:00)", None),
    ("cron(0 5 * *)", None),
])
def test_runs_per_month(expression, runs):
    found = runs_per_month(expression)
    assert found == (None if runs is None else pytest.approx(runs))


def plan_with(schedule: str, arns: Any = None, window: int = 1) -> dict[str, Any]:
    def change(type_: str, name: str, after: dict[str, Any]) -> dict[str, Any]:
        return {"address": f"{type_}.{name}", "mode": "managed", "type": type_, "name": name,
                "change": {"actions": ["create"], "after": after}}

    references = {"restore_testing_plan_name": {"references": [
        "aws_backup_restore_testing_plan.weekly.name", "aws_backup_restore_testing_plan.weekly"]}}
    if arns is None:
        references["protected_resource_arns"] = {"references": [
            "aws_db_instance.main.arn", "aws_db_instance.main"]}
    return {
        "format_version": "1.2",
        "resource_changes": [
            change("aws_db_instance", "main", {
                "engine": "postgres", "instance_class": "db.t4g.medium", "multi_az": True,
                "allocated_storage": 20, "storage_type": "gp3", "backup_retention_period": 14}),
            change("aws_backup_restore_testing_plan", "weekly", {
                "name": "shop_production_restore_testing", "schedule_expression": schedule}),
            change("aws_backup_restore_testing_selection", "db", {
                "name": "database", "protected_resource_type": "RDS",
                "protected_resource_arns": arns, "validation_window_hours": window}),
        ],
        "configuration": {
            "provider_config": {"aws": {"name": "aws", "expressions": {
                "region": {"constant_value": "us-west-1"}}}},
            "root_module": {"resources": [{
                "address": "aws_backup_restore_testing_selection.db", "mode": "managed",
                "type": "aws_backup_restore_testing_selection", "name": "db",
                "expressions": references}]}},
    }


def test_a_weekly_test_of_the_database_is_priced_per_job_and_instance_hour():
    est = estimate_data(plan_with(RESTORE_TEST_SCHEDULE))
    selection = item(est, "aws_backup_restore_testing_selection.db")
    assert selection.status == "priced", selection.basis
    hours = 1 + 1  # restore_test_hours + validation window
    each = 1.50 + hours * 0.075 + 20 * 0.138 * hours / 730  # us-west-1 db.t4g.medium, gp3
    assert selection.monthly_usd == pytest.approx(WEEKS_PER_MONTH * each, abs=0.01)
    assert "db.t4g.medium single-AZ" in selection.basis
    plan = item(est, "aws_backup_restore_testing_plan.weekly")
    assert plan.status == "free" and plan.monthly_usd == 0
    assert free_reason("aws_backup_restore_testing_plan") == \
        "priced on its restore testing selections"


def test_a_longer_validation_window_and_an_assumption_change_the_price():
    short = item(estimate_data(plan_with(RESTORE_TEST_SCHEDULE)),
                 "aws_backup_restore_testing_selection.db").monthly_usd
    longer = item(estimate_data(plan_with(RESTORE_TEST_SCHEDULE, window=24)),
                  "aws_backup_restore_testing_selection.db").monthly_usd
    slower = item(estimate_data(plan_with(RESTORE_TEST_SCHEDULE), restore_test_hours=3),
                  "aws_backup_restore_testing_selection.db").monthly_usd
    assert short < slower < longer


def test_a_wildcard_selection_tests_every_database_of_the_plan():
    est = estimate_data(plan_with("cron(0 9 ? * * *)", arns=["*"]))
    selection = item(est, "aws_backup_restore_testing_selection.db")
    assert selection.status == "priced" and "aws_db_instance.main" in selection.basis


def test_a_schedule_it_cannot_read_leaves_the_selection_unpriced_with_the_reason():
    est = estimate_data(plan_with("cron(0 9 L * ? *)"))
    selection = item(est, "aws_backup_restore_testing_selection.db")
    assert selection.status == "unpriced" and "cron(0 9 L * ? *)" in selection.basis

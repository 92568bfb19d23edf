"""Each fix in prodstack's production plan, undone one at a time, makes its rule fire.

The production plan (made by `plan_stack`, marked `plan`) has no findings; these tests edit a
copy the way a regression would (a resource dropped, a value or an expression changed) and
check that the audit names the failure mode, and only it (so a rule fires for its own cause).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from prodstack.catalog.model import AuditInput
from prodstack.config.load import load_settings
from prodstack.ops.audit.engine import run
from prodstack.ops.offline_plan import plan_stack
from prodstack.tf.folder import FolderConfig
from prodstack.tf.plan import load_plan, strip_instance_keys

pytestmark = pytest.mark.plan
Plan = dict[str, Any]


@pytest.fixture(scope="module")
def production_plan(audit_home: Path) -> Plan:
    return plan_stack(load_settings(env="production"))


def _config(plan: Plan, address: str) -> dict[str, Any]:
    key = strip_instance_keys(address)
    return next(r for r in plan["configuration"]["root_module"]["resources"]
                if r["address"] == key)


def drop(plan: Plan, address: str) -> None:
    plan["resource_changes"] = [r for r in plan["resource_changes"] if r["address"] != address]
    root = plan["planned_values"]["root_module"]
    root["resources"] = [r for r in root["resources"] if r["address"] != address]
    resources = plan["configuration"]["root_module"]["resources"]
    resources.remove(_config(plan, address))


def _leaf(node: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    for part in path[:-1]:
        child = node.setdefault(part, [{}])
        node = child[0] if isinstance(child, list) else child
    return node


def set_after(plan: Plan, address: str, *path: str, value: Any) -> None:
    """Make the planned value known and equal to `value` (and written in the config)."""
    for change in plan["resource_changes"]:
        if change["address"] == address:
            _leaf(change["change"]["after"], path)[path[-1]] = value
            _leaf(change["change"]["after_unknown"], path).pop(path[-1], None)
            expressions = _config(plan, address)["expressions"]
            if len(path) == 1:
                expressions[path[0]] = {"constant_value": value}
            return
    raise KeyError(address)


def unset(plan: Plan, address: str, attr: str) -> None:
    _config(plan, address)["expressions"].pop(attr, None)


def point(plan: Plan, address: str, attr: str, references: list[str]) -> None:
    _config(plan, address)["expressions"][attr] = {"references": references}


REGRESSIONS: dict[str, Callable[[Plan], None]] = {
    "FM-1.1": lambda p: drop(p, "aws_acm_certificate_validation.site"),
    "FM-2.1": lambda p: drop(p, "aws_wafv2_web_acl_association.web"),
    "FM-2.2": lambda p: unset(p, "aws_db_instance.main", "publicly_accessible"),
    "FM-2.3": lambda p: (drop(p, "aws_s3_bucket_object_lock_configuration.audit"),
                         set_after(p, "aws_s3_bucket.audit", "object_lock_enabled",
                                   value=False)),
    "FM-2.4": lambda p: (set_after(p, "aws_cloudtrail.main", "cloud_watch_logs_group_arn",
                                   value=None),
                         unset(p, "aws_cloudtrail.main", "cloud_watch_logs_group_arn")),
    "FM-3.1": lambda p: set_after(p, "aws_db_instance.main", "multi_az", value=False),
    "FM-3.2": lambda p: point(p, "aws_route.app_1_nat", "nat_gateway_id",
                              ["aws_nat_gateway.az_0.id", "aws_nat_gateway.az_0"]),
    "FM-3.3": lambda p: (drop(p, "aws_autoscaling_policy.green_cpu"),
                         drop(p, "aws_autoscaling_policy.green_requests")),
    "FM-3.4": lambda p: set_after(p, "aws_autoscaling_group.web_blue",
                                  "health_check_grace_period", value=120),
    "FM-4.1": lambda p: drop(p, "aws_cloudwatch_metric_alarm.rds_free_storage"),
    "FM-4.2": lambda p: (set_after(p, "aws_cloudwatch_metric_alarm.rds_cpu", "alarm_actions",
                                   value=[]),),
    "FM-4.3": lambda p: drop(p, "aws_flow_log.vpc"),
    "FM-4.4": lambda p: drop(p, "aws_backup_selection.database"),
    "FM-5.1": lambda p: drop(p, "aws_vpc_endpoint.s3"),
    "FM-5.3": lambda p: set_after(p, "aws_db_instance.main", "max_allocated_storage",
                                  value=None),
    "FM-X1": lambda p: (set_after(p, "aws_db_instance.main", "manage_master_user_password",
                                  value=None),
                        set_after(p, "aws_db_instance.main", "password", value="hunter2")),
    "FM-X2": lambda p: set_after(p, "aws_autoscaling_group.web_blue", "launch_template",
                                 "version", value="$Latest"),
    "FM-X3": lambda p: set_after(p, "aws_autoscaling_group.web_blue", "desired_capacity",
                                 value=2),
    "FM-X4": lambda p: set_after(p, "aws_db_instance.main", "engine_version", value="16.4"),
    "FM-X5": lambda p: set_after(p, "aws_db_instance.main", "deletion_protection",
                                 value=False),
    "FM-X6": lambda p: set_after(p, "aws_launch_template.web", "metadata_options",
                                 "http_tokens", value="optional"),
    "FM-X7": lambda p: set_after(p, "aws_lb_listener.https", "ssl_policy",
                                 value="ELBSecurityPolicy-2016-08"),
}


def test_production_plan_is_clean(production_plan: Plan) -> None:
    result = run(AuditInput(load_plan(production_plan, "production")), env="production")
    assert result.findings == [] and result.errors == []


@pytest.mark.parametrize("fm_id", sorted(REGRESSIONS))
def test_undoing_a_fix_fires_its_rule(production_plan: Plan, fm_id: str) -> None:
    plan = copy.deepcopy(production_plan)
    REGRESSIONS[fm_id](plan)
    result = run(AuditInput(load_plan(plan, "regressed")), env="production")
    assert result.errors == []
    assert {f.id for f in result.findings} == {fm_id}, result.findings


def test_one_target_group_fires_fm_6_1(production_plan: Plan) -> None:
    plan = copy.deepcopy(production_plan)
    listener = _config(plan, "aws_lb_listener.https")
    forward = listener["expressions"]["default_action"][0]["forward"][0]
    forward["target_group"] = forward["target_group"][:1]
    for address in ("aws_lb_target_group.green", "aws_autoscaling_group.web_green",
                    "aws_autoscaling_policy.green_cpu", "aws_autoscaling_policy.green_requests",
                    "aws_cloudwatch_metric_alarm.unhealthy_hosts_green"):
        drop(plan, address)
    result = run(AuditInput(load_plan(plan, "regressed")), env="production")
    assert {f.id for f in result.findings} == {"FM-6.1"}, result.findings


@pytest.mark.parametrize("backend,expected", [
    ({}, {"FM-1.2", "FM-1.3"}),
    ({"bucket": "b", "key": "k", "region": "us-west-1"}, {"FM-1.3"}),
])
def test_backend_regressions(production_plan: Plan, backend: dict[str, Any],
                             expected: set[str]) -> None:
    from prodstack.tf.folder import Backend

    config = FolderConfig(backends=[Backend("s3", backend, "backend.tf.json")])
    result = run(AuditInput(load_plan(production_plan, "production"), config))
    assert {f.id for f in result.findings} == expected

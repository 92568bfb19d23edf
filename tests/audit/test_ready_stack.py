"""The apply-readiness rules on a real plan (marked `plan`): a stack written in HCL with
modules, for_each and count, jsonencode'd policies and aws_iam_policy_document data sources
(one read at plan time, one deferred to apply), planned offline against the emulator, gets
exactly the AR findings its comments name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from prodstack.cli import cli

pytestmark = pytest.mark.plan
STACK = Path(__file__).parent / "fixtures" / "ready_stack"
EXPECTED = {
    ("AR-1", "aws_cloudtrail.main"),
    ("AR-2", "aws_cloudtrail.main"),
    ("AR-3", "module.audit.aws_config_delivery_channel.main"),
    ("AR-4", "aws_lb.web"),
    ("AR-6", 'module.logs.aws_cloudwatch_log_group.this["worker"]'),
    ("AR-7", "aws_sns_topic.alarms"),
    ("AR-8", "aws_flow_log.main"),
    ("AR-9", "aws_db_instance.main"),
    ("AR-10", "aws_wafv2_web_acl_logging_configuration.web"),
    ("AR-11", "aws_autoscaling_group.web"),
    ("SEC-1", "aws_s3_bucket_policy.logs"),
    ("SEC-1", "module.audit.aws_s3_bucket_policy.trail"),
}


@pytest.fixture(scope="module", autouse=True)
def _home(audit_home: Path) -> Path:
    return audit_home


def test_ready_stack_gets_each_apply_readiness_finding() -> None:
    result = CliRunner().invoke(cli, ["audit", str(STACK), "--format", "json"])
    data = json.loads(result.stdout)
    found = {(f["id"], f["address"]) for f in data["findings"]
             if f["id"].startswith(("AR-", "SEC-"))}
    assert found == EXPECTED, sorted(found ^ EXPECTED)
    assert not data["errors"], data["errors"]
    messages = {f["id"]: f["message"] for f in data["findings"]}
    assert "kms:DescribeKey" in messages["AR-2"] and "Object Lock" in messages["AR-3"]

"""Precision: documented, working configurations of every integration the apply-readiness
rules read (tests/audit/fixtures/precision: CloudTrail, Config, ALB/NLB/S3 access logs, WAF
logging, flow logs, encrypted log groups and topics, Auto Scaling's EBS key, Lambda and
replication roles, RDS monitoring, windows and gp3, lifecycle, S3 notifications, SNS
subscriptions, EventBridge targets, CloudFront), written as AWS's guides and
terraform-aws-modules' examples write them, give no AR finding: in directory mode, for the
plan file with its folder, and for the plan file alone (which may only say what it cannot
tell). Its plan.json is the folder's real `terraform show -json` (the emulator's endpoints
left out); the `plan` test plans the folder again."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from prodstack.config.load import load_settings
from prodstack.ops.audit.engine import AuditResult
from prodstack.ops.audit.inputs import audit
from tests.audit.helpers import folder_audit

FOLDER = Path(__file__).parent / "fixtures" / "precision"
SETTINGS = load_settings(env="production")
# every AR rule has a documented configuration here
COVERED = {"AR-1", "AR-2", "AR-3", "AR-4", "AR-5", "AR-6", "AR-7", "AR-8", "AR-9", "AR-10",
           "AR-11", "AR-13", "AR-14", "AR-15", "AR-16", "AR-17", "AR-18", "AR-19"}


def _ready(result: AuditResult) -> tuple[list[str], list[str]]:
    findings = [f"{f.id} {f.address}: {f.message}" for f in result.findings
                if f.id.startswith("AR-")]
    unseen = [f"{u.id} {u.address}: {u.message}" for u in result.unseen
              if u.id.startswith("AR-")]
    return findings, unseen


def test_every_apply_readiness_rule_has_a_documented_configuration() -> None:
    from prodstack.catalog import CATALOG

    assert {e.id for e in CATALOG.rules if e.id.startswith("AR-")} == COVERED


def test_documented_configurations_in_directory_mode() -> None:
    result = folder_audit(FOLDER, json.loads((FOLDER / "plan.json").read_text()))
    assert set(COVERED) <= set(result.ran)
    assert _ready(result) == ([], [])


def test_documented_configurations_as_a_plan_file_with_and_without_its_folder(
        tmp_path: Path) -> None:
    beside = audit(FOLDER / "plan.json", SETTINGS)  # its folder, read beside it
    assert _ready(beside) == ([], [])
    alone = tmp_path / "plan.json"
    shutil.copy(FOLDER / "plan.json", alone)
    findings, _unseen = _ready(audit(alone, SETTINGS))
    assert findings == []


@pytest.mark.plan
def test_documented_configurations_planned_again() -> None:
    from prodstack.ops.audit.inputs import audit_input, plan_folder_input

    result = audit_input(plan_folder_input(FOLDER), "production")
    assert _ready(result) == ([], [])
    fixture = folder_audit(FOLDER, json.loads((FOLDER / "plan.json").read_text()))
    assert result.resources == fixture.resources

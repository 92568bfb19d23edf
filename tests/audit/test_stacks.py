"""Audits that plan real Terraform offline against the emulator (marked `plan`).

prodstack's own stack has no findings, failure modes and apply-readiness rules alike, for
every profile and both targets (the profiles' trades reported as accepted); a weak stack
written outside the project gets each of its failures named; an empty s3 backend without
locking gets FM-1.2 and FM-1.3; a folder that cannot be planned gets Terraform's diagnostic
on one line.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from prodstack.catalog import CATALOG
from prodstack.cli import cli
from prodstack.config.load import load_settings
from prodstack.config.profiles import PROFILES
from prodstack.stack import synth

pytestmark = pytest.mark.plan
FIXTURES = Path(__file__).parent / "fixtures"
ALL_STATIC = ("FM-1.1", "FM-1.2", "FM-1.3", "FM-2.1", "FM-2.2", "FM-2.3", "FM-2.4", "FM-3.1",
              "FM-3.2", "FM-3.3", "FM-3.4", "FM-4.1", "FM-4.2", "FM-4.3", "FM-4.4", "FM-5.1",
              "FM-5.3", "FM-6.1", "FM-6.2", "FM-X1", "FM-X2", "FM-X3", "FM-X4", "FM-X5",
              "FM-X6", "FM-X7")


@pytest.fixture(scope="module", autouse=True)
def _home(audit_home: Path) -> Path:
    return audit_home


def _audit(*args: str) -> tuple[int, dict, str]:
    result = CliRunner().invoke(cli, ["audit", *args, "--format", "json"])
    data = json.loads(result.stdout) if result.stdout.strip() else {}
    return result.exit_code, data, result.stderr


TRADES = {env: {t.fm_id for t in PROFILES[env].trades} for env in PROFILES}


@pytest.mark.parametrize("env", list(PROFILES))
def test_own_stack_on_the_aws_target_has_no_findings(env: str) -> None:
    code, data, stderr = _audit("--env", env)
    assert data["findings"] == [], data["findings"]
    assert {a["id"] for a in data["accepted"]} == TRADES[env]
    assert data["skipped"] == [] and data["errors"] == []
    assert data["unseen"] == [], data["unseen"]  # names known at plan time: every rule decides
    assert data["resources"] > 100
    assert code == 0, stderr


@pytest.mark.parametrize("env", list(PROFILES))
def test_own_stack_on_the_local_target_has_no_findings(env: str, tmp_path: Path) -> None:
    synth.write(load_settings(env=env, target="local"), tmp_path)
    code, data, stderr = _audit(str(tmp_path), "--env", env)
    assert data["findings"] == [], data["findings"]
    assert {a["id"] for a in data["accepted"]} == TRADES[env]
    assert data["errors"] == [] and code == 0, stderr


def test_the_apply_readiness_family_runs_on_own_stack() -> None:
    _, data, _ = _audit("--env", "production")
    ready = {e.id for e in CATALOG.rules if e.family == "AR"}
    assert len(ready) >= 11
    assert ready <= set(data["rules_run"])


def test_dev_stack_reports_single_az_database_as_accepted() -> None:  # the trade's reason
    code, data, stderr = _audit("--env", "dev")
    assert data["findings"] == [], data["findings"]
    accepted = {a["id"]: a for a in data["accepted"]}
    assert "FM-3.1" in accepted
    assert accepted["FM-3.1"]["reason"]
    assert accepted["FM-3.1"]["address"] == "aws_db_instance.main"
    assert code == 0, stderr


def test_empty_backend_without_locking() -> None:
    code, data, _ = _audit(str(FIXTURES / "backend_only"))
    assert {f["id"] for f in data["findings"]} == {"FM-1.2", "FM-1.3"}
    assert code == 1


def test_weak_stack_written_outside_the_project() -> None:
    code, data, _ = _audit(str(FIXTURES / "weak_stack"))
    named = {f["id"] for f in data["findings"]}
    # AR-1: its trail's bucket has no policy, so CreateTrail would be refused.
    assert named == {*ALL_STATIC, "AR-1"}, sorted({*ALL_STATIC, "AR-1"} ^ named)
    by_id = {f["id"]: f["address"] for f in data["findings"]}
    assert by_id["FM-X1"] == "module.db.aws_db_instance.this"
    assert by_id["FM-X2"] == "aws_autoscaling_group.web"
    assert by_id["FM-X3"] == "aws_autoscaling_group.worker"
    assert code == 1


def test_folder_whose_plan_fails_gets_the_diagnostic_in_the_report(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_sns_topic" "x" {\n  name = aws_vpc.missing.id\n}\n')
    result = CliRunner().invoke(cli, ["audit", str(tmp_path), "--format", "json"])
    assert result.exit_code == 2  # not planned, no configuration finding: not a clean pass
    [error] = [e["error"] for e in json.loads(result.stdout)["root_errors"]]
    assert "aws_vpc" in error and "full log" not in error
    assert "Traceback" not in result.output
    assert not (tmp_path / ".terraform").exists()  # the user's folder is untouched

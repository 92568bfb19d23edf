"""`prodstack audit` through click: exit codes 0/1/2, text and JSON, --fail-on, --catalog."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from prodstack.catalog.planbuilder import PlanBuilder
from prodstack.cli import cli
from tests.audit.helpers import db

FIXTURES = Path(__file__).parent / "fixtures"
WEAK = str(FIXTURES / "weak_plan_small.json")


def _invoke(*args: str):
    return CliRunner().invoke(cli, ["audit", *args])


def _write(tmp_path: Path, builder: PlanBuilder) -> str:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(builder.build()))
    return str(path)


def test_clean_plan_exits_0(tmp_path: Path) -> None:
    result = _invoke(_write(tmp_path, PlanBuilder().add("aws_sns_topic.x", {"name": "x"})))
    assert result.exit_code == 0, result.output
    assert "no findings" in result.stdout


def test_weak_plan_exits_1_and_names_each_failure() -> None:
    result = _invoke(WEAK)
    assert result.exit_code == 1
    for fm in ("FM-1.1", "FM-2.1", "FM-2.2", "FM-3.1", "FM-X1", "FM-X6", "FM-X7"):
        assert fm in result.stdout
    assert "CRITICAL" in result.stdout and "fix:" in result.stdout


def test_json_format() -> None:
    result = _invoke(WEAK, "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["findings"]
    for finding in data["findings"]:
        assert set(finding) == {"id", "title", "severity", "address", "message", "fix"}
    assert "accepted" in data
    assert {"id": "FM-X1", "address": "module.db.aws_db_instance.this"}.items() <= \
        next(f for f in data["findings"] if f["id"] == "FM-X1").items()


def test_fail_on_threshold(tmp_path: Path) -> None:
    listener = {"port": 443, "protocol": "HTTPS", "ssl_policy": "ELBSecurityPolicy-2016-08"}
    plan = _write(tmp_path, PlanBuilder().add("aws_lb_listener.https", listener))  # medium
    assert _invoke(plan, "--fail-on", "medium").exit_code == 1
    assert _invoke(plan, "--fail-on", "high").exit_code == 0


def test_env_dev_reports_the_accepted_trade(tmp_path: Path) -> None:
    plan = _write(tmp_path, db(PlanBuilder(), multi_az=False))
    data = json.loads(_invoke(plan, "--env", "dev", "--format", "json").stdout)
    assert "FM-3.1" in [a["id"] for a in data["accepted"]]
    assert "FM-3.1" not in [f["id"] for f in data["findings"]]
    text = _invoke(plan, "--env", "dev").stdout
    assert "ACCEPTED by the dev profile" in text and "non-production data" in text


@pytest.mark.parametrize("content,expected", [
    (None, "no such file"),
    ("{not json", "not JSON"),
    ('{"format_version": "1.0", "values": {}}', "not a Terraform plan"),
    ("[]", "not a Terraform plan"),
])
def test_unusable_input_exits_2_with_one_line(tmp_path: Path, content: str | None,
                                              expected: str) -> None:
    path = tmp_path / "input.json"
    if content is not None:
        path.write_text(content)
    result = _invoke(str(path))
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("prodstack: error: ")
    assert expected in lines[0]
    assert "Traceback" not in result.output


def test_folder_without_configuration_exits_2(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("nothing here")
    result = _invoke(str(tmp_path))
    assert result.exit_code == 2
    assert "no Terraform configuration" in result.stderr


def test_catalog() -> None:
    result = _invoke("--catalog")
    assert result.exit_code == 0
    for fm in ("FM-1.1", "FM-5.2", "FM-6.3", "FM-7.1", "FM-7.2", "FM-7.3", "FM-X7"):
        assert fm in result.stdout
    data = json.loads(_invoke("--catalog", "--format", "json").stdout)
    from prodstack.catalog import CATALOG

    assert [e["id"] for e in data["catalog"]] == [e.id for e in CATALOG]

"""A root that cannot be planned degrades, never goes silent: its configuration rules still run
(FM-1.2 on an empty backend), every missing provider and version constraint is named at once
with the setting that fixes it, in every format, the summary line says the audit is
incomplete, configuration findings count for --fail-on, and without any it is never a clean
pass. No Terraform runs: the gaps are found before `init`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from prodstack.cli import cli
from prodstack.config.load import load_settings
from prodstack.ops.audit.engine import NOT_PLANNED
from prodstack.ops.audit.recursive import audit_recursive
from prodstack.tf import installable

FORMATS = ("text", "json", "sarif", "junit", "markdown")
BACKEND = 'terraform {\n  backend "s3" {}\n}\n'
NEEDS = """\
terraform {
  required_providers {
    aws    = { source = "hashicorp/aws", version = ">= 6.0" }
    random = { source = "hashicorp/random", version = "~> 3.6" }
  }
}

resource "random_id" "suffix" {
  byte_length = 4
}

resource "aws_sns_topic" "alerts" {
  name = "alerts-${random_id.suffix.hex}"
}
"""


@pytest.fixture()
def mirror(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A plugin mirror holding hashicorp/aws 5.100.0 only (as on this machine)."""
    path = tmp_path / "mirror"
    platform = installable._platform() or "linux_amd64"
    (path / "registry.terraform.io/hashicorp/aws/5.100.0" / platform).mkdir(parents=True)
    monkeypatch.setenv("PRODSTACK_PLUGIN_MIRROR", str(path))
    monkeypatch.delenv("PRODSTACK_PLUGIN_DIR", raising=False)
    monkeypatch.setenv("PRODSTACK_HOME", str(tmp_path / "home"))
    return path


def _root(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "backend.tf").write_text(BACKEND)
    (folder / "main.tf").write_text(NEEDS)
    return folder


def _audit(folder: Path, fmt: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["audit", str(folder), "--format", fmt, *args])
    return result.exit_code, result.stdout, result.stderr


def test_configuration_rules_run_and_every_gap_is_named_in_every_format(
        tmp_path: Path, mirror: Path) -> None:
    folder = _root(tmp_path / "infra")
    fix = installable.FIX.format(folder=folder)
    random_line = (f"provider hashicorp/random is not installed here (not in the plugin mirror "
                   f"{mirror} nor {folder}/.terraform/providers): {fix}")
    aws_line = (f"no version of provider hashicorp/aws here matches the constraint >= 6.0 "
                f"(here: 5.100.0): {fix}")
    outputs = {fmt: _audit(folder, fmt) for fmt in FORMATS}
    for fmt, (code, stdout, _) in outputs.items():
        assert code == 1, (fmt, stdout)  # FM-1.2 (critical) counts for --fail-on low
        assert "FM-1.2" in stdout and "hashicorp/random" in stdout, fmt
        assert "6.0 (here: 5.100.0)" in stdout, fmt
        assert "PRODSTACK_PLUGIN_MIRROR" in stdout, fmt
    data = json.loads(outputs["json"][1])
    assert [f["id"] for f in data["findings"]] == ["FM-1.2", "FM-1.3"]
    assert data["findings"][0]["file"] == "backend.tf"
    assert data["root_errors"] == [{"root": str(folder), "error": aws_line},
                                   {"root": str(folder), "error": random_line}]
    assert {s["reason"] for s in data["skipped"]} == {NOT_PLANNED}
    assert {s["id"] for s in data["skipped"]} >= {"FM-3.1", "FM-4.3", "FM-X6"}
    text = outputs["text"][1]
    assert text.splitlines()[0].endswith("NOT PLANNED: configuration rules only, the audit is "
                                         "incomplete")
    assert f"  {folder}: {random_line}" in text.splitlines()
    assert "no findings" not in text
    sarif = json.loads(outputs["sarif"][1])["runs"][0]
    notes = [n["message"]["text"] for n in sarif["invocations"][0]["toolExecutionNotifications"]]
    assert f"root {folder} could not be planned: {random_line}" in notes
    assert {r["ruleId"] for r in sarif["results"]} == {"FM-1.2", "FM-1.3"}
    junit = outputs["junit"][1]
    assert 'testsuite name="ROOTS Roots not planned" tests="2" failures="0" errors="2"' in junit
    assert NOT_PLANNED in junit  # each rule that could not run: a skipped testcase
    markdown = outputs["markdown"][1].splitlines()[0]
    assert "fails (`--fail-on low`" in markdown and "NOT PLANNED" in markdown
    assert "not planned, audited with its configuration rules only (2 reasons in the report)" \
        in outputs["text"][2]


def test_without_findings_a_root_not_planned_is_never_a_clean_pass(
        tmp_path: Path, mirror: Path) -> None:
    folder = tmp_path / "infra"
    folder.mkdir()
    (folder / "main.tf").write_text(NEEDS)
    code, stdout, _ = _audit(folder, "text")
    assert code == 2 and "0 findings; NOT PLANNED" in stdout.splitlines()[0]
    code, stdout, _ = _audit(folder, "markdown")
    assert code == 2 and "; fails: incomplete; NOT PLANNED" in stdout.splitlines()[0]


def test_configuration_findings_count_for_fail_on(tmp_path: Path, mirror: Path) -> None:
    folder = _root(tmp_path / "infra")
    assert _audit(folder, "json", "--fail-on", "critical")[0] == 1  # FM-1.2 is critical
    (folder / "backend.tf").write_text(
        'terraform {\n  backend "s3" {\n    bucket = "b"\n    key = "k"\n'
        '    region = "us-west-1"\n  }\n}\n')
    assert _audit(folder, "json", "--fail-on", "critical")[0] == 2  # FM-1.3 is high
    assert _audit(folder, "json", "--fail-on", "high")[0] == 1


@pytest.mark.plan  # one of the roots plans
def test_a_recursive_audit_degrades_root_by_root(tmp_path: Path, mirror: Path) -> None:
    repo = tmp_path / "repo"
    _root(repo / "stacks" / "ids")
    (repo / "envs" / "prod").mkdir(parents=True)
    (repo / "envs" / "prod" / "main.tf").write_text(
        'terraform {\n  backend "s3" {}\n  required_version = ">= 99.0"\n}\n')
    result = audit_recursive(repo, load_settings())
    assert result.roots == ["envs/prod", "stacks/ids"]
    assert result.not_planned == ["envs/prod", "stacks/ids"]
    assert [(f.root, f.id) for f in result.findings if f.id == "FM-1.2"] == [
        ("envs/prod", "FM-1.2"), ("stacks/ids", "FM-1.2")]
    [terraform] = [e for r, e in result.root_errors if r == "envs/prod"]
    assert terraform.startswith("the configuration requires Terraform >= 99.0 (main.tf:1)")
    assert ("FM-3.1", f"stacks/ids: {NOT_PLANNED}") in result.skipped
    from prodstack.ops.audit.report import to_text

    assert "2 of 2 roots NOT PLANNED (envs/prod, stacks/ids)" in to_text(result).splitlines()[0]
    assert result.exit_code("low") == 1

"""`prodstack audit FOLDER --format sarif` with real Terraform (marked `plan`): the command
starts the emulator itself (PRODSTACK_HOME in a scratch folder), plans the weak stack, and
writes SARIF that validates, with each result at its block's file and line and the
suppressions (a comment, prodstack-audit.toml) marked with their reasons."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from prodstack.cli import cli
from prodstack.runtime import emulator
from tests.audit.test_formats import validate

pytestmark = pytest.mark.plan
WEAK_STACK = Path(__file__).parent / "fixtures" / "weak_stack"


def test_folder_audit_as_sarif(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRODSTACK_HOME", str(tmp_path / "home"))
    stack = tmp_path / "stack"
    shutil.copytree(WEAK_STACK, stack)
    main_tf = stack / "main.tf"
    main_tf.write_text(main_tf.read_text().replace(
        'resource "aws_launch_template" "web" {',
        '# prodstack:ignore FM-X6 replaced by the hardened template next sprint\n'
        'resource "aws_launch_template" "web" {'))
    (stack / "prodstack-audit.toml").write_text(
        '[[suppress]]\nid = "FM-4.3"\naddress = "aws_vpc.main"\n'
        'reason = "flow logs are on at the organisation level"\nexpires = 2999-12-31\n')
    out = CliRunner().invoke(cli, ["audit", str(stack), "--format", "sarif"])
    assert emulator.running() is None  # the command stopped the emulator it started
    assert out.exit_code == 1, out.stderr
    document = json.loads(out.stdout)
    validate(document)
    results = {(r["ruleId"], r["properties"]["address"]): r
               for r in document["runs"][0]["results"]}

    def where(rule: str, address: str) -> tuple[str, int]:
        physical = results[rule, address]["locations"][0]["physicalLocation"]
        return physical["artifactLocation"]["uri"], physical["region"]["startLine"]

    assert where("FM-X1", "module.db.aws_db_instance.this") == ("modules/db/main.tf", 19)
    assert where("FM-X2", "aws_autoscaling_group.web") == ("main.tf", 122)
    assert where("FM-1.2", 'backend "s3" in main.tf') == ("main.tf", 11)
    x6 = results["FM-X6", "aws_launch_template.web"]["suppressions"][0]
    assert (x6["kind"], x6["justification"]) == (
        "inSource", "replaced by the hardened template next sprint")
    assert where("FM-X6", "aws_launch_template.web") == ("main.tf", 112)
    flow = results["FM-4.3", "aws_vpc.main"]["suppressions"][0]
    assert flow["kind"] == "external" and "organisation level" in flow["justification"]
    assert not (stack / ".terraform").exists()  # the user's folder is untouched

"""The application and the user's own resources, through real Terraform (offline): the example
validates on both targets, an extra folder's queue and alarm validate and land in the working
folder, an extension's public database is audited as FM-2.2 like a built-in one, and the
example's plan holds no secret."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from prodstack.cli import cli
from prodstack.config.load import load_settings
from prodstack.core.paths import work_root
from prodstack.ops.validate import validate_settings
from prodstack.runtime import emulator
from tests.conftest import AWS_SETS

pytestmark = pytest.mark.plan
ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "app" / "prodstack.toml"
EXAMPLE_EXTRA = ("aws_dynamodb_table.sessions", "aws_ssm_parameter.sessions_table",
                 "aws_iam_role_policy.sessions")


@pytest.fixture(scope="module")
def home(tmp_path_factory, monkeypatch_module):
    path = tmp_path_factory.mktemp("app-plan-home")
    monkeypatch_module.setenv("PRODSTACK_HOME", str(path))
    return path


@pytest.mark.parametrize("target", ["local", "aws"])
def test_the_example_validates(home, target):
    settings = load_settings(env="dev", target=target, config_file=EXAMPLE,
                             overrides=AWS_SETS if target == "aws" else ())
    assert validate_settings(settings) > 100
    folder = work_root() / "validate" / f"{target}-dev"
    assert (folder / "extra_sessions.tf").read_text() == (
        ROOT / "examples" / "app" / "infra" / "sessions.tf").read_text()
    doc = json.loads((folder / "main.tf.json").read_text())
    assert "example_app_4xx" in doc["resource"]["aws_cloudwatch_metric_alarm"]


def _docs_block(after: str) -> str:
    """The first ```hcl block after `after` in docs/application.md."""
    docs = (ROOT / "docs" / "application.md").read_text()
    return re.search(r"```hcl\n(.*?)```", docs[docs.index(after):], re.S).group(1)


def test_an_extra_folder_with_a_queue_and_an_alarm_validates(home, tmp_path):
    infra = tmp_path / "infra"
    infra.mkdir()
    (infra / "queue.tf").write_text(_docs_block("An SQS queue with an alarm"))
    cfg = tmp_path / "prodstack.toml"
    cfg.write_text('extra_config = "infra"\n')
    settings = load_settings(env="dev", target="aws", config_file=cfg, overrides=AWS_SETS)
    validate_settings(settings)
    copied = (work_root() / "validate" / "aws-dev" / "extra_queue.tf").read_text()
    assert 'resource "aws_sqs_queue" "jobs"' in copied
    assert "local.prodstack.alarm_topic_arn" in copied


def _audit(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["audit", *args, "--format", "json"])
    assert result.stdout.strip(), result.stderr
    return json.loads(result.stdout)


def test_an_extensions_public_database_is_audited_like_a_built_in_one(home, tmp_path):
    name = f"ext_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{name}.py").write_text(
        "def extend(stack):\n"
        "    net = stack.part('network')\n"
        "    stack.doc.resource('aws_db_instance', 'reports', identifier='reports',\n"
        "        engine='postgres', engine_version='16', instance_class='db.t4g.micro',\n"
        "        allocated_storage=20, username='reports', manage_master_user_password=True,\n"
        "        publicly_accessible=True, skip_final_snapshot=True, storage_encrypted=True,\n"
        "        vpc_security_group_ids=[net.security_groups.db.id])\n")
    cfg = tmp_path / "prodstack.toml"
    cfg.write_text(f'extend = "{name}:extend"\n')
    data = _audit("--env", "dev", "--config", str(cfg))
    public = [f for f in data["findings"] if f["id"] == "FM-2.2"]
    assert [f["address"] for f in public] == ["aws_db_instance.reports"], data["findings"]
    assert emulator.running() is None  # the audit stopped the emulator it started


def _values(plan: dict[str, Any]) -> list[dict[str, Any]]:
    def walk(module: dict[str, Any]) -> list[dict[str, Any]]:
        found = list(module.get("resources", []))
        for child in module.get("child_modules", []):
            found += walk(child)
        return found

    return walk(plan["planned_values"]["root_module"])


def test_the_example_plan_holds_no_secret(home):
    from prodstack.ops.offline_plan import plan_stack

    emulator.start()
    try:
        plan = plan_stack(load_settings(env="dev", config_file=EXAMPLE))
    finally:
        emulator.stop()
    resources = {r["address"]: r for r in _values(plan)}
    assert set(EXAMPLE_EXTRA) <= set(resources)
    assert "aws_cloudwatch_log_group.example_app" in resources
    for address, resource in resources.items():
        for key in ("password", "master_password", "secret_string"):
            assert resource["values"].get(key) is None, address
    # What the stack plans (data sources read the emulator: its caller's user id is the
    # documented example key AKIAIOSFODNN7EXAMPLE)
    managed = [r for r in resources.values() if r["mode"] == "managed"]
    text = json.dumps([plan["configuration"], managed, plan["resource_changes"]])
    assert not re.search(r"(AKIA|ASIA)[A-Z0-9]{16}|-----BEGIN [A-Z ]*PRIVATE KEY", text)
    secret = resources["aws_ssm_parameter.app_db_secret_arn"]
    assert "insecure_value" not in secret["values"]  # unknown until the database exists
    changes = {c["address"]: c for c in plan["resource_changes"]}
    assert changes["aws_ssm_parameter.app_db_secret_arn"]["change"]["after_unknown"][
        "insecure_value"] is True
    greeting = resources["aws_ssm_parameter.app_greeting"]["values"]
    assert (greeting["name"], greeting["insecure_value"], greeting["type"]) == (
        "/prodstack/dev/app/GREETING", "Hello from the example application", "String")


def test_the_example_is_priced_with_its_own_resources(home):
    from prodstack.cli.cost import run

    report = json.loads(run(None, env="dev", fmt="json", config_file=str(EXAMPLE)))
    items = {i["address"]: i for i in report["items"]}
    assert items["aws_cloudwatch_log_group.example_app"]["monthly_usd"] > 0  # the extension's
    assert items["aws_dynamodb_table.sessions"]["status"] == "unpriced"  # the folder's
    assert "aws_ssm_parameter.sessions_table" in items
    assert emulator.running() is None

"""Every service moto serves is reachable from the local target (issue 18, item 2), and what
the local target writes is what the provider accepts.

The provider's `endpoints` block (hashicorp/aws, from the plugin mirror's schema) knows every
key `SERVICE_TYPES` writes; the local target validates with an `extra_config` folder of an SQS
queue, a Lambda function and an EventBridge rule (services it used to refuse), the folder in
its working folder. tests/emulator/test_terraform_services.py applies the same folder on the
emulator.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from prodstack.config.load import load_settings
from prodstack.core.paths import work_root
from prodstack.ops.validate import validate_settings
from prodstack.platform.endpoints import SERVICE_TYPES
from prodstack.tf.cliconfig import write_cli_config
from tests.emulator._services_folder import lambda_zip, services_folder

pytestmark = pytest.mark.plan


@pytest.fixture(scope="module")
def home(tmp_path_factory, monkeypatch_module):
    path = tmp_path_factory.mktemp("endpoints-home")
    monkeypatch_module.setenv("PRODSTACK_HOME", str(path))
    return path


def test_every_endpoint_key_is_one_the_provider_knows(home, tmp_path: Path):
    (tmp_path / "main.tf.json").write_text(json.dumps({"terraform": {"required_providers": {
        "aws": {"source": "hashicorp/aws", "version": "~> 5.100"}}}}))
    env = {**os.environ, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1",
           "TF_CLI_CONFIG_FILE": str(write_cli_config(os.environ.get("PRODSTACK_PLUGIN_MIRROR")))}
    for args in (["init", "-input=false"], ["providers", "schema", "-json"]):
        proc = subprocess.run(["terraform", *args], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=300, check=False)
        assert proc.returncode == 0, proc.stderr[-3000:]
    schema = json.loads(proc.stdout)["provider_schemas"]["registry.terraform.io/hashicorp/aws"]
    known = schema["provider"]["block"]["block_types"]["endpoints"]["block"]["attributes"]
    assert sorted(set(SERVICE_TYPES) - set(known)) == []
    assert len(SERVICE_TYPES) > 100  # every service moto 5.2.5 serves that has resources


def test_a_folder_of_queue_function_and_rule_validates_on_the_local_target(home, tmp_path):
    services_folder(tmp_path / "infra", "planned", lambda_zip(tmp_path))
    cfg = tmp_path / "prodstack.toml"
    cfg.write_text('extra_config = "infra"\n')
    assert validate_settings(load_settings(env="dev", config_file=cfg)) > 100
    folder = work_root() / "validate" / "local-dev"
    assert "aws_lambda_function" in (folder / "extra_services.tf.json").read_text()
    provider = json.loads((folder / "main.tf.json").read_text())["provider"]["aws"][0]
    assert {"sqs", "lambda", "events"} <= set(provider["endpoints"][0])

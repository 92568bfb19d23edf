"""Every service moto serves is reachable from the local target (issue 18, item 2): an
`extra_config` folder with an SQS queue, a Lambda function and an EventBridge rule targeting
it applies with the provider configured exactly as the local target configures it
(`prodstack.platform.local.provider_settings`: every endpoint at the emulator), re-plans clean
and is destroyed. (tests/plan/test_endpoints.py plans the same folder beside the stack.)"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest

from prodstack.platform.local import provider_settings
from tests.emulator._services_folder import lambda_zip, services_folder
from tests.emulator.conftest import REGION, Client
from tests.emulator.test_terraform import Terraform

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not on PATH"),
]

P = "svc2e"


def test_a_queue_a_function_and_a_rule_apply_on_the_emulator(tmp_path: Path, emulator_url: str,
                                                            aws: Client):
    folder = services_folder(tmp_path / "infra", P, lambda_zip(tmp_path))
    tf = Terraform(folder, tmp_path)
    (folder / "provider.tf.json").write_text(json.dumps({
        "terraform": {"required_providers": {"aws": {"source": "hashicorp/aws",
                                                     "version": "~> 5.100"}}},
        "provider": {"aws": [{"region": REGION,
                              **copy.deepcopy(provider_settings(emulator_url))}]}}))
    tf("init", "-input=false")
    tf("apply", "-auto-approve", "-input=false", "-parallelism=10")
    queue = aws("sqs").get_queue_url(QueueName=f"{P}-jobs")["QueueUrl"]
    function = aws("lambda").get_function(FunctionName=f"{P}-worker")["Configuration"]
    assert function["Environment"]["Variables"]["QUEUE_URL"] == queue
    [target] = aws("events").list_targets_by_rule(Rule=f"{P}-tick")["Targets"]
    assert target["Arn"] == function["FunctionArn"]
    tf("destroy", "-auto-approve", "-input=false", "-parallelism=10")
    assert f"{P}-tick" not in [r["Name"] for r in aws("events").list_rules()["Rules"]]

"""Fault tests on a private emulator (marker `faults`): the emulator killed under an `up`
(one truthful line; `--reset-state` converges), and Terraform's own lock on local state
(`down` refused); then, on a deployment built through the AWS APIs (no Terraform: deploy and
backup verify read the outputs from local state), the emulator killed under a `deploy` and
under a `backup verify`: one truthful line each; `verify` names the lost resources and `down
--reset-state` forgets them, the unfinished operation's journal set aside.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from prodstack.catalog.world import World
from prodstack.runtime import emulator
from tests.conftest import prodstack_home
from tests.e2e.conftest import Cli
from tests.e2e.faults import DEPLOY, at_step, error_lines, journal, popen, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.faults]


@pytest.fixture
def private(tmp_path: Path) -> Iterator[Cli]:
    cli = Cli(tmp_path)
    yield cli
    with prodstack_home(tmp_path):
        emulator.stop()  # what it held goes with it: nothing to tear down


def _kill_emulator(cli: Cli) -> None:
    info = json.loads((cli.home / "emulator.json").read_text())
    os.killpg(info["pid"], signal.SIGKILL)


def _killed_under(cli: Cli, proc: subprocess.Popen[str]) -> str:
    _kill_emulator(cli)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode != 0 and "Traceback" not in err, err[-2000:]
    lines = error_lines(err)
    assert len(lines) == 1, err[-2000:]
    assert "emulator at http://127.0.0.1:" in lines[0] and "stopped" in lines[0], lines[0]
    assert "--reset-state" in lines[0]
    return lines[0]


def test_the_emulator_dying_under_up_then_terraforms_lock(private: Cli):
    cli = private
    up = popen(cli, "up", "--env", "dev")
    try:
        logs = cli.home / "local-dev" / "logs"
        wait_for(lambda: any(logs.glob("*-apply.log")) if logs.exists() else False, 180,
                 "the apply to start")
        time.sleep(8)
        started = time.monotonic()
        _killed_under(cli, up)
        assert time.monotonic() - started < 60, "a run whose emulator died must stop at once"
    finally:
        if up.poll() is None:
            up.kill()
    cli("emulator", "start")
    cli("up", "--env", "dev", "--reset-state")
    assert cli("plan", "--env", "dev", "--detailed-exitcode", check=False).returncode == 0
    # Terraform's own lock on local state (as a concurrent `terraform apply` holds it).
    state = cli.home / "local-dev" / "terraform.tfstate"
    with state.open("r+") as handle:
        fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        (state.with_name(".terraform.tfstate.lock.info")).write_text(json.dumps({
            "ID": "lock-7", "Operation": "OperationTypeApply", "Who": "ci@runner",
            "Created": "2026-12-01T12:00:00Z"}))
        refused = cli("down", "--yes", "--env", "dev", check=False)
    assert refused.returncode != 0 and "down refused: the state is locked by ci@runner" in \
        refused.stderr
    assert not (cli.home / "local-dev" / "kept.json").exists()


def _tf_type(value: Any) -> Any:
    """The type constraint Terraform records beside an output's value in state."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list):
        return ["tuple", [_tf_type(v) for v in value]]
    if isinstance(value, dict):
        return ["object", {k: _tf_type(v) for k, v in value.items()}]
    return "string"


def _deployed_without_terraform(cli: Cli) -> dict[str, Any]:
    """A production deployment built through the AWS APIs in a fresh emulator, its outputs
    in local state as Terraform would have written them."""
    url = cli("emulator", "url").stdout.strip().splitlines()[-1]

    def client(service: str) -> Any:
        return boto3.client(service, region_name="us-west-1", endpoint_url=url,
                            aws_access_key_id="test", aws_secret_access_key="test")

    world = World(client).network().edge(waf=None).web_tier(attach=True).database(
        backup_plan=False)
    outputs = world.outputs
    state = {"version": 4, "terraform_version": "1.11.4", "serial": 1, "lineage": "faults",
             "outputs": {k: {"value": v, "type": _tf_type(v)} for k, v in outputs.items()},
             "resources": [{"mode": "managed", "type": "aws_vpc", "name": "main",
                            "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
                            "instances": [{"attributes": {"id": outputs["vpc_id"]}}]}]}
    folder = cli.home / "local-production"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    (folder / "terraform.tfstate").write_text(json.dumps(state))
    return outputs


def test_the_emulator_dying_under_a_deploy_and_a_backup_verify(private: Cli):
    cli = private
    cli("emulator", "start")
    _deployed_without_terraform(cli)
    deploy = popen(cli, "deploy", *DEPLOY)
    try:
        wait_for(at_step(cli.home, "weights", env="production", weight=50, status="done"),
                 120, "the deploy to put 50% on the new colour")
        line = _killed_under(cli, deploy)
        assert "rollback could not run" in line
    finally:
        if deploy.poll() is None:
            deploy.kill()
    cli("emulator", "start")
    lost = cli("verify", check=False)
    assert lost.returncode != 0 and "--reset-state" in lost.stderr
    forgotten = cli("down", "--yes", "--reset-state")
    assert "journal of an unfinished operation" in forgotten.stderr
    assert not journal(cli.home, env="production")
    # The emulator dies under a backup verify: the line names it; no AWS command is offered.
    _deployed_without_terraform(cli)
    backup = popen(cli, "backup", "verify", "--poll-interval", "1")
    try:
        wait_for(at_step(cli.home, "restore", env="production"), 120, "the restore to start")
        _kill_emulator(cli)
        _, err = backup.communicate(timeout=120)
    finally:
        if backup.poll() is None:
            backup.kill()
    assert backup.returncode != 0 and "Traceback" not in err
    assert "emulator at http://127.0.0.1:" in err and "stopped" in err
    assert "aws rds delete" not in err or "--endpoint-url http://127.0.0.1:" in err

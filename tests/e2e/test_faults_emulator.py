"""Fault tests on a private emulator with local state (marker `faults`): `down` refused while
Terraform's own lock on local state is held; the emulator killed during `up`, during `deploy`
and during `backup verify`: one truthful line each time, and `--reset-state` recovers.
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

import pytest

from prodstack import emulator
from tests.e2e.conftest import Cli
from tests.e2e.faults import DEPLOY, at_step, error_lines, journal, popen, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.faults]



# -- a private emulator with local state: Terraform's lock, and the emulator's death ---------


@pytest.fixture
def private(tmp_path: Path) -> Iterator[Cli]:
    cli = Cli(tmp_path)
    yield cli
    old = os.environ.get("PRODSTACK_HOME")
    os.environ["PRODSTACK_HOME"] = str(tmp_path)
    try:
        emulator.stop()
    finally:
        if old is None:
            os.environ.pop("PRODSTACK_HOME", None)
        else:
            os.environ["PRODSTACK_HOME"] = old


def _kill_emulator(cli: Cli) -> None:
    info = json.loads((cli.home / "emulator.json").read_text())
    os.killpg(info["pid"], signal.SIGKILL)


def _killed_under(cli: Cli, proc: subprocess.Popen[str]) -> str:
    _kill_emulator(cli)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode != 0 and "Traceback" not in err, err[-2000:]
    lines = error_lines(err)
    assert len(lines) == 1, err[-2000:]
    assert "emulator at http://127.0.0.1:" in lines[0] and "stopped" in lines[0], lines[0]
    assert "--reset-state" in lines[0]
    return lines[0]


def test_terraform_lock_then_the_emulator_dying_under_up_deploy_and_backup(private: Cli):
    cli = private
    up = popen(cli, "up", "--env", "dev")
    try:
        logs = cli.home / "local-dev" / "logs"
        wait_for(lambda: any(logs.glob("*-apply.log")) if logs.exists() else False, 180,
                  "the apply to start")
        time.sleep(8)
        _killed_under(cli, up)
    finally:
        if up.poll() is None:
            up.kill()
    cli("emulator", "start")
    cli("up", "--env", "dev", "--reset-state")
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
    # The emulator dies under a deploy: no rollback can happen, and the message says so.
    deploy = popen(cli, "deploy", *DEPLOY, "--env", "dev")
    try:
        wait_for(at_step(cli.home, "weights", weight=50, status="done"), 120,
                  "the deploy to put 50% on the new colour")
        line = _killed_under(cli, deploy)
        assert "rollback could not run" in line
    finally:
        if deploy.poll() is None:
            deploy.kill()
    cli("emulator", "start")
    lost = cli("verify", "--env", "dev", check=False)
    assert lost.returncode != 0 and "--reset-state" in lost.stderr
    recovered = cli("up", "--env", "dev", "--reset-state")
    assert "journal of an unfinished operation" in recovered.stderr
    assert not journal(cli.home)
    # The emulator dies under a backup verify: the line names it; no AWS command is offered.
    backup = popen(cli, "backup", "verify", "--poll-interval", "1", "--env", "dev")
    try:
        wait_for(at_step(cli.home, "restore"), 120, "the restore to start")
        _kill_emulator(cli)
        _, err = backup.communicate(timeout=300)
    finally:
        if backup.poll() is None:
            backup.kill()
    assert backup.returncode != 0 and "Traceback" not in err
    assert "emulator at http://127.0.0.1:" in err and "stopped" in err
    assert "aws rds delete" not in err or "--endpoint-url http://127.0.0.1:" in err
    cli("emulator", "start")
    down = cli("down", "--yes", "--purge", "--env", "dev", "--reset-state")
    assert down.returncode == 0

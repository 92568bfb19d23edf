"""Fault tests on the emulator (marker `faults`, run alone with `pytest -m faults`).

- state locking: with the S3 backend on the emulator (`use_lockfile`), a second run while an
  apply holds the lock fails fast, naming who holds it; the state is intact afterwards;
- an apply stopped half-way (SIGTERM, as a CI runner or Ctrl-C does): the next `up` converges,
  verify passes, the re-plan is clean and `down --purge` leaves nothing;
- the emulator dies during `up`: one clear line; the next run recovers with --reset-state.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import pytest

from prodstack import emulator
from tests.e2e.conftest import Cli, boto

pytestmark = [pytest.mark.e2e, pytest.mark.faults]

BUCKET = "faults-tf-state"
LOCK_KEY = "prodstack/dev/terraform.tfstate.tflock"
REMOTE = ("--env", "dev", "--set", f"state_bucket={BUCKET}")


def _popen(cli: Cli, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PRODSTACK_HOME": str(cli.home)}
    return subprocess.Popen([sys.executable, "-m", "prodstack", *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def _lock_present(s3: Any) -> bool:
    listing = s3.list_objects_v2(Bucket=BUCKET, Prefix="prodstack/dev/")
    return any(o["Key"] == LOCK_KEY for o in listing.get("Contents", []))


def _error_lines(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if ln.startswith("prodstack: error")]


def test_lock_then_interrupted_apply_then_convergence(cli: Cli, fresh_emulator: str):
    s3 = boto("s3", fresh_emulator)
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={
        "LocationConstraint": "us-west-1"})
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    first = _popen(cli, "up", *REMOTE)
    try:
        _wait_for(lambda: _lock_present(s3), 180, "the first apply to take the lock")
        started = time.monotonic()
        second = cli("plan", *REMOTE, check=False, timeout=120)
        assert second.returncode == 1 and "Traceback" not in second.stderr
        lines = _error_lines(second.stderr)
        assert len(lines) == 1 and "locked by" in lines[0] and "force-unlock" in lines[0]
        assert time.monotonic() - started < 60, "a locked state must fail fast"
        # Stop the first apply half-way, as CI runners and Ctrl-C do: once it has created
        # resources (not while it is still planning on a busy machine).
        ec2 = boto("ec2", fresh_emulator)
        _wait_for(lambda: bool(ec2.describe_subnets(Filters=[
            {"Name": "default-for-az", "Values": ["false"]}])["Subnets"]), 300,
            "the first apply to create subnets")
        time.sleep(5)
        first.send_signal(signal.SIGTERM)
        _, err = first.communicate(timeout=300)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 130, err[-2000:]
    halfway = re.search(r"interrupted after (\d+) of (\d+)", err)
    assert halfway and 0 < int(halfway[1]) < int(halfway[2]), err[-2000:]
    assert "Traceback" not in err
    assert not _lock_present(s3), "an interrupted apply must release the lock"
    cli("up", *REMOTE)
    assert cli("plan", "--detailed-exitcode", *REMOTE, check=False).returncode == 0
    checks = json.loads(cli("verify", "--format", "json", *REMOTE).stdout)["checks"]
    assert not [c for c in checks if c["status"] == "fail"]
    cli("down", "--yes", "--purge", *REMOTE)
    assert [v for v in ec2.describe_vpcs()["Vpcs"] if not v.get("IsDefault")] == []
    assert boto("rds", fresh_emulator).describe_db_instances()["DBInstances"] == []
    state = json.loads(s3.get_object(Bucket=BUCKET, Key="prodstack/dev/terraform.tfstate")[
        "Body"].read())
    assert state["resources"] == [] or all(r["mode"] == "data" for r in state["resources"])


def test_emulator_dies_during_up(tmp_path):
    """A private emulator (own PRODSTACK_HOME), killed while `up` runs."""
    cli = Cli(tmp_path)
    env = {**os.environ, "PRODSTACK_HOME": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-m", "prodstack", "up", "--env", "dev"],
                            env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        state = tmp_path / "local-dev" / "logs"
        _wait_for(lambda: any(state.glob("*-apply.log")) if state.exists() else False, 120,
                  "the apply to start")
        time.sleep(8)
        info = json.loads((tmp_path / "emulator.json").read_text())
        os.killpg(info["pid"], signal.SIGKILL)
        _, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1 and "Traceback" not in err
    lines = _error_lines(err)
    assert len(lines) == 1 and "emulator stopped" in lines[0], err[-2000:]
    try:
        # The emulator comes back empty; local state may still list what it created.
        again = cli("plan", "--env", "dev", "--reset-state", "--detailed-exitcode", check=False)
        assert again.returncode == 2, again.stderr[-2000:]
        assert "Traceback" not in again.stderr
    finally:
        old = os.environ.get("PRODSTACK_HOME")
        os.environ["PRODSTACK_HOME"] = str(tmp_path)
        emulator.stop()
        if old is not None:
            os.environ["PRODSTACK_HOME"] = old

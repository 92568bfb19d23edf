"""Fault tests on the emulator (marker `faults`, run alone with `pytest -m faults`).

One dev deployment with its state in the emulator's S3 (`use_lockfile`), in order:
- a second run while an apply holds the lock fails fast, naming who holds it; the apply,
  stopped half-way by SIGTERM, releases the lock and leaves no saved plan; the next `up`
  converges, the re-plan is clean, verify passes, state and logs are private;
- `down` while someone else holds the lock changes nothing and says who holds it;
- SIGTERM during `deploy`, at each traffic step: all traffic back on one colour, record,
  ASGs and listener agree, the re-plan is clean;
- SIGTERM and SIGINT during `backup verify`: nothing it created is left;
- a deploy killed (SIGKILL, no chance to undo) leaves its journal: the next command names it
  and `prodstack resume` undoes it;
- `down --purge` leaves nothing.
The emulator's death and Terraform's own lock are in `test_faults_emulator.py`.
"""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import Cli, boto
from tests.e2e.faults import DEPLOY, at_step, error_lines, journal, popen, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.faults]

BUCKET = "faults-tf-state"
STATE_KEY = "prodstack/dev/us-west-1/terraform.tfstate"
LOCK_KEY = STATE_KEY + ".tflock"
REMOTE = ("--env", "dev", "--set", f"state_bucket={BUCKET}")




def _lock_present(s3: Any) -> bool:
    listing = s3.list_objects_v2(Bucket=BUCKET, Prefix="prodstack/dev/")
    return any(o["Key"] == LOCK_KEY for o in listing.get("Contents", []))





def _outputs(cli: Cli, *args: str) -> dict[str, Any]:
    return json.loads(cli("outputs", "--format", "json", *args).stdout)


def _traffic(url: str, out: dict[str, Any]) -> dict[str, int]:
    listener = boto("elbv2", url).describe_listeners(
        ListenerArns=[out["https_listener_arn"]])["Listeners"][0]
    colour = {arn: c for c, arn in out["target_groups"].items()}
    return {colour[g["TargetGroupArn"]]: g["Weight"] for g in
            listener["DefaultActions"][0]["ForwardConfig"]["TargetGroups"]}


def _consistent(cli: Cli, url: str, *args: str, replan: bool = True) -> None:
    """One colour takes all traffic, and the record and the ASGs say the same (and, with
    `replan`, Terraform sees no change)."""
    out = _outputs(cli, *args)
    record = json.loads(boto("ssm", url).get_parameter(Name=out["release_parameter"])[
        "Parameter"]["Value"])
    live = record["live"]
    assert _traffic(url, out) == {c: 100 if c == live else 0 for c in out["target_groups"]}
    groups = {g["AutoScalingGroupName"]: g for g in boto("autoscaling", url)
              .describe_auto_scaling_groups(AutoScalingGroupNames=list(
                  out["asg_names"].values()))["AutoScalingGroups"]}
    idle = next(c for c in out["asg_names"] if c != live)
    assert groups[out["asg_names"][idle]]["DesiredCapacity"] == 0
    assert groups[out["asg_names"][live]]["DesiredCapacity"] >= 1
    if replan:
        proc = cli("plan", "--detailed-exitcode", *args, check=False)
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]


@pytest.fixture(scope="module")
def remote(cli: Cli, fresh_emulator: str) -> Iterator[str]:
    s3 = boto("s3", fresh_emulator)
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={
        "LocationConstraint": "us-west-1"})
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    yield fresh_emulator
    cli("down", "--yes", "--purge", *REMOTE, check=False)


def test_lock_then_interrupted_apply_then_convergence(cli: Cli, remote: str):
    s3 = boto("s3", remote)
    first = popen(cli, "up", *REMOTE)
    try:
        wait_for(lambda: _lock_present(s3), 180, "the first apply to take the lock")
        started = time.monotonic()
        second = cli("plan", *REMOTE, check=False, timeout=120)
        assert second.returncode == 1 and "Traceback" not in second.stderr
        lines = error_lines(second.stderr)
        assert len(lines) == 1 and "locked by" in lines[0] and "force-unlock" in lines[0]
        assert time.monotonic() - started < 60, "a locked state must fail fast"
        # Stop the first apply half-way, as CI runners and Ctrl-C do: once it has created
        # resources (not while it is still planning on a busy machine).
        ec2 = boto("ec2", remote)
        wait_for(lambda: bool(ec2.describe_subnets(Filters=[
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
    assert not (cli.home / "local-dev" / "tfplan").exists(), "no saved plan is left behind"
    cli("up", *REMOTE)
    assert cli("plan", "--detailed-exitcode", *REMOTE, check=False).returncode == 0
    checks = json.loads(cli("verify", "--format", "json", *REMOTE).stdout)["checks"]
    assert not [c for c in checks if c["status"] == "fail"]
    workdir = cli.home / "local-dev"
    for path in (workdir, workdir / "logs", *(workdir / "logs").iterdir()):
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, f"{path} is readable by others ({oct(mode)})"


def test_down_while_someone_holds_the_lock_changes_nothing(cli: Cli, remote: str):
    s3 = boto("s3", remote)
    holder = {"ID": "4f1c2b7e", "Operation": "OperationTypeApply", "Who": "ana@build-7",
              "Version": "1.11.4", "Created": "2026-12-01T12:00:00Z", "Path": STATE_KEY}
    s3.put_object(Bucket=BUCKET, Key=LOCK_KEY, Body=json.dumps(holder).encode())
    out = _outputs(cli, *REMOTE)
    try:
        proc = cli("down", "--yes", *REMOTE, check=False)
    finally:
        s3.delete_object(Bucket=BUCKET, Key=LOCK_KEY)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    [line] = error_lines(proc.stderr)
    assert "down refused: the state is locked by ana@build-7 (apply since" in line
    assert "force-unlock 4f1c2b7e" in line
    # Nothing was disarmed: the trail logs, the recorder records, nothing was recorded.
    assert boto("cloudtrail", remote).get_trail_status(Name=out["trail_name"])["IsLogging"]
    status = boto("config", remote).describe_configuration_recorder_status()
    assert status["ConfigurationRecordersStatus"][0]["recording"] is True
    assert not (cli.home / "local-dev" / "kept.json").exists()
    assert not journal(cli.home)
    assert cli("plan", "--detailed-exitcode", *REMOTE, check=False).returncode == 0


@pytest.mark.parametrize("weight", [10, 50, 100])
def test_sigterm_during_a_deploy_puts_all_traffic_back(cli: Cli, remote: str, weight: int):
    proc = popen(cli, "deploy", *DEPLOY, *REMOTE)
    try:
        wait_for(at_step(cli.home, "weights", weight=weight, status="done"), 120,
                  f"the deploy to put {weight}% on the new colour")
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err[-2000:]
    assert "Traceback" not in err
    assert "rolled back, all traffic on blue" in err
    assert not journal(cli.home)
    # Terraform re-plans after the last of the three (a change any of them left behind that
    # Terraform sees would still show then; each leaves traffic, record and ASGs agreeing).
    _consistent(cli, remote, *REMOTE, replan=weight == 100)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_during_backup_verify_leaves_nothing(cli: Cli, remote: str, sig: int):
    out = _outputs(cli, *REMOTE)
    info = json.loads((cli.home / "emulator.json").read_text())
    proc = popen(cli, "backup", "verify", "--poll-interval", "1", *REMOTE)
    try:
        wait_for(at_step(cli.home, "restore"), 120, "the restore to start")
        # Hold the emulator still, so that the signal lands in the middle of a call.
        os.kill(info["pid"], signal.SIGSTOP)
        try:
            proc.send_signal(sig)
            time.sleep(1)
        finally:
            os.kill(info["pid"], signal.SIGCONT)
        _, err = proc.communicate(timeout=180)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err[-2000:]
    assert "Traceback" not in err
    rds = boto("rds", remote)
    assert [d["DBInstanceIdentifier"] for d in rds.describe_db_instances()["DBInstances"]] == [
        out["db_identifier"]]
    assert not [s for s in rds.describe_db_snapshots(SnapshotType="manual")["DBSnapshots"]
                if "-verify-" in s["DBSnapshotIdentifier"]]
    assert not journal(cli.home)


def test_a_killed_deploy_is_named_and_resume_undoes_it(cli: Cli, remote: str):
    proc = popen(cli, "deploy", *DEPLOY, *REMOTE)
    try:
        wait_for(at_step(cli.home, "weights", weight=50, status="done"), 120,
                  "the deploy to put 50% on the new colour")
        proc.kill()  # SIGKILL: no chance to undo anything
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert journal(cli.home)["operation"] == "deploy"
    later = cli("outputs", *REMOTE)
    assert "`prodstack deploy` started" in later.stderr and "did not finish" in later.stderr
    assert "prodstack resume" in later.stderr
    refused = cli("deploy", *DEPLOY, *REMOTE, check=False)
    assert refused.returncode == 2 and "run `prodstack resume` first" in refused.stderr
    done = cli("resume", *REMOTE)
    assert "undone: all traffic on blue" in done.stdout
    _consistent(cli, remote, *REMOTE)
    assert cli("verify", *REMOTE, check=False).returncode == 0


def test_down_purge_leaves_nothing(cli: Cli, remote: str):
    cli("down", "--yes", "--purge", *REMOTE)
    assert [v for v in boto("ec2", remote).describe_vpcs()["Vpcs"]
            if not v.get("IsDefault")] == []
    assert boto("rds", remote).describe_db_instances()["DBInstances"] == []
    state = json.loads(boto("s3", remote).get_object(Bucket=BUCKET, Key=STATE_KEY)[
        "Body"].read())
    assert state["resources"] == [] or all(r["mode"] == "data" for r in state["resources"])
    assert not journal(cli.home)

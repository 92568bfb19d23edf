"""The state lock prodstack takes beside Terraform: S3 `.tflock` and local POSIX lock, and a
lock left by a cut-off operation (taken over by what resolves it, refused by anything else)."""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from moto import mock_aws

from prodstack.core.errors import UserError
from prodstack.core.journal import Journal
from prodstack.ops.locking import LOCK_INFO, state_lock

BUCKET, KEY = "team-state", "prodstack/dev/us-west-1/terraform.tfstate"
LOCK = KEY + ".tflock"


def _ws(tmp_path: Path, s3: Any = None) -> Any:
    backend = {"s3": {"bucket": BUCKET, "key": KEY, "use_lockfile": True}} if s3 else {}
    said: list[str] = []
    return SimpleNamespace(stack=SimpleNamespace(doc=SimpleNamespace(terraform={
        "backend": backend} if backend else {})), workdir=tmp_path,
        state_file=tmp_path / "terraform.tfstate", clients=lambda: lambda _service: s3,
        say=said.append, said=said)


@pytest.fixture
def s3() -> Any:
    with mock_aws():
        client = boto3.client("s3", region_name="us-west-1")
        client.create_bucket(Bucket=BUCKET,
                             CreateBucketConfiguration={"LocationConstraint": "us-west-1"})
        yield client


def _keys(s3: Any) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def _dead_journal(tmp_path: Path, operation: str, lock: str) -> None:
    journal = Journal.open(tmp_path, operation, lock=lock)
    journal.pid = 2 ** 22 + 12345  # no such process
    journal.begin("weights", weight=50)


def test_s3_lock_is_taken_and_released(tmp_path: Path, s3: Any):
    with state_lock(_ws(tmp_path, s3), "deploy") as lock_id:
        held = json.loads(s3.get_object(Bucket=BUCKET, Key=LOCK)["Body"].read())
        assert held["ID"] == lock_id and held["Info"] == "prodstack deploy"
    assert _keys(s3) == []


def test_s3_lock_held_by_someone_else_refuses_with_force_unlock(tmp_path: Path, s3: Any):
    s3.put_object(Bucket=BUCKET, Key=LOCK, Body=json.dumps({"ID": "abc", "Who": "ana@ci"}))
    refusal = r"down refused: the state is locked by ana@ci.*force-unlock abc"
    with pytest.raises(UserError, match=refusal), state_lock(_ws(tmp_path, s3), "down"):
        pytest.fail("must not get the lock")
    assert _keys(s3) == [LOCK]


def test_lock_of_a_cut_off_deploy_is_taken_over_by_resume(tmp_path: Path, s3: Any):
    s3.put_object(Bucket=BUCKET, Key=LOCK, Body=json.dumps({"ID": "dead-1", "Who": "me"}))
    _dead_journal(tmp_path, "deploy", "dead-1")
    ws = _ws(tmp_path, s3)
    with state_lock(ws, "resume") as lock_id:
        assert lock_id == "dead-1"
    assert "taking over the lock" in ws.said[0]
    assert _keys(s3) == []


def test_lock_of_a_cut_off_deploy_refuses_a_new_deploy_with_resume(tmp_path: Path, s3: Any):
    s3.put_object(Bucket=BUCKET, Key=LOCK, Body=json.dumps({"ID": "dead-1", "Who": "me"}))
    _dead_journal(tmp_path, "deploy", "dead-1")
    with pytest.raises(UserError, match="run `prodstack resume` first") as err, \
            state_lock(_ws(tmp_path, s3), "deploy"):
        pytest.fail("must not get the lock")
    assert err.value.exit_code == 2 and "force-unlock" not in str(err.value)
    assert _keys(s3) == [LOCK]


def test_a_cut_off_down_is_finished_by_down(tmp_path: Path, s3: Any):
    s3.put_object(Bucket=BUCKET, Key=LOCK, Body=json.dumps({"ID": "dead-2", "Who": "me"}))
    _dead_journal(tmp_path, "down", "dead-2")
    with state_lock(_ws(tmp_path, s3), "down") as lock_id:
        assert lock_id == "dead-2"


def test_local_lock_refuses_while_terraform_holds_it(tmp_path: Path):
    ws = _ws(tmp_path)
    ws.state_file.write_text("{}")
    (tmp_path / LOCK_INFO).write_text(json.dumps({"ID": "tf-9", "Who": "ci@runner"}))
    with ws.state_file.open("r+") as handle:
        fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        pid = os.fork()
        if pid == 0:  # another process, as Terraform is: POSIX locks are per process
            try:
                with state_lock(ws, "down"):
                    os._exit(3)
            except UserError as exc:
                os._exit(0 if "locked by ci@runner" in str(exc) else 4)
            os._exit(5)
        _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    with state_lock(ws, "down") as lock_id:
        assert json.loads((tmp_path / LOCK_INFO).read_text())["ID"] == lock_id
    assert not (tmp_path / LOCK_INFO).exists()

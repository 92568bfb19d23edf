"""The Terraform runner with a stand-in `terraform` on PATH: progress, summary, one-line errors."""

from __future__ import annotations

import io
import json
import os
import stat
import time
from pathlib import Path

import pytest

from prodstack.core.errors import UserError
from prodstack.tf.progress import Progress
from prodstack.tf.runner import Terraform, TerraformError


def fake_terraform(bin_dir: Path, lines: list[dict], exit_code: int) -> None:
    bin_dir.mkdir(parents=True, exist_ok=True)
    script = bin_dir / "terraform"
    payload = "\n".join(json.dumps(line) for line in lines)
    script.write_text(f"#!/bin/sh\ncat <<'EOF'\n{payload}\nEOF\nexit {exit_code}\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)


def hook(kind: str, addr: str) -> dict:
    return {"type": kind, "hook": {"resource": {"addr": addr}, "action": "create"}}


@pytest.fixture
def runner(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("PRODSTACK_HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    (tmp_path / "work").mkdir()
    return lambda lines, code: (fake_terraform(tmp_path / "bin", lines, code),
                                Terraform(workdir=tmp_path / "work", logs=tmp_path / "logs",
                                          show_progress=False))[1]


def test_plan_counts_changes(runner):
    tf = runner([
        {"type": "planned_change", "change": {"resource": {"addr": "aws_vpc.main"},
                                              "action": "create"}},
        {"type": "change_summary", "changes": {"add": 1, "change": 0, "remove": 0}},
    ], 2)
    result = tf.plan()
    assert result.changes == 1 and result.planned == [("aws_vpc.main", "create")]


def test_failed_apply_is_one_line_with_detail_and_log(runner, tmp_path):
    tf = runner([
        hook("apply_start", "aws_vpc.main"), hook("apply_complete", "aws_vpc.main"),
        hook("apply_start", "aws_db_instance.main"), hook("apply_errored", "aws_db_instance.main"),
        {"type": "diagnostic", "diagnostic": {
            "severity": "error", "summary": "creating RDS DB Instance",
            "detail": "InvalidParameterCombination:\n  bad class",
            "address": "aws_db_instance.main"}},
    ], 1)
    with pytest.raises(TerraformError) as err:
        tf.apply(total=2)
    message = str(err.value)
    assert "\n" not in message
    expected = "creating RDS DB Instance (aws_db_instance.main): InvalidParameterCombination: bad"
    assert expected in message
    assert "full log:" in message and err.value.log and err.value.log.exists()
    assert isinstance(err.value, UserError)


def test_progress_on_a_terminal_shows_done_of_total_and_current():
    out = io.StringIO()
    out.isatty = lambda: True  # type: ignore[method-assign]
    progress = Progress(verb="apply", total=3, out=out)
    progress.handle(hook("apply_start", "aws_vpc.main"))
    progress.handle(hook("apply_complete", "aws_vpc.main"))
    progress.handle(hook("apply_start", "aws_lb.web"))
    progress.finish()
    text = out.getvalue()
    assert "apply [1/3] aws_lb.web" in text and "elapsed" in text
    assert progress.done == 1


def test_missing_terraform_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(UserError, match="terraform is not installed"):
        Terraform(workdir=tmp_path, logs=tmp_path / "logs")


@pytest.mark.parametrize("remote", [True, False], ids=["s3", "local"])
def test_state_lock_held_elsewhere_is_explained_in_one_line(runner, tmp_path, remote):
    """Only steps that are safe while that run may still be going: a local lock ends with its
    process (wait); a remote one may outlive a run that died (force-unlock, for that case)."""
    detail = ("Error message: operation error S3: PutObject, StatusCode: 412\nLock Info:\n"
              "  ID:        6c1e0d1a-0000-4000-8000-000000000001\n"
              "  Path:      acme-tf-state/prodstack/dev/terraform.tfstate\n"
              "  Operation: OperationTypeApply\n  Who:       alice@laptop\n"
              "  Version:   1.11.4\n  Created:   2026-11-29 11:20:00 +0000 UTC\n  Info:\n\n"
              "Terraform acquires a state lock to protect the state from being written")
    tf = runner([{"type": "diagnostic", "diagnostic": {
        "severity": "error", "summary": "Error acquiring the state lock", "detail": detail}}], 1)
    if remote:
        (tmp_path / "work" / "backend.tf.json").write_text("{}")
    with pytest.raises(TerraformError) as err:
        tf.plan()
    message = str(err.value)
    assert "\n" not in message and err.value.locked
    assert "locked by alice@laptop (apply since 2026-11-29 11:20:00 +0000 UTC" in message
    assert ("force-unlock 6c1e0d1a-0000-4000-8000-000000000001" in message) is remote
    assert "only if it died (it no longer runs on laptop)" in message if remote else \
        "wait for it to finish, then run the command again" in message
    assert "down" not in message


def test_resource_ids_of_managed_root_resources():
    from prodstack.tf.state import resource_ids

    state = {"resources": [
        {"mode": "managed", "type": "aws_s3_bucket", "name": "audit",
         "instances": [{"attributes": {"id": "b-audit"}}]},
        {"mode": "managed", "type": "aws_security_group", "name": "web",
         "instances": [{"attributes": {"id": "sg-1"}}]},
        {"mode": "data", "type": "aws_s3_bucket", "name": "audit",
         "instances": [{"attributes": {"id": "data-source"}}]},
        {"mode": "managed", "module": "module.x", "type": "aws_vpc", "name": "main",
         "instances": [{"attributes": {"id": "vpc-in-module"}}]},
        {"mode": "managed", "type": "aws_kms_key", "name": "gone", "instances": []},
    ]}
    assert resource_ids(state) == {"aws_s3_bucket.audit": "b-audit",
                                   "aws_security_group.web": "sg-1"}
    assert resource_ids(state, ["aws_s3_bucket.audit"]) == {"aws_s3_bucket.audit": "b-audit"}


def test_terraform_runs_with_a_larger_go_gc_target_unless_the_user_set_one(runner,
                                                                          monkeypatch):
    from prodstack.tf.runner import PROVIDER_GOGC

    monkeypatch.delenv("GOGC", raising=False)
    tf = runner([], 0)
    assert tf._env()["GOGC"] == PROVIDER_GOGC == "400"
    monkeypatch.setenv("GOGC", "150")
    assert tf._env()["GOGC"] == "150"


@pytest.mark.parametrize("backend", [None, {"s3": {"bucket": "b"}}], ids=["unset", "set"])
def test_a_backend_the_configuration_no_longer_sets_is_forgotten_at_init(runner, tmp_path,
                                                                        backend):
    """Terraform's `init -reconfigure` keeps it, and every plan would then refuse to run."""
    tf = runner([], 0)
    recorded = tmp_path / "work" / ".terraform" / "terraform.tfstate"
    recorded.parent.mkdir()
    recorded.write_text(json.dumps({"version": 3, "backend": {"type": "s3", "config": {}}}))
    terraform: dict = {"required_version": ">= 1.10"}
    if backend:
        terraform["backend"] = backend
    (tmp_path / "work" / "main.tf.json").write_text(json.dumps({"terraform": terraform}))
    tf.init()
    assert recorded.exists() is bool(backend)


def test_a_target_gone_under_a_run_stops_terraform_at_once(tmp_path, monkeypatch):
    """The emulator killed under an apply: Terraform (here one that would wait ten minutes,
    as the provider's retries against a closed port do) is stopped and the reason given."""
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("PRODSTACK_HOME", str(tmp_path / "home"))
    monkeypatch.setattr("prodstack.tf.interrupt.WATCH_SECONDS", 0.1)
    # A runner whose shell ignores SIGINT passes that on: the kill after the grace time stops it
    monkeypatch.setattr("prodstack.tf.interrupt.STOP_GRACE_SECONDS", 1.0)
    (tmp_path / "bin").mkdir()
    (tmp_path / "work").mkdir()
    script = tmp_path / "bin" / "terraform"
    script.write_text("#!/bin/sh\necho '{\"type\": \"version\"}'\nexec sleep 600\n")
    script.chmod(0o755)
    checks = iter([None, "the emulator at http://127.0.0.1:1 stopped"])
    tf = Terraform(workdir=tmp_path / "work", logs=tmp_path / "logs", show_progress=False,
                   gone=lambda: next(checks, "the emulator at http://127.0.0.1:1 stopped"))
    (tmp_path / "work" / "tfplan").write_text("plan")
    started = time.monotonic()
    with pytest.raises(TerraformError, match=r"emulator at http://127.0.0.1:1 stopped \(full"):
        tf.apply(total=1)
    assert time.monotonic() - started < 10


def test_a_run_whose_target_stays_is_not_stopped(runner):
    tf = runner([{"type": "change_summary", "changes": {"add": 0, "change": 0,
                                                        "remove": 0}}], 0)
    tf.gone = lambda: None
    assert tf.plan().changes == 0

"""The CLI as a user meets it: bad input gives one line on stderr and a non-zero exit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def run(*args: str, home: Path, env: dict[str, str] | None = None,
        stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "PRODSTACK_HOME": str(home), **(env or {})}
    return subprocess.run([sys.executable, "-m", "prodstack", *args], capture_output=True,
                          text=True, env=full_env, input=stdin, timeout=120, check=False)


def assert_one_line_error(proc: subprocess.CompletedProcess[str], fragment: str) -> None:
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert fragment in lines[0]


@pytest.mark.parametrize(("args", "fragment"), [
    (["synth", "--set", "vpc_cidr=10.0.0.0/40"], "setting 'vpc_cidr'"),
    (["synth", "--set", "vpc_cidr=10.0.0.0/27"], "too small"),
    (["synth", "--env", "qa"], "unknown profile 'qa'"),
    (["synth", "--target", "azure"], "unknown target 'azure'"),
    (["synth", "--set", "alarm_emails=nobody"], "setting 'alarm_emails'"),
    (["synth", "--set", "flavour=vanilla"], "unknown setting"),
    (["synth", "--set", "azs=1"], "setting 'azs'"),
    (["synth", "--target", "aws", "--set", "domain=example.com", "--set",
      "hosted_zone_id=Z123", "--set", "state_bucket=b-1", "--set", "alarm_emails=a@b.io"],
     "placeholder domain"),
    (["synth", "--target", "aws", "--set", "domain=shop.acme.io", "--set", "state_bucket=b-1",
      "--set", "alarm_emails=a@b.io"], "setting 'hosted_zone_id'"),
    (["synth", "--target", "aws", "--set", "domain=shop.acme.io", "--set",
      "hosted_zone_id=Z123", "--set", "alarm_emails=a@b.io"], "setting 'state_bucket'"),
    (["up", "--set", "min_size=9", "--set", "max_size=3"], "setting 'max_size'"),
    (["plan", "--config", "/nonexistent/prodstack.toml"], "not found"),
])
def test_bad_input_is_one_line(tmp_path, args, fragment):
    proc = run(*args, home=tmp_path)
    assert_one_line_error(proc, fragment)
    assert not (tmp_path / "local-production" / "terraform.tfstate").exists()


def test_malformed_toml(tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text("region = 'us-west-1\n")
    assert_one_line_error(run("synth", "--config", str(cfg), home=tmp_path), "not valid TOML")


def test_missing_plugin_mirror(tmp_path):
    proc = run("synth", home=tmp_path, env={"PRODSTACK_PLUGIN_MIRROR": str(tmp_path / "none")})
    assert_one_line_error(proc, "setting 'plugin_mirror'")


def test_down_refuses_without_yes_when_not_interactive(tmp_path):
    proc = run("down", home=tmp_path, stdin="")
    assert_one_line_error(proc, "needs --yes")


def test_emulator_url_when_stopped(tmp_path):
    assert_one_line_error(run("emulator", "url", home=tmp_path), "not running")
    assert run("emulator", "status", home=tmp_path).returncode == 1


def test_outputs_when_nothing_is_deployed(tmp_path):
    assert_one_line_error(run("outputs", home=tmp_path), "nothing deployed")


def test_synth_writes_main_and_backend(tmp_path):
    out = tmp_path / "out"
    proc = run("synth", "--target", "aws", "--env", "dev", "--out", str(out), "--set",
               "domain=shop.acme.io", "--set", "hosted_zone_id=Z123", "--set",
               "state_bucket=acme-state", "--set", "alarm_emails=ops@acme.io", home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads((out / "backend.tf.json").read_text())["terraform"]["backend"]["s3"][
        "use_lockfile"] is True
    assert "aws_vpc" in json.loads((out / "main.tf.json").read_text())["resource"]


def test_an_aws_api_error_is_one_line(monkeypatch, capsys, tmp_path):
    from botocore.exceptions import ClientError

    from prodstack import cli

    def refuse(**_: object) -> None:
        raise ClientError({"Error": {"Code": "ValidationError", "Message": "no\nsuch group"}},
                          "UpdateAutoScalingGroup")

    # the command imports it when it runs
    monkeypatch.setattr("prodstack.ops.workflow.outputs", lambda _ws: refuse())
    monkeypatch.setattr("sys.argv", ["prodstack", "outputs"])
    monkeypatch.setenv("PRODSTACK_HOME", str(tmp_path))  # no environment remembered elsewhere
    with pytest.raises(SystemExit) as exit_:
        cli.main()
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "UpdateAutoScalingGroup" in err and "no such group" in err

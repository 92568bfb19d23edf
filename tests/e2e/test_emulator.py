"""The embedded emulator's life cycle, and what prodstack does when it lost its resources."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.e2e.conftest import Cli

pytestmark = pytest.mark.e2e


def test_start_status_url_stop(tmp_path):
    env = {**os.environ, "PRODSTACK_HOME": str(tmp_path)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "prodstack", "emulator", *args], env=env,
                              capture_output=True, text=True, timeout=60, check=False)

    try:
        started = run("start")
        assert started.returncode == 0 and "started" in started.stdout
        assert "already running" in run("start").stdout
        url = run("url").stdout.strip().splitlines()[-1]
        assert url.startswith("http://127.0.0.1:")
        info = json.loads((tmp_path / "emulator.json").read_text())
        assert url.endswith(str(info["port"]))
        assert run("status").returncode == 0
    finally:
        assert "stopped" in run("stop").stdout
    assert run("status").returncode == 1
    assert not (tmp_path / "emulator.json").exists()


def test_lost_resources_are_named_and_reset_on_request(cli: Cli, fresh_emulator: str):
    workdir = cli.home / "local-dev"
    workdir.mkdir(parents=True, exist_ok=True)
    state = {"version": 4, "terraform_version": "1.11.4", "serial": 3, "lineage": "x",
             "outputs": {}, "resources": [{
                 "mode": "managed", "type": "aws_vpc", "name": "main",
                 "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
                 "instances": [{"schema_version": 1, "attributes": {"id": "vpc-0deadbeef0000"}}],
             }]}
    (workdir / "terraform.tfstate").write_text(json.dumps(state))
    proc = cli("plan", "--env", "dev", check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("prodstack: error")]
    assert len(lines) == 1 and "no longer holds the 1 resources" in lines[0]
    assert "--reset-state" in lines[0]
    proc = cli("plan", "--env", "dev", "--reset-state", check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "local state reset" in proc.stderr
    assert not (workdir / "terraform.tfstate").exists()
    assert list(workdir.glob("terraform.tfstate.lost-*"))


def test_more_azs_than_the_region_offers_is_one_line(cli: Cli, fresh_emulator: str):
    proc = cli("plan", "--env", "dev", "--set", "azs=3", check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("prodstack: error")]
    assert len(lines) == 1 and "setting 'azs' is 3" in lines[0], proc.stderr[-2000:]
    assert "region us-west-1 offers only 2 availability zones" in lines[0]

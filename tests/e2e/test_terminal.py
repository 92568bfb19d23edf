"""A person at a terminal, from an installed wheel, in a folder outside the repository
(marker `faults`; issue 23). One dev deployment of a project that `prodstack init` wrote, in
order:

- the wheel is built offline and installed into a virtual environment of its own;
- `init` in an empty folder; the project adds its own Terraform and an app setting;
- Ctrl-C (the terminal's interrupt character, through a pseudo-terminal: the kernel signals
  the whole foreground group) twice during `up`'s apply: Terraform gets one interrupt, the
  message is true of the state read back, and the next `up` converges;
- commands find the project's settings and working folder from a subfolder, and act on the
  environment last deployed;
- the health check changes in place; a new `app_port` is refused before the plan;
- a run whose settings leave out what the user added stops before anything is applied;
- Ctrl-C during `down --purge`'s destroy, then `down --purge` again leaves nothing in the
  emulator (checked here through the AWS APIs).
The project's emulator is stopped at the end.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.e2e.terminal import Terminal, created, in_state

pytestmark = [pytest.mark.e2e, pytest.mark.faults]

REPO = Path(__file__).resolve().parents[2]
SOURCE = ("pyproject.toml", "README.md", "LICENSE", "src", "docs", "examples")
PARAMETER = 'resource "aws_ssm_parameter" "flag" {\n' \
            '  name           = "${local.prodstack.app_parameter_path}/FEATURE_FLAG"\n' \
            '  type           = "String"\n  insecure_value = "on"\n}\n'


class Project:
    """`prodstack` of the installed wheel, run in the project folder (or a subfolder)."""

    def __init__(self, bin_dir: Path, folder: Path) -> None:
        self.exe = str(bin_dir / "prodstack")
        self.folder = folder
        self.env = {k: v for k, v in os.environ.items() if k != "PRODSTACK_HOME"}

    def __call__(self, *args: str, check: bool = True, cwd: Path | None = None,
                 timeout: int = 900) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([self.exe, *args], cwd=cwd or self.folder, env=self.env,
                              capture_output=True, text=True, timeout=timeout, check=False)
        if check and proc.returncode != 0:
            raise AssertionError(f"prodstack {' '.join(args)} exited {proc.returncode}:\n"
                                 f"{proc.stderr[-3000:]}")
        return proc

    def terminal(self, *args: str) -> Terminal:
        return Terminal(list(args), self.env, cwd=self.folder, command=[self.exe])

    @property
    def work(self) -> Path:
        return self.folder / ".prodstack" / "local-dev"

    def client(self, service: str) -> Any:
        info = json.loads((self.folder / ".prodstack" / "emulator.json").read_text())
        return boto3.client(service, region_name="us-west-1",
                            endpoint_url=f"http://127.0.0.1:{info['port']}",
                            aws_access_key_id="test", aws_secret_access_key="test")


def _installed_wheel(tmp: Path) -> Path:
    """Build the wheel offline from a copy of the source and install it into a virtual
    environment of its own (its dependencies: this environment's, through a .pth file)."""
    source = tmp / "source"
    source.mkdir()
    for name in SOURCE:
        item = REPO / name
        if item.is_dir():
            shutil.copytree(item, source / name, ignore=shutil.ignore_patterns(
                "__pycache__", "*.egg-info"))
        else:
            shutil.copy2(item, source / name)
    pip = [sys.executable, "-m", "pip"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(tmp / "dist"), str(source)], check=True, capture_output=True)
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig."
                              "get_paths()['purelib'])"], check=True, capture_output=True,
                             text=True).stdout.strip()
    Path(purelib, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    [wheel] = (tmp / "dist").glob("prodstack-*.whl")
    subprocess.run([*pip, "--python", str(python), "install", "--no-deps", "--no-index", "-q",
                    str(wheel)], check=True, capture_output=True)
    found = subprocess.run([str(python), "-c", "import prodstack; print(prodstack.__file__)"],
                           check=True, capture_output=True, text=True).stdout
    assert found.startswith(str(venv)), found  # the wheel's package, not the source tree
    return venv / "bin"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    tmp = tmp_path_factory.mktemp("terminal")
    shop = tmp / "shop"
    shop.mkdir()
    proj = Project(_installed_wheel(tmp), shop)
    try:
        yield proj
    finally:
        if (shop / ".prodstack" / "emulator.json").exists():
            proj("down", "--env", "dev", "--yes", "--purge", check=False)
            proj("emulator", "stop", check=False)


def _completed(log_glob: str, work: Path, at_least: int) -> bool:
    logs = sorted(work.glob(log_glob))
    return bool(logs) and logs[-1].read_text(errors="replace").count(
        '"type":"apply_complete"') >= at_least


def test_init_then_ctrl_c_during_up_keeps_the_state_and_up_converges(project: Project):
    made = project("init")
    assert "prodstack up --env dev" in made.stdout
    (project.folder / "infra").mkdir()
    (project.folder / "infra" / "flag.tf").write_text(PARAMETER)
    with (project.folder / "prodstack.toml").open("a") as toml:
        toml.write('\nextra_config = "infra"\n\n[app_environment]\nGREETING = "hello"\n')
    term = project.terminal("up", "--env", "dev")
    term.wait_for(lambda: _completed("logs/*-apply.log", project.work, 20), 600,
                  "the apply to create 20 resources")
    term.ctrl_c()
    term.ctrl_c()  # a second one at once, as an impatient person types it
    code = term.finish(600)
    text = " ".join(term.output.split())
    assert code == 130, text[-3000:]
    [log] = project.work.glob("logs/*-apply.log")
    assert "Two interrupts received" not in log.read_text(), "Terraform got two interrupts"
    assert "Terraform finishes what is in flight and saves the state" in text
    assert "saved the state (read back:" in text, text[-3000:]
    missing = created(log) - in_state(project.work / "terraform.tfstate")
    assert not missing, f"said saved, but the state lacks {sorted(missing)}"
    again = project("up", "--env", "dev")
    assert "built: dev on local" in again.stderr and "prodstack verify" in again.stderr
    assert project("plan", "--env", "dev", "--detailed-exitcode", check=False).returncode == 0


def test_a_subfolder_finds_the_project_and_the_environment_last_deployed(project: Project):
    proc = project("outputs", "--format", "json", cwd=project.folder / "app")
    assert json.loads(proc.stdout)["environment"] == "dev"
    assert "the environment last deployed from this folder" in proc.stderr
    # The project's prodstack.toml is read from there too: the settings are the deployment's.
    plan = project("plan", "--detailed-exitcode", cwd=project.folder / "app", check=False)
    assert plan.returncode == 0 and "settings differ" not in plan.stderr, plan.stderr[-2000:]


def test_the_health_check_changes_in_place_and_a_new_port_is_refused(project: Project):
    toml = project.folder / "prodstack.toml"
    original = toml.read_text()
    toml.write_text(original.replace('health_check_path = "/healthz"',
                                     'health_check_path = "/ready"'))
    try:
        changed = project("up", "--env", "dev")
        assert "3 to change, 0 to destroy" in changed.stderr, changed.stderr[-2000:]
    finally:
        toml.write_text(original)
    project("up", "--env", "dev")
    refused = project("up", "--env", "dev", "--set", "app_port=9090", check=False)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "app_port changes from 8080 to 9090" in refused.stderr
    assert "nothing was planned" in refused.stderr


def test_a_run_that_leaves_out_what_the_user_added_stops_before_applying(project: Project):
    toml = project.folder / "prodstack.toml"
    original = toml.read_text()
    state = (project.work / "terraform.tfstate").read_text()
    toml.write_text(original.replace('extra_config = "infra"', "").replace(
        '[app_environment]\nGREETING = "hello"', ""))
    try:
        proc = project("up", "--env", "dev", check=False)
    finally:
        toml.write_text(original)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "the settings differ from those dev was deployed with" in proc.stderr
    [line] = [ln for ln in proc.stderr.splitlines() if ln.startswith("prodstack: error")]
    assert "aws_ssm_parameter.flag (destroyed; yours)" in line
    assert "aws_ssm_parameter.app_greeting (destroyed; yours)" in line
    assert "nothing was applied" in line and "--yes" in line
    assert (project.work / "terraform.tfstate").read_text() == state


def test_ctrl_c_during_down_then_down_purge_leaves_nothing(project: Project):
    term = project.terminal("down", "--env", "dev", "--yes", "--purge")
    term.wait_for(lambda: _completed("logs/*-destroy.log", project.work, 10), 600,
                  "the destroy to remove 10 resources")
    term.ctrl_c()
    code = term.finish(600)
    text = " ".join(term.output.split())
    assert code == 130 and "Traceback" not in text, text[-3000:]
    assert "saved the state (read back:" in text and "run `prodstack down --yes` again" in text
    done = project("down", "--env", "dev", "--yes", "--purge")
    assert "nothing of dev is left on local" in done.stdout
    assert [v for v in project.client("ec2").describe_vpcs()["Vpcs"] if not v["IsDefault"]] \
        == []
    assert project.client("s3").list_buckets()["Buckets"] == []
    assert project.client("cloudtrail").describe_trails()["trailList"] == []
    assert project.client("rds").describe_db_instances()["DBInstances"] == []
    assert project.client("elbv2").describe_load_balancers()["LoadBalancers"] == []
    assert project.client("route53").list_hosted_zones()["HostedZones"] == []
    tagged = project.client("resourcegroupstaggingapi").get_resources(TagFilters=[
        {"Key": "environment", "Values": ["dev"]}])["ResourceTagMappingList"]
    kms, ec2 = project.client("kms"), project.client("ec2")
    deleted_nat = {n["NatGatewayId"] for n in ec2.describe_nat_gateways()["NatGateways"]
                   if n["State"] == "deleted"}  # EC2 lists them, tags and all, for an hour
    left = [arn for arn in (t["ResourceARN"] for t in tagged)
            if not (":kms:" in arn and kms.describe_key(KeyId=arn)["KeyMetadata"]["KeyState"]
                    == "PendingDeletion")
            and arn.rsplit("/", 1)[-1] not in deleted_nat]
    assert left == [], left
    project("emulator", "stop")

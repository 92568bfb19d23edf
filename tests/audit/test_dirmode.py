"""Directory mode on the Terraform people have (marked `plan`: real init and plan against the
emulator): relative module sources, modules the folder's own `terraform init` installed,
aliased providers in the root and in modules, names built from `basename(path.cwd)`,
required variables, several roots at once, a flow log wired through a local, listeners
built from dynamic blocks, a provider that is not installed. The user's folder is never
written to; a second audit reuses the scratch copy without a new init."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from prodstack.cli import cli
from prodstack.config.load import load_settings
from prodstack.ops.audit.engine import run
from prodstack.ops.audit.formats import render
from prodstack.ops.audit.inputs import plan_folder_input
from prodstack.ops.audit.recursive import audit_recursive
from prodstack.tf import modtree, scratch
from tests.audit.recorder import recorder
from tests.audit.test_formats import validate

pytestmark = pytest.mark.plan
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module", autouse=True)
def _home(audit_home: Path) -> Path:
    return audit_home


def _snapshot(folder: Path) -> dict[str, tuple[int, str]]:
    """Every entry under the folder (hidden ones too): its mtime and content."""
    out: dict[str, tuple[int, str]] = {}
    for path in sorted(folder.rglob("*")):
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
        out[path.relative_to(folder).as_posix()] = (path.stat().st_mtime_ns, digest)
    return out


def _audit(*args: str) -> tuple[int, dict, str]:
    result = CliRunner().invoke(cli, ["audit", *args, "--format", "json"])
    data = json.loads(result.stdout) if result.stdout.strip() else {}
    return result.exit_code, data, result.stderr


def _inits(folder: Path) -> int:
    tree = modtree.read_tree(modtree.normal(folder.absolute()))
    return len(list(scratch.place(tree).logs.glob("*-init.log")))


def test_relative_sources_plan_in_place_and_the_folder_is_untouched(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "tree", repo)
    (repo / ".git").mkdir()
    (repo / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (repo / "envs" / "prod" / "terraform.tfstate").write_text("{}")
    before = _snapshot(repo)
    code, data, stderr = _audit(str(repo / "envs" / "prod"))
    assert code == 1, stderr
    assert data["resources"] == 5 and data["errors"] == []
    assert "FM-4.3" not in {f["id"] for f in data["findings"]}  # the nested module's flow log
    files = {f["file"] for f in data["findings"]}
    assert "../../modules/flow-logs/main.tf" in files
    assert _snapshot(repo) == before


def test_a_second_audit_reuses_the_copy_without_a_new_init(tmp_path: Path) -> None:
    folder = tmp_path / "stack"
    (folder / "modules" / "topic").mkdir(parents=True)
    (folder / "main.tf").write_text('module "alerts" {\n  source = "./modules/topic"\n}\n')
    topic = folder / "modules" / "topic" / "main.tf"
    topic.write_text('resource "aws_sns_topic" "this" {\n  name = "alerts"\n}\n')
    assert plan_folder_input(folder).plan.of("aws_sns_topic")[0].get("name") == "alerts"
    topic.write_text(topic.read_text().replace('"alerts"', '"pages"'))
    assert plan_folder_input(folder).plan.of("aws_sns_topic")[0].get("name") == "pages"
    assert _inits(folder) == 1


def test_modules_installed_by_the_users_init_are_used_offline() -> None:
    folder = FIXTURES / "installed"
    before = _snapshot(folder)
    inp = plan_folder_input(folder)
    plan = inp.plan
    assert {r.address for r in plan.resources} == {
        "module.vpc.aws_vpc.this[0]", "module.vpc.aws_flow_log.this[0]",
        "module.vpc.aws_cloudwatch_log_group.flow_log[0]",
        "module.vpc.aws_iam_role.vpc_flow_log_cloudwatch[0]"}
    [flow_log] = plan.of("aws_flow_log")
    assert plan.refs(flow_log, "vpc_id") == {  # through local.vpc_id, exactly
        "module.vpc.aws_vpc_ipv4_cidr_block_association.this", "module.vpc.aws_vpc.this"}
    assert not plan.through_locals(flow_log, "vpc_id")
    result = run(inp, env="production")
    assert "FM-4.3" not in {f.id for f in result.findings}
    assert _snapshot(folder) == before


def test_every_aws_provider_points_at_the_emulator_in_its_own_region() -> None:
    inp = plan_folder_input(FIXTURES / "aliased")
    zones = inp.plan.data["planned_values"]["outputs"]["zones"]["value"]
    assert zones == {"primary": "eu-west-1a", "secondary": "us-east-1a",
                     "replica": "us-east-1a", "legacy": "eu-central-1a"}
    topics = {r.address: r for r in inp.plan.of("aws_sns_topic")}
    assert set(topics) == {"aws_sns_topic.alerts", "module.replica.aws_sns_topic.replica"}


@pytest.mark.parametrize(("folder_name", "alb_name"), [("complete-alb", "ex-complete-alb"),
                                                       ("My ALB_1", "ex-my-alb-1")])
def test_names_from_the_folder_name_are_the_users_or_made_valid(
        tmp_path: Path, folder_name: str, alb_name: str) -> None:
    folder = tmp_path / folder_name
    shutil.copytree(FIXTURES / "alb_cwd", folder)
    inp = plan_folder_input(folder)
    [lb] = inp.plan.of("aws_lb")
    assert lb.get("name") == alb_name
    assert sorted(t.get("name") for t in inp.plan.of("aws_lb_target_group")) == [
        f"{alb_name}-blue", f"{alb_name}-green"]
    result = run(inp, env="production")  # blue and green behind the listener: FM-6.1 passes
    assert "FM-6.1" not in {f.id for f in result.findings} and not result.unseen


def test_required_variables_without_values_are_named_in_the_report() -> None:
    code, data, stderr = _audit(str(FIXTURES / "required_vars"))
    assert code == 2, stderr  # not planned, and no configuration finding: never a clean pass
    assert data["root_errors"] == [{
        "root": str(FIXTURES / "required_vars"),
        "error": "no value for the required variables environment, vpc_cidr: pass --var "
                 "NAME=VALUE or --var-file FILE"}]


def test_variables_from_var_and_var_file_reach_the_plan() -> None:
    folder = FIXTURES / "required_vars"
    inp = plan_folder_input(folder, load_settings(), ["environment=prod"],
                            [folder / "prod.tfvars"])
    [vpc] = inp.plan.of("aws_vpc")
    [logs] = inp.plan.of("aws_cloudwatch_log_group")
    assert vpc.get("cidr_block") == "10.42.0.0/16"
    assert vpc.get("tags") == {"Environment": "prod"}
    assert (logs.get("name"), logs.get("retention_in_days")) == ("/prod/app", 365)


def test_cost_takes_the_same_variables() -> None:
    folder = FIXTURES / "required_vars"
    result = CliRunner().invoke(cli, ["cost", str(folder), "--var", "environment=prod",
                                      "--var-file", str(folder / "prod.tfvars"),
                                      "--region", "us-east-1", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert "aws_vpc.this" in {i["address"] for i in json.loads(result.stdout)["items"]}


def test_recursive_audits_each_root_and_reports_the_one_that_cannot_be_planned(
        tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "repo", repo)
    (repo / "stacks" / "ids").mkdir(parents=True)
    (repo / "stacks" / "ids" / "main.tf").write_text(
        'resource "random_id" "suffix" {\n  byte_length = 4\n}\n')
    result = audit_recursive(repo, load_settings())
    assert result.roots == ["envs/prod", "envs/staging", "stacks/ids"]
    [(root, error)] = result.root_errors
    assert root == "stacks/ids" and "provider hashicorp/random is not installed here" in error
    assert "run `terraform init` in" in error
    single_az = [(f.root, f.address) for f in result.findings if f.id == "FM-3.1"]
    assert single_az == [("envs/staging", "module.web.aws_db_instance.this")]
    assert "FM-1.2" in result.ran  # stacks/ids: its configuration rules still ran
    assert result.exit_code("low") == 1  # a finding counts, the root not planned or not
    assert result.not_planned == ["stacks/ids"]
    data = json.loads(render("json", result))
    [finding] = [f for f in data["findings"] if f["id"] == "FM-3.1"]
    assert (finding["root"], finding["file"], finding["line"]) == (
        "envs/staging", "modules/web/main.tf", 13)
    assert data["root_errors"] == [{"root": "stacks/ids", "error": error}]
    document = json.loads(render("sarif", result))
    validate(document)
    [sarif_result] = [r for r in document["runs"][0]["results"] if r["ruleId"] == "FM-3.1"]
    assert sarif_result["properties"]["root"] == "envs/staging"
    assert sarif_result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == \
        "modules/web/main.tf"
    assert "stacks/ids" in render("text", result) and "stacks/ids" in render("junit", result)


def test_a_flow_log_wired_through_a_local_is_linked_exactly(tmp_path: Path) -> None:
    shared = FIXTURES / "flow_log_local" / "examples" / "shared"
    inp = plan_folder_input(shared)
    result = run(inp, env="production")
    hits = [f.address for f in result.findings if f.id == "FM-4.3"]
    assert hits == ["module.vpc.aws_vpc.shared[0]"]  # the VPC of the module without one
    plan_file = tmp_path / "plan.json"  # the same plan as a file: no locals to follow
    plan_file.write_text(json.dumps(inp.plan.data))
    code, data, _ = _audit(str(plan_file))
    assert code == 1  # other findings; not FM-4.3
    assert "FM-4.3" not in {f["id"] for f in data["findings"]}


def test_a_flow_log_wired_through_a_local_covers_its_vpc() -> None:
    single = run(plan_folder_input(FIXTURES / "flow_log_local" / "examples" / "single"),
                 env="production")
    assert "FM-4.3" not in {f.id for f in single.findings}


def test_listeners_built_from_dynamic_blocks_are_unseen() -> None:
    code, data, stderr = _audit(str(FIXTURES / "alb_module" / "examples" / "complete"))
    assert code == 1, stderr
    assert "FM-6.1" not in {f["id"] for f in data["findings"]}
    [note] = data["unseen"]
    assert (note["id"], note["address"], note["file"], note["line"]) == (
        "FM-6.1", "module.alb.aws_lb_listener.this", "../../main.tf", 20)
    assert "dynamic" in note["message"]


def test_a_provider_that_is_not_installed_is_named_with_the_setting(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "random_id" "x" {\n  byte_length = 4\n}\n')
    before = _snapshot(tmp_path)
    code, data, stderr = _audit(str(tmp_path))
    assert code == 2 and "Traceback" not in stderr
    [reason] = [e["error"] for e in data["root_errors"]]
    assert "provider hashicorp/random is not installed here" in reason
    assert f"run `terraform init` in {tmp_path} (online) first" in reason
    assert "PRODSTACK_PLUGIN_MIRROR" in reason
    assert _snapshot(tmp_path) == before


def test_the_provider_block_cannot_take_the_plan_past_the_network_guard(tmp_path: Path) -> None:
    """The configuration's own proxy settings are neutralised: a call the emulator does not
    serve still meets the guard (a closed port), not the proxy the configuration names."""
    with recorder() as (proxy, requests):
        (tmp_path / "main.tf").write_text(
            f'provider "aws" {{\n  region = "us-east-1"\n  http_proxy = "{proxy}"\n'
            f'  https_proxy = "{proxy}"\n}}\n\n'
            'data "aws_outposts_outposts" "all" {}\n')
        code, data, stderr = _audit(str(tmp_path))
    assert requests == []
    assert code == 2, stderr
    [reason] = [e["error"] for e in data["root_errors"]]
    assert "data.aws_outposts_outposts.all calls outposts.us-east-1.amazonaws.com" in reason

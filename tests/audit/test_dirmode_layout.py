"""Directory mode without Terraform: the module tree of a folder (local sources followed,
installed modules found, missing ones named in one line), the scratch copy (its safe,
stable name, exactly what is needed), the override files, the init stamp, `--var` and
`--var-file` checks, and the roots `--recursive` finds."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from prodstack.cli import cli
from prodstack.core.errors import UserError
from prodstack.ops.audit.recursive import find_roots
from prodstack.ops.offline_plan import OVERRIDE_FILE, _stamp, overrides, plan_folder
from prodstack.tf import installable, modtree, scratch
from prodstack.tf.folder import read_folder
from prodstack.tf.offline_env import explain, needs_init
from prodstack.tf.progress import Diagnostic
from prodstack.tf.runner import TerraformError

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PRODSTACK_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def _tree(folder: Path) -> modtree.Tree:
    return modtree.read_tree(modtree.normal(folder.absolute()))


def test_relative_sources_are_followed_through_nested_modules() -> None:
    tree = _tree(FIXTURES / "tree" / "envs" / "prod")
    assert [(n.key, n.address) for n in tree.nodes] == [
        ("", ""), ("network", "module.network"),
        ("network.flow_logs", "module.network.module.flow_logs")]
    top = (FIXTURES / "tree").absolute()
    assert tree.local_folders() == [top / "envs/prod", top / "modules/flow-logs",
                                    top / "modules/network"]
    assert not tree.missing and not tree.packages()


def test_the_copy_holds_what_the_plan_reads_and_nothing_else(home: Path,
                                                              tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "tree", repo)
    for junk in (".git/config", "envs/prod/terraform.tfstate", "envs/prod/.terraform/x",
                 "envs/staging/.terraform/terraform.tfstate", "modules/network/.cache/x"):
        (repo / junk).parent.mkdir(parents=True, exist_ok=True)
        (repo / junk).write_text("{}")
    tree = _tree(repo / "envs" / "prod")
    place = scratch.place(tree)
    copied = {p.relative_to(place.base / "src").as_posix()
              for p in scratch.copy_plan(tree, place)}
    assert copied == {"repo/envs/prod/main.tf", "repo/envs/prod/terraform.tfvars",
                      "repo/modules/network/main.tf", "repo/modules/network/policy.json",
                      "repo/modules/flow-logs/main.tf"}
    assert place.workdir == place.base / "src" / "repo" / "envs" / "prod"
    assert place.base.parent == home / "offline-plans"
    assert place.base.name.startswith("prod-") and len(place.base.name) == len("prod-") + 8
    assert scratch.place(_tree(repo / "envs" / "prod")) == place  # stable


@pytest.mark.parametrize(("name", "safe"), [
    ("complete-alb", "complete-alb"), ("prod", "prod"), ("My ALB_1", "my-alb-1"),
    ("__", "root"), ("Ünïcode stack", "n-code-stack"), ("a--b", "a-b")])
def test_safe_names(name: str, safe: str) -> None:
    assert scratch.safe_name(name) == safe
    assert scratch.SAFE.fullmatch(scratch.safe_name(name))


def test_a_root_whose_name_is_not_safe_is_renamed_in_the_copy(home: Path,
                                                               tmp_path: Path) -> None:
    repo = tmp_path / "My Repo"
    shutil.copytree(FIXTURES / "flow_log_local", repo)
    (repo / "examples" / "shared").rename(repo / "examples" / "Shared_VPC")
    place = scratch.place(_tree(repo / "examples" / "Shared_VPC"))
    assert place.workdir.name == "shared-vpc"
    assert place.dest(repo / "main.tf") == place.top / "main.tf"
    assert place.workdir.relative_to(place.top).as_posix() == "examples/shared-vpc"
    assert place.base.name.startswith("shared-vpc-")


def test_installed_modules_are_found_and_their_files_copied(home: Path) -> None:
    tree = _tree(FIXTURES / "installed")
    assert [(n.address, n.remote) for n in tree.nodes] == [("", False), ("module.vpc", True)]
    assert tree.installed["vpc"]["Version"] == "5.21.0"
    place = scratch.place(tree)
    copied = {p.relative_to(place.workdir).as_posix() for p in scratch.copy_plan(tree, place)}
    assert copied == {"main.tf", *(f".terraform/modules/vpc/{n}" for n in (
        "main.tf", "outputs.tf", "variables.tf", "versions.tf", "vpc-flow-logs.tf"))}


def test_a_registry_module_not_installed_is_one_line(tmp_path: Path, home: Path) -> None:
    folder = tmp_path / "installed"
    shutil.copytree(FIXTURES / "installed", folder)
    (folder / "sg.tf").write_text('module "sg" {\n  source  = "terraform-aws-modules/'
                                  'security-group/aws"\n  version = "~> 5.0"\n}\n')
    with pytest.raises(UserError) as caught:
        plan_folder(folder)
    message = str(caught.value)
    assert message == (f'{folder}: module "sg" (terraform-aws-modules/security-group/aws '
                       f'~> 5.0, sg.tf:1) is not installed in {folder}/.terraform/modules: '
                       f"run `terraform init` in {folder} (online) first")
    assert not (home / "emulator.json").exists()  # nothing started for it


def test_a_module_installed_from_another_source_is_not_used(tmp_path: Path) -> None:
    folder = tmp_path / "installed"
    shutil.copytree(FIXTURES / "installed", folder)
    main = folder / "main.tf"
    main.write_text(main.read_text().replace("terraform-aws-modules/vpc/aws", "acme/vpc/aws"))
    tree = _tree(folder)
    [(key, call, why)] = tree.missing
    assert key == "vpc" and call.source == "acme/vpc/aws"
    assert "from registry.terraform.io/terraform-aws-modules/vpc/aws" in why


def test_every_aws_provider_block_gets_an_override(home: Path) -> None:
    tree = _tree(FIXTURES / "aliased")
    place = scratch.place(tree)
    docs = {path.relative_to(place.workdir).as_posix(): json.loads(text)
            for path, text in overrides(tree, place, "http://127.0.0.1:4566").items()}
    assert set(docs) == {OVERRIDE_FILE, f"modules/legacy/{OVERRIDE_FILE}"}
    root = docs[OVERRIDE_FILE]
    assert root["terraform"] == {"backend": {"local": {}}}
    assert [p.get("alias", "") for p in root["provider"]["aws"]] == ["", "region2"]
    for config in root["provider"]["aws"] + docs[f"modules/legacy/{OVERRIDE_FILE}"][
            "provider"]["aws"]:
        assert "region" not in config  # each keeps its own
        assert config["access_key"] == "test" and config["profile"] is None
        assert set(config["endpoints"][0].values()) == {"http://127.0.0.1:4566"}
    assert [p["alias"] for p in docs[f"modules/legacy/{OVERRIDE_FILE}"]["provider"]["aws"]] \
        == ["peer"]


def test_init_is_needed_again_only_when_what_it_reads_changes(home: Path,
                                                              tmp_path: Path) -> None:
    folder = tmp_path / "prod"
    shutil.copytree(FIXTURES / "alb_cwd", folder)

    def stamp() -> str:
        tree = _tree(folder)
        return _stamp(tree, scratch.place(tree), "cli", None)

    first = stamp()
    main = folder / "main.tf"
    main.write_text(main.read_text().replace('cidr_block = "10.0.0.0/16"',
                                             'cidr_block = "10.9.0.0/16"'))
    assert stamp() == first  # a resource's argument: no new init
    (folder / "extra.tf").write_text('resource "aws_sns_topic" "t" {}\n')
    assert stamp() == first  # another resource of a provider already used
    (folder / "random.tf").write_text('resource "random_id" "r" {\n  byte_length = 4\n}\n')
    assert stamp() != first  # a provider to install
    second = stamp()
    (folder / "mod.tf").write_text('module "m" {\n  source = "./m"\n}\n')
    (folder / "m").mkdir()
    (folder / "m" / "main.tf").write_text("")
    assert stamp() != second  # a module to record


def test_sync_removes_what_is_gone_and_keeps_terraform_data(home: Path,
                                                            tmp_path: Path) -> None:
    folder = tmp_path / "stack"
    shutil.copytree(FIXTURES / "required_vars", folder)
    tree = _tree(folder)
    place = scratch.place(tree)
    scratch.sync(place, scratch.copy_plan(tree, place), {})
    for kept in (".terraform/providers/x", ".terraform/prodstack-init", ".terraform.lock.hcl"):
        (place.workdir / kept).parent.mkdir(parents=True, exist_ok=True)
        (place.workdir / kept).write_text("")
    (place.workdir / "stale.tf").write_text("")
    (folder / "prod.tfvars").unlink()
    tree = _tree(folder)
    scratch.sync(place, scratch.copy_plan(tree, place), {})
    left = {p.relative_to(place.workdir).as_posix() for p in place.workdir.rglob("*")
            if p.is_file()}
    assert left == {"main.tf", ".terraform/providers/x", ".terraform/prodstack-init",
                    ".terraform.lock.hcl"}


def test_locals_are_read_for_every_module_of_the_tree() -> None:
    config = read_folder(FIXTURES / "installed")
    assert config.locals is not None
    assert config.locals["module.vpc"]["vpc_id"] == [
        "aws_vpc_ipv4_cidr_block_association.this", "aws_vpc.this"]
    assert config.locals[""]["name"] == ["path.cwd"]
    assert config.locals["module.vpc"]["flow_log_destination_arn"] == [
        "aws_cloudwatch_log_group.flow_log"]


def test_the_roots_of_a_repository() -> None:
    top = (FIXTURES / "repo").absolute()
    assert find_roots(top) == [top / "envs/prod", top / "envs/staging"]
    tree = (FIXTURES / "tree").absolute()  # modules/unused is called by no one: a root
    assert find_roots(tree) == [tree / "envs/prod", tree / "envs/staging",
                                tree / "modules/unused"]


@pytest.mark.parametrize(("args", "expected"), [
    (["--var", "environment"], "--var 'environment': expected NAME=VALUE"),
    (["--var", "=x"], "--var '=x': expected NAME=VALUE"),
    (["--var-file", "nowhere.tfvars"], "--var-file nowhere.tfvars: no such file"),
])
def test_bad_variables_are_one_line_before_planning(args: list[str], expected: str,
                                                    home: Path) -> None:
    result = CliRunner().invoke(cli, ["audit", str(FIXTURES / "required_vars"), *args])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [f"prodstack: error: {expected}"]
    assert not (home / "emulator.json").exists()


def test_variables_need_a_folder(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text("{}")
    result = CliRunner().invoke(cli, ["audit", str(plan), "--var", "a=1"])
    assert result.exit_code == 2 and "apply to the offline plan of a folder" in result.stderr
    result = CliRunner().invoke(cli, ["audit", str(plan), "--recursive"])
    assert result.exit_code == 2 and "--recursive needs a folder" in result.stderr


def test_recursive_without_roots_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    result = CliRunner().invoke(cli, ["audit", str(tmp_path), "--recursive"])
    assert result.exit_code == 2 and "no root module under it" in result.stderr


FIX = installable.FIX.format(folder="/f")


def _refusal(message: str, *diagnostics: tuple[str, str, str]) -> TerraformError:
    return TerraformError(message, [Diagnostic("error", summary, detail, address)
                                    for summary, detail, address in diagnostics])


@pytest.mark.parametrize(("refusal", "expected"), [
    (_refusal("plan failed", ("No value for required variable",
                              'The root module input variable "a" is not set', ""),
              ("No value for required variable",
               'The root module input variable "b" is not set', "")),
     "/f: no value for the required variables a, b: pass --var NAME=VALUE or --var-file "
     "FILE"),
    (_refusal("terraform init failed: Failed to query available provider packages: Could "
              "not retrieve the list of available versions for provider hashicorp/random: "
              "provider registry.terraform.io/hashicorp/random was not found in any of the "
              "search locations - /opt/tf-plugins (full log: x)"),
     "/f: provider hashicorp/random is not installed here (not in the plugin mirror /m nor "
     f"/f/.terraform/providers): {FIX}"),
    (_refusal("terraform init failed: Failed to query available provider packages (full log: "
              "x)"),  # the log names them all: see test_every_provider_init_refused_is_named
     None),
    (_refusal("terraform init failed: Failed to query available provider packages: Could "
              "not retrieve the list of available versions for provider hashicorp/aws: no "
              "available releases match the given constraints >= 6.28.0 To see which modules"),
     "/f: no version of provider hashicorp/aws here matches the constraint >= 6.28.0 (here: "
     f"none): {FIX}"),
    (_refusal("plan failed", ("listing Outposts", 'Get "https://outposts.eu-west-1.amazonaws.'
                              'com/outposts": proxyconnect tcp: dial tcp 127.0.0.1:9: connect',
                              "data.aws_outposts_outpost.shared")),
     "/f: data.aws_outposts_outpost.shared calls outposts.eu-west-1.amazonaws.com, which the "
     "emulator does not serve, so it cannot be planned offline (nothing was sent to AWS)"),
    (_refusal("terraform init failed: Error accessing remote module registry: Failed to "
              'retrieve available versions for module "vpc" (main.tf:1) from '
              "registry.terraform.io"),
     '/f: module "vpc" is not installed at a source and version its configuration accepts '
     "(in /f/.terraform/modules): run `terraform init` in /f (online) first"),
])
def test_refusals_the_user_can_fix_are_one_line(refusal: TerraformError,
                                                 expected: str | None) -> None:
    explained = explain(Path("/f"), refusal, "/m")
    if expected is None:
        assert explained is None
        return
    assert explained is not None and str(explained) == expected and explained.exit_code == 2


def test_every_provider_init_refused_is_named(tmp_path: Path) -> None:
    """`init` stops on every provider it cannot install; its error names the first only, its
    log all of them: each is one reason, with the setting that fixes it."""
    log = tmp_path / "init.log"
    log.write_text(INIT_LOG)
    refusal = TerraformError("terraform init failed: Failed to query available provider "
                             "packages: ... hashicorp/random", log=log)
    explained = explain(Path("/f"), refusal, "/m")
    assert explained is not None and explained.reasons == [
        "provider hashicorp/random is not installed here (not in the plugin mirror /m nor "
        f"/f/.terraform/providers): {FIX}",
        "no version of provider hashicorp/aws here matches the constraint >= 6.0.0 (here: "
        f"none): {FIX}",
        "provider hashicorp/external is not installed here (not in the plugin mirror /m nor "
        f"/f/.terraform/providers): {FIX}"]


INIT_LOG = """\
Initializing provider plugins...
- Finding hashicorp/random versions matching "~> 3.6"...
- Finding hashicorp/aws versions matching ">= 6.0.0"...

Error: Failed to query available provider packages

Could not retrieve the list of available versions for provider
hashicorp/random: provider registry.terraform.io/hashicorp/random was not
found in any of the search locations

  - /opt/tf-plugins

Error: Failed to query available provider packages

Could not retrieve the list of available versions for provider hashicorp/aws:
no available releases match the given constraints >= 6.0.0

To see which modules are currently depending on hashicorp/aws and what
versions are specified, run the following command:
    terraform providers

Error: Failed to query available provider packages

Could not retrieve the list of available versions for provider
hashicorp/external: provider registry.terraform.io/hashicorp/external was not
found in any of the search locations
"""


def test_other_refusals_are_left_as_they_are() -> None:
    assert explain(Path("/f"), _refusal("plan failed: Unsupported argument"), None) is None
    assert needs_init(_refusal("plan failed", ("Module not installed", "", "")))
    assert not needs_init(_refusal("plan failed: Unsupported argument"))

"""What a configuration asks Terraform to install and run, read without Terraform (providers.py),
what the allowlist refuses (allowlist.py), what is not here (installable.py, versions.py), and
the CLI configuration that lets Terraform install allowed providers only."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from prodstack.core.errors import UserError
from prodstack.tf import installable, modtree, providers, versions
from prodstack.tf.allowlist import Allowlist, refusals
from prodstack.tf.offline_env import cli_config


def _tree(folder: Path, files: dict[str, str]) -> modtree.Tree:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return modtree.read_tree(modtree.normal(folder.absolute()))


MAIN = """\
terraform {
  required_version = ">= 1.10"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
    cloud = { source = "Acme/Cloud", version = ">= 2.0, < 3.0" }
    random = "~> 3.6"
  }
}

resource "cloud_thing" "a" {}
resource "random_id" "b" {
  provider    = random.other
  byte_length = 2
}
data "archive_file" "zip" {
  type = "zip"
}
check "health" {
  data "http" "ping" {
    url = "https://example.com"
  }
}
ephemeral "tls_private_key" "k" {
  algorithm = "ED25519"
}
module "inner" {
  source = "./inner"
}
"""
INNER = {"terraform": {"required_providers": {"aws": {"source": "evil.example.com/x/aws"}}},
         "resource": {"aws_sns_topic": {"t": {"name": "t"}}},
         "data": {"terraform_remote_state": {"net": {"backend": "local"}},
                  "external": {"run": {"program": ["true"], "provider": "external.alias"}}}}


def test_requirements_follow_terraforms_rules(tmp_path: Path) -> None:
    req = providers.read(_tree(tmp_path, {"main.tf": MAIN,
                                          "inner/main.tf.json": json.dumps(INNER)}))
    registry = "registry.terraform.io/"
    assert req.providers == {
        f"{registry}hashicorp/aws": ["~> 5.0"],
        f"{registry}acme/cloud": [">= 2.0, < 3.0"],
        f"{registry}hashicorp/random": ["~> 3.6"],
        f"{registry}hashicorp/archive": [], f"{registry}hashicorp/http": [],
        f"{registry}hashicorp/tls": [],
        "evil.example.com/x/aws": [],  # `aws` in that module is someone else's provider
        providers.BUILTIN: [], f"{registry}hashicorp/external": []}
    assert [(t, u.address, u.where) for t, u in req.data] == [
        ("archive_file", "data.archive_file.zip", "main.tf:18"),
        ("http", "data.http.ping", "main.tf:22"),  # scoped in a check block: read at plan time
        ("terraform_remote_state", "module.inner.data.terraform_remote_state.net",
         "inner/main.tf.json"),
        ("external", "module.inner.data.external.run", "inner/main.tf.json")]
    assert req.terraform == [(">= 1.10", "main.tf:1")]
    [topic] = req.uses["evil.example.com/x/aws"][1:]
    assert topic.address == "module.inner.aws_sns_topic.t"


def test_the_allowlist_refuses_providers_and_plan_time_side_effects(tmp_path: Path) -> None:
    req = providers.read(_tree(tmp_path, {"main.tf": MAIN,
                                          "inner/main.tf.json": json.dumps(INNER)}))
    lines = refusals(req, Allowlist())
    assert [line.split(" (", 1)[0] for line in lines] == [
        "provider evil.example.com/x/aws", "provider acme/cloud", "provider hashicorp/external",
        "provider hashicorp/http", "data.archive_file.zip", "data.http.ping",
        "module.inner.data.terraform_remote_state.net", "module.inner.data.external.run"]
    assert lines[4].endswith("reads files and writes its output_path when a plan reads it: "
                             "not run: on trusted code, --allow-provider hashicorp/archive")
    trusted = Allowlist.of(["acme/cloud", "hashicorp/archive", "hashicorp/http"])
    assert [line.split(" (", 1)[0] for line in refusals(req, trusted)] == [
        "provider evil.example.com/x/aws", "provider hashicorp/external",
        "module.inner.data.terraform_remote_state.net", "module.inner.data.external.run"]


def test_a_configuration_of_allowed_providers_is_not_refused(tmp_path: Path) -> None:
    tree = _tree(tmp_path, {"main.tf": 'resource "random_id" "a" {}\nresource "aws_vpc" "v" {}\n'
                                       'resource "terraform_data" "d" {}\n'
                                       'data "aws_caller_identity" "me" {}\n'})
    assert refusals(providers.read(tree), Allowlist()) == []


@pytest.mark.parametrize("name", ["external", "a/b/c/d", "hashicorp/*", "", "a b/c"])
def test_a_malformed_provider_name_is_refused(name: str) -> None:
    with pytest.raises(UserError, match="expected NAMESPACE/NAME"):
        Allowlist.of([name])


def test_terraform_installs_only_allowed_providers(tmp_path: Path) -> None:
    include = Allowlist.of(["acme/cloud"]).include()
    assert "registry.terraform.io/acme/cloud" in include and providers.BUILTIN not in include
    direct = cli_config(None, None, include)
    assert f"direct {{ include = {json.dumps(include)} }}" in direct
    (tmp_path / "plugins").mkdir()
    mirrored = cli_config("/opt/tf-plugins", tmp_path, include, str(tmp_path / "plugins"))
    assert mirrored.count(f"include = {json.dumps(include)}") == 3 and "direct" not in mirrored


@pytest.mark.parametrize(("version", "constraints", "ok"), [
    ("5.100.0", ["~> 5.0"], True), ("6.0.0", ["~> 5.0"], False),
    ("5.100.0", ["~> 5.99.0"], False), ("5.99.3", ["~> 5.99.0"], True),
    ("5.100.0", [">= 4.0, < 6.0"], True), ("5.100.0", [">= 6.0"], False),
    ("5.100.0", ["5.100.0"], True), ("5.100.0", ["!= 5.100.0"], False),
    ("1.11.4", [">= 1.10", "< 2"], True), ("1.12.0-beta1", [">= 1.11"], False),
    ("1.12.0-beta1", ["1.12.0-beta1"], True), ("3.6.1", ["~> 3.6"], True),
])
def test_version_constraints(version: str, constraints: list[str], ok: bool) -> None:
    assert versions.matches(version, constraints) is ok


def test_a_constraint_that_cannot_be_read_is_left_to_terraform() -> None:
    with pytest.raises(ValueError):
        versions.matches("1.0.0", ["~> banana"])


def test_missing_providers_are_named_at_once_with_the_setting(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    (mirror / "registry.terraform.io/hashicorp/aws/5.100.0" / installable._platform()).mkdir(
        parents=True)
    packed = mirror / "registry.terraform.io/hashicorp/random"
    packed.mkdir(parents=True)
    (packed / f"terraform-provider-random_3.5.1_{installable._platform()}.zip").write_bytes(b"")
    req = providers.read(_tree(tmp_path / "root", {"main.tf": MAIN.replace("~> 5.0", ">= 6.0"),
                                                   "inner/main.tf": ""}))
    lines = installable.missing_providers(Path("root"), req, Allowlist().include(), str(mirror),
                                          None)
    fix = installable.FIX.format(folder="root")
    assert lines == [
        "provider hashicorp/archive is not installed here (not in the plugin mirror "
        f"{mirror} nor root/.terraform/providers): {fix}",
        f"no version of provider hashicorp/aws here matches the constraint >= 6.0 (here: "
        f"5.100.0): {fix}",
        f"no version of provider hashicorp/random here matches the constraint ~> 3.6 (here: "
        f"3.5.1): {fix}",
        "provider hashicorp/tls is not installed here (not in the plugin mirror "
        f"{mirror} nor root/.terraform/providers): {fix}"]


def test_a_terraform_the_configuration_does_not_accept_is_named(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(installable, "terraform_version", lambda: "1.11.4")
    req = providers.read(_tree(tmp_path, {"main.tf": 'terraform {\n  required_version = '
                                                     '">= 1.12"\n}\n'}))
    assert installable.wrong_terraform(req) == [
        "the configuration requires Terraform >= 1.12 (main.tf:1); this is Terraform 1.11.4: "
        "put a Terraform that matches first on PATH"]

"""`prodstack cost` on hostile input: one line on stderr and exit 2, or a correct report.

Symbolic link loops in a folder, JSON nested deeper than the stack or numbers longer than
Python reads, prices of `Infinity`, changes whose `after` is null.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from prodstack.ops.offline_plan import _copy_config
from prodstack.tf.folder import config_files
from tests.cost.conftest import FIXTURES, assert_one_line_error, invoke, invoke_json

WEB = str(FIXTURES / "web_plan.json")
DEEP = 100_000


def _folder_with(tmp_path: Path, *links: tuple[str, str]) -> Path:
    folder = tmp_path / "stack"
    folder.mkdir()
    (folder / "main.tf").write_text('resource "aws_sns_topic" "t" {}\n')
    for name, target in links:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, folder / name)
    return folder


@pytest.mark.parametrize(("link", "target"), [("self", "self"), ("sub/up", ".."),
                                              ("a/down", "../a")])
def test_symlink_loop_in_a_folder_is_one_line_naming_it(home, tmp_path, link, target):
    folder = _folder_with(tmp_path, (link, target))
    result = invoke(str(folder))
    assert_one_line_error(result, f"{folder / link}: a symbolic link loop")
    assert len(result.stderr) < len(f"prodstack: error: {folder / link}") + 40, result.stderr
    assert not (home / "emulator.json").exists(), "no emulator for a folder that cannot be read"


def test_broken_link_and_special_file_are_one_line(home, tmp_path):
    folder = _folder_with(tmp_path, ("gone.tf", "nowhere.tf"))
    assert_one_line_error(invoke(str(folder)), f"{folder / 'gone.tf'}: a broken symbolic link")
    (folder / "gone.tf").unlink()
    os.mkfifo(folder / "pipe")
    assert_one_line_error(invoke(str(folder)), f"{folder / 'pipe'}: not a file or a folder")


def test_folder_copy_follows_links_inside_the_folder_only(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.tf").write_text("# not part of the stack\n")
    (outside / "shared.tf").write_text("# linked in\n")
    folder = _folder_with(tmp_path, ("modules/web", "../common"), ("out", "../outside"),
                          ("shared.tf", "../outside/shared.tf"))
    (folder / "common").mkdir()
    (folder / "common" / "main.tf").write_text("# module\n")
    (folder / ".terraform").mkdir()
    (folder / ".terraform" / "x.tf").write_text("")
    (folder / "terraform.tfstate").write_text("{}")
    assert [rel for rel, _ in config_files(folder)] == [
        "common/main.tf", "main.tf", "modules/web/main.tf", "shared.tf"]
    copy = tmp_path / "copy"
    copy.mkdir()
    _copy_config(folder, copy)
    assert (copy / "modules" / "web" / "main.tf").read_text() == "# module\n"
    assert not (copy / "shared.tf").is_symlink()  # a link to a file becomes the file
    assert (copy / "shared.tf").read_text() == "# linked in\n"
    assert not (copy / "out").exists()


def _deep(kind: str, depth: int) -> str:
    value = "[" * depth + "]" * depth if kind == "arrays" else '{"a":' * depth + "1" + "}" * depth
    change = {"address": "aws_s3_bucket.b", "mode": "managed", "type": "aws_s3_bucket",
              "name": "b", "change": {"actions": ["create"], "after": {"tags": "@"}}}
    plan = {"format_version": "1.2", "resource_changes": [change]}
    return json.dumps(plan).replace('"@"', value)


@pytest.mark.parametrize("kind", ["arrays", "objects"])
def test_plan_nested_too_deeply_is_one_line(tmp_path, kind):
    path = tmp_path / "deep.json"
    path.write_text(_deep(kind, DEEP))
    assert_one_line_error(invoke(str(path)), f"{path}: JSON nested too deeply to read")


@pytest.mark.parametrize("depth", [300, 600, 900, 990])
def test_plan_nested_as_deep_as_json_reads_is_priced_or_one_line(tmp_path, depth):
    path = tmp_path / "deep.json"
    data = json.loads(_deep("arrays", 1))
    nat = {"address": "aws_nat_gateway.n", "mode": "managed", "type": "aws_nat_gateway",
           "name": "n", "change": {"actions": ["create"], "after": {}}}
    endpoint = {"address": "aws_vpc_endpoint.s3", "mode": "managed", "type": "aws_vpc_endpoint",
                "name": "s3", "change": {"actions": ["create"],
                                         "after": {"service_name": "@"}}}
    data["resource_changes"] += [nat, endpoint]
    path.write_text(json.dumps(data).replace('"@"', "[" * depth + "]" * depth))
    result = invoke(str(path), "--format", "json", "--region", "us-east-1")
    if result.exit_code == 2:
        assert_one_line_error(result, "nested too deeply")
    else:
        assert result.exit_code == 0 and result.exception is None, result.output
        assert {i["address"] for i in json.loads(result.stdout)["items"]} >= {
            "aws_s3_bucket.b", "aws_nat_gateway.n"}


def _prices_with(tmp_path: Path, raw: str) -> str:
    shipped = json.loads((Path(__file__).parents[2] / "src" / "prodstack" / "ops" / "cost" /
                          "prices.json").read_text())
    shipped["regions"]["us-east-1"]["nat_gateway_hour"] = "@"
    path = tmp_path / "prices.json"
    path.write_text(json.dumps(shipped).replace('"@"', raw))
    return str(path)


@pytest.mark.parametrize("raw", ["Infinity", "-Infinity", "NaN", "1e400"])
def test_price_that_is_not_finite_is_refused(tmp_path, raw):
    assert_one_line_error(invoke(WEB, "--prices", _prices_with(tmp_path, raw)),
                          "regions.us-east-1.nat_gateway_hour: expected a non-negative number")


def test_prices_and_assumptions_nested_too_deeply_are_one_line(tmp_path):
    prices = tmp_path / "prices.json"
    prices.write_text("[" * DEEP + "]" * DEEP)
    assert_one_line_error(invoke(WEB, "--prices", str(prices)), "JSON nested too deeply")
    toml = tmp_path / "usage.toml"
    toml.write_text("x = " + "[" * DEEP + "]" * DEEP + "\n")
    assert_one_line_error(invoke(WEB, "--assumptions", str(toml)), "TOML nested too deeply")


@pytest.mark.parametrize(("actions", "after", "what"), [
    (["create"], None, "change.after is null for a create"),
    (["update"], None, "change.after is null for an update"),
    (["delete", "create"], None, "change.after is null for a delete/create"),
    (["create"], [], "change.after is not an object for a create"),
])
def test_change_without_after_is_refused_naming_the_address(tmp_path, actions, after, what):
    plan = {"format_version": "1.2", "resource_changes": [
        {"address": "aws_db_instance.main", "mode": "managed", "type": "aws_db_instance",
         "name": "main", "change": {"actions": actions, "before": None, "after": after}}]}
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    assert_one_line_error(invoke(str(path)),
                          f"{path}: aws_db_instance.main: {what}: not a plan Terraform writes")


def test_deleted_and_forgotten_resources_with_null_after_are_not_priced(tmp_path):
    plan = {"format_version": "1.2", "resource_changes": [
        {"address": f"aws_kms_key.{name}", "mode": "managed", "type": "aws_kms_key",
         "name": name, "change": {"actions": [action], "before": {}, "after": None}}
        for name, action in (("old", "delete"), ("kept_outside", "forget"))]}
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    report = invoke_json(str(path), "--region", "us-east-1")
    assert report["items"] == [] and report["total_monthly_usd"] == 0


def test_numbers_longer_than_python_reads_are_one_line(tmp_path):
    digits = "9" * 5000
    plan = tmp_path / "plan.json"
    plan.write_text(_deep("arrays", 1).replace("[]", digits))
    assert_one_line_error(invoke(str(plan)), f"{plan}: cannot read its JSON (Exceeds the limit")
    assert_one_line_error(invoke(WEB, "--prices", _prices_with(tmp_path, digits)),
                          "cannot read its JSON (Exceeds the limit")
    toml = tmp_path / "usage.toml"
    toml.write_text(f"hours_per_month = {digits}\n")
    assert_one_line_error(invoke(WEB, "--assumptions", str(toml)),
                          "cannot be read (Exceeds the limit")


@pytest.mark.plan
def test_folder_whose_plan_json_nests_deeper_than_json_reads(home, tmp_path):
    """Terraform plans any depth; the JSON it shows is refused in one line, not a traceback."""
    folder = tmp_path / "deep"
    folder.mkdir()
    (folder / "main.tf").write_text(
        'resource "terraform_data" "x" {\n  input = ' + "[" * 1200 + "]" * 1200 + "\n}\n")
    assert_one_line_error(invoke(str(folder)),
                          f"{folder}: its plan JSON is nested too deeply to read")

"""`prodstack audit` on hostile input: one line on stderr and exit 2, never a traceback.

Symbolic link loops in a configuration folder, JSON nested deeper than the stack or numbers
longer than Python reads, and a create or update whose `change.after` is null (which read as
"every attribute unset" would be audited as a resource that is not there).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from prodstack.catalog.planbuilder import PlanBuilder
from prodstack.cli import cli
from prodstack.core.errors import UserError
from prodstack.tf.folder import read_folder

DEEP = 100_000


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PRODSTACK_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def _audit(*args: str) -> Result:
    return CliRunner().invoke(cli, ["audit", *args])


def _one_line_error(result: Result, fragment: str) -> str:
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = [line for line in result.stderr.splitlines()
             if line.strip() and not line.startswith("planning ")]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("prodstack: error: ") and fragment in lines[0], lines[0]
    assert len(re.sub(r"/\S+", "<path>", lines[0])) < 130, lines[0]  # short, but for paths
    assert result.stdout == ""
    return lines[0]


def _folder(tmp_path: Path, link: str, target: str) -> Path:
    folder = tmp_path / "stack"
    folder.mkdir()
    (folder / "main.tf").write_text('resource "aws_sns_topic" "t" {}\n')
    (folder / link).parent.mkdir(parents=True, exist_ok=True)
    os.symlink(target, folder / link)
    return folder


@pytest.mark.parametrize(("link", "target"), [("self", "self"), ("sub/up", ".."),
                                              ("a/b/top", "../..")])
def test_symlink_loop_in_a_folder_is_one_short_line_naming_it(home, tmp_path, link, target):
    folder = _folder(tmp_path, link, target)
    _one_line_error(_audit(str(folder)), f"{folder / link}: a symbolic link loop")
    assert not (home / "emulator.json").exists(), "no emulator for a folder that cannot be read"


def test_configuration_reader_follows_a_module_linked_inside_the_folder(tmp_path):
    folder = _folder(tmp_path, "modules/db", "../shared")
    (folder / "shared").mkdir()
    (folder / "shared" / "main.tf").write_text(
        'resource "aws_db_instance" "this" {\n  lifecycle {\n    ignore_changes = [password]\n'
        '  }\n}\n')
    (folder / "backend.hcl").write_text('bucket = "state"\n')
    config = read_folder(folder)
    assert config.ignored("aws_db_instance", "this", "password")
    assert config.backend_config == {"bucket": "state"}


def test_configuration_nested_too_deeply_is_one_line_naming_the_file(tmp_path):
    folder = tmp_path / "stack"
    folder.mkdir()
    (folder / "main.tf").write_text("a {\n" * DEEP + "}\n" * DEEP)
    with pytest.raises(UserError, match=r"main\.tf: nested too deeply to read") as err:
        read_folder(folder)
    assert err.value.exit_code == 2


@pytest.mark.parametrize("value", ["[" * DEEP + "]" * DEEP,
                                   '{"a":' * DEEP + "1" + "}" * DEEP])
def test_plan_nested_too_deeply_is_one_line(tmp_path, value):
    data = PlanBuilder().add("aws_s3_bucket.b", {"tags": "@"}).build()
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(data).replace('"@"', value))
    _one_line_error(_audit(str(path)), f"{path}: JSON nested too deeply to read")


@pytest.mark.parametrize(("actions", "what"), [(("create",), "null for a create"),
                                               (("update",), "null for an update"),
                                               (("no-op",), "null for a no-op")])
def test_change_with_null_after_is_refused_naming_the_address(tmp_path, actions, what):
    data = PlanBuilder().add("aws_db_instance.main", {"engine": "postgres"},
                             actions=actions).build()
    data["resource_changes"][0]["change"]["after"] = None
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(data))
    _one_line_error(_audit(str(path)), f"{path}: aws_db_instance.main: change.after is {what}: "
                                       "not a plan Terraform writes")


def test_numbers_longer_than_python_reads_are_one_line(home, tmp_path):
    digits = "9" * 5000
    data = PlanBuilder().add("aws_s3_bucket.b", {"tags": "@"}).build()
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(data).replace('"@"', digits))
    _one_line_error(_audit(str(path)), f"{path}: cannot read its JSON (Exceeds the limit")
    folder = tmp_path / "stack"
    folder.mkdir()
    (folder / "main.tf.json").write_text('{"locals": {"x": ' + digits + "}}")
    _one_line_error(_audit(str(folder)), f"{folder / 'main.tf.json'}: cannot read it (Exceeds")

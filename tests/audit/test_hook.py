"""The pre-commit hook: which folders it audits for the changed files, and its exit code."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from prodstack.cli import hook
from tests.audit.helpers import write_files

REPO = {
    "live/prod/main.tf": 'module "app" {\n  source = "../../modules/app"\n}\n',
    "live/dev/main.tf.json": '{"module": {"app": {"source": "../../modules/app"}}}',
    "modules/app/main.tf": 'module "db" {\n  source = "./db"\n}\n',
    "modules/app/db/main.tf": 'resource "aws_db_instance" "this" {}\n',
    "sandbox/main.tf": 'resource "aws_sns_topic" "x" {}\n',
    "docs/readme.md": "no terraform",
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return write_files(tmp_path, REPO)


def test_a_root_folder_is_audited_itself(repo: Path) -> None:
    assert hook.roots_of(["sandbox/main.tf", "docs/readme.md"], repo) == [repo / "sandbox"]


def test_a_module_change_audits_the_roots_that_call_it(repo: Path) -> None:
    assert hook.roots_of(["modules/app/db/main.tf"], repo) == [repo / "live/dev",
                                                              repo / "live/prod"]


def test_given_roots_take_the_files_under_them(repo: Path) -> None:
    roots = [Path("live/prod"), Path("modules")]
    assert hook.roots_of(["live/prod/main.tf", "modules/app/db/main.tf", "sandbox/main.tf"],
                         repo, roots) == [repo / "live/prod", repo / "modules"]


def test_each_root_once_and_the_highest_exit_code(repo: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []

    def call(args: list[str]) -> int:
        calls.append(args)
        return 1 if args[4].endswith("prod") else 0

    monkeypatch.chdir(repo)
    monkeypatch.setattr(hook.subprocess, "call", call)
    files = ["modules/app/main.tf", "modules/app/db/main.tf", "live/prod/main.tf"]
    out = CliRunner().invoke(hook.main, ["--fail-on", "high", *files])
    assert out.exit_code == 1
    assert [c[3:] for c in calls] == [["audit", "live/dev", "--fail-on", "high"],
                                      ["audit", "live/prod", "--fail-on", "high"]]
    assert hook.run_audits([Path("x")], [], call=lambda args: 2) == 2


def test_allowed_providers_are_passed_on(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []
    monkeypatch.chdir(repo)
    monkeypatch.setattr(hook.subprocess, "call", lambda args: calls.append(args) or 0)
    out = CliRunner().invoke(hook.main, ["--allow-provider", "acme/thing", "--allow-provider",
                                         "hashicorp/http", "live/prod/main.tf"])
    assert out.exit_code == 0
    assert [c[3:] for c in calls] == [["audit", "live/prod", "--allow-provider", "acme/thing",
                                       "--allow-provider", "hashicorp/http"]]

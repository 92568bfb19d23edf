"""A project is a folder (prodstack.core.paths, prodstack.config.project): its working folder
and settings file are found from any subfolder, the environment last deployed from it is
remembered, and "nothing deployed" names what is; audit and cost work outside it."""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from prodstack.config import project
from prodstack.core import paths
from prodstack.ops.locking import LOCK_INFO, holder
from prodstack.tf.cliconfig import missing_provider
from tests.unit.test_cli import assert_one_line_error, run


@pytest.fixture
def no_home(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PRODSTACK_HOME", raising=False)


def test_the_working_folder_and_settings_are_found_from_a_subfolder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_home: None):
    (tmp_path / "prodstack.toml").write_text('project = "shop"\n')
    deep = tmp_path / "src" / "app"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    assert paths.work_root() == tmp_path / ".prodstack"
    assert paths.settings_file(None) == str(tmp_path / "prodstack.toml")
    assert paths.settings_file("other.toml") == "other.toml"
    # a working folder alone (an earlier run) marks the project too; the nearest one wins
    (tmp_path / "src" / ".prodstack").mkdir()
    assert paths.work_root() == tmp_path / "src" / ".prodstack"
    assert paths.config_file() is None
    monkeypatch.setenv("PRODSTACK_HOME", str(tmp_path / "elsewhere"))
    assert paths.work_root() == tmp_path / "elsewhere"


def test_without_a_project_the_current_folder_is_used(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      no_home: None):
    monkeypatch.chdir(tmp_path)
    assert paths.project_root() in (None, *tmp_path.parents)  # nothing here or below /
    if paths.project_root() is None:
        assert paths.work_root() == tmp_path / ".prodstack"


def test_audit_and_cost_work_in_the_cache_folder(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch, no_home: None):
    monkeypatch.setenv("PRODSTACK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    with paths.away_from_the_project():
        assert paths.work_root() == tmp_path / "cache" / "work"
    assert "PRODSTACK_HOME" not in os.environ
    monkeypatch.setenv("PRODSTACK_HOME", str(tmp_path / "mine"))
    with paths.away_from_the_project():
        assert paths.work_root() == tmp_path / "mine"  # named explicitly: kept


def test_the_environment_last_deployed_is_remembered(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PRODSTACK_HOME", str(tmp_path))
    assert project.choose(None, None) == ("production", "local", None)
    project.remember("dev", "local")
    env, target, note = project.choose(None, None)
    assert (env, target) == ("dev", "local") and "last deployed from this folder" in note
    assert project.choose("staging", None) == ("staging", "local", None)  # given: it wins
    project.remember("production", "local")
    assert project.choose(None, None) == ("production", "local", None)


def test_nothing_deployed_names_what_is(tmp_path: Path):
    work = tmp_path / "local-dev"
    work.mkdir()
    (work / "terraform.tfstate").write_text(json.dumps({"resources": [
        {"mode": "managed", "type": "aws_vpc", "name": "main", "instances": [{}]}]}))
    assert project.deployed(tmp_path) == ["dev on local"]
    proc = run("outputs", "--env", "staging", home=tmp_path)
    assert_one_line_error(proc, "nothing deployed for staging on local (working folder "
                          f"{tmp_path}); deployed there: dev on local (choose with --env")
    project_memory = tmp_path / project.LAST_FILE
    project_memory.write_text(json.dumps({"env": "staging", "target": "local"}))
    remembered = run("outputs", home=tmp_path)
    assert "note: --env staging --target local: the environment last deployed" in \
        remembered.stderr and "nothing deployed for staging" in remembered.stderr


def test_a_provider_init_cannot_install_names_the_setting():
    error = ("terraform init failed: Failed to query available provider packages: Could not "
             "retrieve the list of available versions for provider hashicorp/aws: could not "
             "connect to registry.terraform.io")
    hint = missing_provider(error, None, None)
    assert hint and "PRODSTACK_PLUGIN_MIRROR=" in hint and "plugin_mirror" in hint
    assert missing_provider(error, "/opt/tf-plugins", None) is None
    assert missing_provider("terraform init failed: Invalid block", None, None) is None


def test_verify_during_an_apply_says_so(tmp_path: Path):
    """A run holds the local state lock (as Terraform's apply does): verify says who, instead
    of failing every check; once free, the lock is tried and given back."""
    work = tmp_path / "local-dev"
    work.mkdir()
    state = work / "terraform.tfstate"
    state.write_text(json.dumps({"resources": [
        {"mode": "managed", "type": "aws_vpc", "name": "main", "instances": [{}]}]}))
    (work / LOCK_INFO).write_text(json.dumps({
        "ID": "tf-1", "Operation": "OperationTypeApply", "Who": "ana@laptop",
        "Created": "2026-12-01T12:00:00Z"}))
    with state.open("r+") as handle:
        fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        proc = run("verify", "--env", "dev", home=tmp_path)
    assert_one_line_error(proc, "verify would check a stack that is being changed: the state "
                          "is locked by ana@laptop (apply since 2026-12-01T12:00:00Z")
    assert "force-unlock" not in proc.stderr
    ws = SimpleNamespace(settings=SimpleNamespace(state_bucket=None), state_file=state,
                         workdir=work)
    assert holder(ws) is None
    with state.open("r+") as handle:  # given back: it can be taken
        fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)

"""`prodstack init` (prodstack.ops.scaffold): a project to start from, every setting documented in
its prodstack.toml from the one text the README's table is made from; nothing overwritten."""

from __future__ import annotations

import stat
import tomllib
from pathlib import Path

from prodstack.config import settings_doc
from prodstack.config.load import load_settings
from prodstack.config.settings import NOT_SETTABLE, SETTING_NAMES
from prodstack.ops.scaffold import render_toml
from prodstack.stack.compose import build
from tests.unit.test_cli import assert_one_line_error, run


def test_every_setting_is_documented_once():
    assert sorted(settings_doc.names()) == sorted(n for n in SETTING_NAMES
                                                  if n not in NOT_SETTABLE)


def test_the_settings_file_names_every_setting_with_its_default_and_parses():
    text = render_toml()
    for name in settings_doc.names():
        assert f"# {name}" in text or f"{name} = " in text, name
    assert tomllib.loads(text) == {"app_user_data": "app/user-data.sh", "app_port": 8080,
                                   "health_check_path": "/healthz"}
    # Uncommenting every example line keeps it valid TOML (tables after the keys).
    uncommented = "\n".join(line[2:] if (line.startswith("# ") and " = " in line)
                            or line.startswith("# [app_environment]") else line
                            for line in text.splitlines()
                            if not line.startswith("# [env."))
    assert "GREETING" in tomllib.loads(uncommented)["app_environment"]


def test_init_writes_a_project_that_builds_and_says_what_next(tmp_path: Path):
    project = tmp_path / "shop"
    proc = run("init", str(project), home=tmp_path / "home")
    assert proc.returncode == 0, proc.stderr
    for name in ("prodstack.toml", "app/user-data.sh", ".github/workflows/prodstack.yml",
                 ".gitignore"):
        assert (project / name).is_file(), name
    assert ".prodstack/" in (project / ".gitignore").read_text()
    assert stat.S_IMODE((project / "app" / "user-data.sh").stat().st_mode) == 0o755
    assert stat.S_IMODE((project / "prodstack.toml").stat().st_mode) == 0o644
    assert "prodstack up --env dev" in proc.stdout and "prodstack down --yes --purge" in \
        proc.stdout
    stack = build(load_settings(env="dev", config_file=project / "prodstack.toml"))
    assert stack.settings.app_port == 8080 and not stack.settings.demo_page
    again = run("init", str(project), home=tmp_path / "home")
    assert_one_line_error(again, "init would overwrite")
    assert run("init", "--force", str(project), home=tmp_path / "home").returncode == 0
    assert (project / ".gitignore").read_text().count(".prodstack/") == 1

"""The application settings: TOML and --set, paths relative to the TOML file, and one clear
error per bad value (in process, and through the CLI: one line on stderr, exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from prodstack.config.load import load_settings
from prodstack.core.errors import SettingError, UserError
from tests.unit.test_cli import assert_one_line_error, run

SCRIPT = "#!/bin/bash\necho hello\n"


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / "app.sh"
    path.write_text(SCRIPT)
    return path


def test_defaults_keep_the_demo_page():
    s = load_settings()
    assert s.demo_page and s.effective_app_port == 80
    assert (s.health_check_path, s.health_check_matcher, s.app_environment) == ("/", "200", ())
    assert (s.app_user_data, s.extra_config, s.extend) == (None, None, None)


def test_toml_paths_are_relative_to_the_file(tmp_path: Path, script: Path,
                                             monkeypatch: pytest.MonkeyPatch):
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "queue.tf").write_text("")
    cfg = tmp_path / "prodstack.toml"
    cfg.write_text('app_user_data = "app.sh"\napp_port = 8080\nextra_config = "infra/"\n'
                   'health_check_path = "/healthz"\nhealth_check_matcher = "200-299"\n'
                   'extend = "mypkg.stack:extend"\n'
                   '[app_environment]\nGREETING = "hello world"\nLOG_LEVEL = "info"\n')
    monkeypatch.chdir("/")
    s = load_settings(env="dev", config_file=cfg)
    assert s.app_user_data == str(script) and s.extra_config == str(tmp_path / "infra")
    assert s.app_port == 8080 and not s.demo_page
    assert s.app_environment == (("GREETING", "hello world"), ("LOG_LEVEL", "info"))
    assert (s.extend, s.config_dir) == ("mypkg.stack:extend", str(tmp_path))
    assert hash(s)  # settings stay hashable (offline plans are cached by them)


def test_set_paths_are_relative_to_the_current_folder(tmp_path: Path, script: Path,
                                                      monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    s = load_settings(overrides=["app_user_data=app.sh", "app_port=9000"])
    assert s.app_user_data == str(script) and s.effective_app_port == 9000


def test_an_app_port_without_user_data_is_an_app_of_its_image():
    s = load_settings(overrides=["app_port=8080", "image_id=ami-0123456789abcdef0"])
    assert not s.demo_page


BAD = [
    (["app_port=0"], "app_port", "not a TCP port"),
    (["app_port=70000"], "app_port", "not a TCP port"),
    (["app_port=22"], "app_port", "SSH"),
    (["app_port=80"], "app_port", "leave app_port unset"),
    (["app_port=443"], "app_port", "HTTPS"),
    (["app_port=5432"], "app_port", "database"),
    (["app_port=1023"], "app_port", "below 1024"),
    (["app_port=eighty"], "app_port", "whole number"),
    (["health_check_path=healthz"], "health_check_path", "must start with '/'"),
    (["health_check_path=/with space"], "health_check_path", "URL path"),
    (["health_check_matcher=ok"], "health_check_matcher", "HTTP codes"),
    (["health_check_matcher=299-200"], "health_check_matcher", "low to high"),
    (["health_check_matcher=200,600"], "health_check_matcher", "200 to 499"),
    (["app_environment=GREETING=hi"], "app_environment", "--set cannot give a table"),
    (["extend=not a reference"], "extend", "module:function"),
    (["extra_config=/nonexistent/infra"], "extra_config", "not a folder"),
    (["app_user_data=/nonexistent/app.sh"], "app_user_data", "does not exist"),
    (["image_id=ubuntu"], "image_id", "AMI id"),
]


@pytest.mark.parametrize(("sets", "name", "fragment"), BAD, ids=[b[0][0] for b in BAD])
def test_bad_values_name_the_setting(sets, name, fragment):
    with pytest.raises(SettingError) as err:
        load_settings(overrides=sets)
    assert err.value.name == name
    assert fragment in str(err.value) and "\n" not in str(err.value)


ENV_BAD = [
    ('DB_PASSWORD = "x"', "looks like a secret"),
    ('api_key = "x"', "looks like a secret"),
    ('GITHUB_TOKEN = "x"', "looks like a secret"),
    ('CLIENT_SECRET = "x"', "Secrets Manager"),
    ('"1ST" = "x"', "not an environment variable name"),
    ('"WITH-DASH" = "x"', "not an environment variable name"),
    ('DB_HOST = "x"', "prodstack writes to app.env itself"),
    ('INSTANCE_ID = "x"', "prodstack writes to app.env itself"),
    ('WORKERS = 4', "expected a plain string"),
    ('EMPTY = ""', "1 to 4096 characters"),
    ('TWO_LINES = "a\\nb"', "one line"),
    ('LEAKED = "AKIAABCDEFGHIJKLMNOP"', "AWS access key id"),
    ('greeting = "a"\nGREETING = "b"', "given twice"),
]


@pytest.mark.parametrize(("table", "fragment"), ENV_BAD, ids=[b[0] for b in ENV_BAD])
def test_bad_app_environment(tmp_path: Path, table: str, fragment: str):
    cfg = tmp_path / "prodstack.toml"
    cfg.write_text(f"[app_environment]\n{table}\n")
    with pytest.raises(SettingError) as err:
        load_settings(config_file=cfg)
    assert err.value.name == "app_environment"
    assert fragment in str(err.value) and "\n" not in str(err.value)


def test_user_data_that_is_neither_script_nor_cloud_config(tmp_path: Path):
    path = tmp_path / "data.txt"
    path.write_text("echo no shebang\n")
    with pytest.raises(SettingError, match="#cloud-config"):
        load_settings(overrides=[f"app_user_data={path}"])


def test_user_data_too_large_says_so_in_one_line(tmp_path: Path):
    path = tmp_path / "big.sh"
    path.write_text("#!/bin/bash\n" + "# padding\n" * 1700)
    with pytest.raises(SettingError) as err:
        load_settings(overrides=[f"app_user_data={path}"])
    message = str(err.value)
    assert "above EC2's limit of 16,384" in message and "\n" not in message
    assert "prodstack's bootstrap" in message and "yours 17,012" in message


def test_config_dir_is_not_a_setting(tmp_path: Path):
    with pytest.raises(UserError, match="unknown setting"):
        load_settings(overrides=["config_dir=/tmp"])
    cfg = tmp_path / "prodstack.toml"
    cfg.write_text('config_dir = "/tmp"\n')
    with pytest.raises(UserError, match="unknown setting 'config_dir'"):
        load_settings(config_file=cfg)


# --- through the CLI ---------------------------------------------------------------------

@pytest.mark.parametrize(("sets", "fragment"), [
    (["app_user_data=/nonexistent/app.sh"], "setting 'app_user_data': /nonexistent/app.sh "
                                            "does not exist"),
    (["app_port=0"], "setting 'app_port': 0 is not a TCP port"),
    (["app_port=70000"], "setting 'app_port': 70000 is not a TCP port"),
    (["app_port=22"], "setting 'app_port': 22 is SSH's port"),
    (["health_check_path=healthz"], "setting 'health_check_path'"),
], ids=lambda v: v[0] if isinstance(v, list) else "")
def test_cli_bad_app_settings_are_one_line(tmp_path: Path, sets: list[str], fragment: str):
    args = [arg for item in sets for arg in ("--set", item)]
    proc = run("synth", "--out", str(tmp_path / "out"), *args, home=tmp_path)
    assert_one_line_error(proc, fragment)
    assert proc.returncode == 2
    assert not (tmp_path / "out").exists()


def test_cli_too_large_user_data_is_one_line(tmp_path: Path):
    path = tmp_path / "big.sh"
    path.write_text("#!/bin/bash\n" + "x" * 17000 + "\n")
    proc = run("plan", "--set", f"app_user_data={path}", home=tmp_path)
    assert_one_line_error(proc, "above EC2's limit")
    assert proc.returncode == 2


def test_cli_secret_looking_environment_is_one_line(tmp_path: Path):
    cfg = tmp_path / "prodstack.toml"
    cfg.write_text('[app_environment]\nSTRIPE_SECRET = "sk_live_x"\n')
    proc = run("synth", "--config", str(cfg), home=tmp_path)
    assert_one_line_error(proc, "STRIPE_SECRET looks like a secret")
    assert "Secrets Manager" in proc.stderr and proc.returncode == 2

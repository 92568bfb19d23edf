"""The launch template's user data: prodstack's bootstrap, then the user's part (a script run
after it, or cloud-init configuration in a MIME multipart), the app.env step run for real
with a stand-in AWS CLI, `prodstack deploy --user-data-file` wrapping the same way, and the
example application's server answering its health check."""

from __future__ import annotations

import base64
import email
import os
import re
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from prodstack.config.load import load_settings
from prodstack.config.naming import APP_ENV_FILE, APP_USER_DATA_FILE
from prodstack.config.userdata import (
    BOOTSTRAP_PART,
    PAGE_MARKER,
    USER_PART,
    app_env_script,
    assemble,
    bootstrap,
)
from prodstack.core.errors import UserError
from prodstack.ops.deploy import release_user_data
from tests.conftest import resources

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "app"
CLOUD_CONFIG = "#cloud-config\nruncmd:\n  - [systemctl, start, myapp]\n"


def launch_template_user_data(doc: dict) -> str:
    return base64.b64decode(resources(doc, "aws_launch_template")["web"]["user_data"]).decode()


def test_default_is_one_script_bootstrap_and_demo_page(synth):
    script = launch_template_user_data(synth("dev"))
    assert script.startswith("#!/bin/bash\n")
    assert script == bootstrap(load_settings(env="dev"))
    for step in ("amazon-cloudwatch-agent-ctl", "meta-data/instance-id", APP_ENV_FILE,
                 "get-parameters-by-path --region us-west-1 --path /prodstack/dev/app",
                 PAGE_MARKER, "systemctl enable --now httpd"):
        assert step in script
    # app.env is written before anything else starts
    assert script.index(APP_ENV_FILE + "\n") < script.index("systemctl enable --now httpd")


def test_a_script_runs_after_the_bootstrap(tmp_path: Path):
    user = tmp_path / "app.sh"
    user.write_text("#!/usr/bin/env python3\nprint('my app')\n")
    s = load_settings(env="dev", overrides=[f"app_user_data={user}", "app_port=8080"])
    data = assemble(s)
    boot = bootstrap(s)
    assert data.startswith(boot) and PAGE_MARKER not in boot
    assert "dnf install -y amazon-cloudwatch-agent postgresql16\n" in boot
    assert "--now httpd" not in boot
    rest = data[len(boot):]
    delimiter = re.search(r"<<'(PRODSTACK_APP_[0-9a-f]+)'", rest).group(1)
    assert f"<<'{delimiter}'\n#!/usr/bin/env python3\nprint('my app')\n{delimiter}\n" in rest
    assert rest.rstrip().endswith(f"exec {APP_USER_DATA_FILE}")
    assert data == assemble(s)  # deterministic: a re-plan is clean


def test_cloud_config_makes_a_mime_multipart_with_the_bootstrap_first(tmp_path: Path):
    user = tmp_path / "app.yaml"
    user.write_text(CLOUD_CONFIG)
    s = load_settings(env="dev", overrides=[f"app_user_data={user}"])
    data = assemble(s)
    message = email.message_from_string(data)  # as cloud-init reads it
    assert message.is_multipart()
    parts = message.get_payload()
    assert [p.get_content_type() for p in parts] == ["text/x-shellscript", "text/cloud-config"]
    assert [p.get_filename() for p in parts] == [BOOTSTRAP_PART, USER_PART]
    assert parts[0].get_payload() == bootstrap(s) and parts[1].get_payload() == CLOUD_CONFIG
    # cloud-init runs part scripts and `runcmd` in name order: prodstack's sorts first
    assert sorted([BOOTSTRAP_PART, "runcmd"])[0] == BOOTSTRAP_PART
    assert data == assemble(s)


def test_the_app_env_step_writes_key_value_lines_mode_0640(tmp_path: Path):
    """The bootstrap's app.env step, run by bash with a stand-in `aws` command."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls"
    fake = bin_dir / "aws"
    fake.write_text(f"#!/bin/bash\necho \"$@\" >> {calls}\n"
                    "printf '/prodstack/dev/app/DB_HOST\\tdb.internal\\n"
                    "/prodstack/dev/app/GREETING\\thello = world\\n'\n")
    fake.chmod(0o755)
    env_file = tmp_path / "etc" / "app.env"
    script = app_env_script("us-west-1", "/prodstack/dev/app", str(env_file))
    proc = subprocess.run(["bash", "-c", "set -euo pipefail\nIID=i-0abc\nAZ=us-west-1a\n"
                           + script], env={**os.environ, "PATH": f"{bin_dir}:/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=30, check=False)
    assert proc.returncode == 0, proc.stderr
    assert env_file.read_text() == ("INSTANCE_ID=i-0abc\nAVAILABILITY_ZONE=us-west-1a\n"
                                    "DB_HOST=db.internal\nGREETING=hello = world\n")
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o640
    assert "ssm get-parameters-by-path --region us-west-1 --path /prodstack/dev/app" in \
        calls.read_text()
    assert script in bootstrap(load_settings(env="dev")).replace(
        APP_ENV_FILE, str(env_file)).replace("/etc/prodstack", str(env_file.parent))


def test_the_app_env_step_gives_up_after_its_attempts(tmp_path: Path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "aws").write_text("#!/bin/bash\nexit 255\n")
    (bin_dir / "aws").chmod(0o755)
    (bin_dir / "sleep").write_text("#!/bin/bash\n")
    (bin_dir / "sleep").chmod(0o755)
    script = app_env_script("us-west-1", "/p/e/app", str(tmp_path / "app.env"))
    proc = subprocess.run(["bash", "-c", "set -euo pipefail\n" + script],
                          env={**os.environ, "PATH": f"{bin_dir}:/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=30, check=False)
    assert proc.returncode == 1 and "cannot read /p/e/app" in proc.stderr
    assert not (tmp_path / "app.env").exists()


def test_deploy_wraps_a_new_release_the_same_way(tmp_path: Path):
    user = tmp_path / "release.sh"
    user.write_text("#!/bin/bash\necho v2\n")
    s = load_settings(env="dev")
    data = base64.b64decode(release_user_data(s, user)).decode()
    assert data == assemble(s, user)
    assert data.startswith(bootstrap(s, demo_page=False)) and "echo v2\n" in data


@pytest.mark.parametrize(("content", "fragment"), [
    ("no shebang\n", "must be a script"),
    ("#!/bin/bash\n" + "x" * 17000 + "\n", "above EC2's limit"),
])
def test_deploy_refuses_a_bad_user_data_file_in_one_line(tmp_path: Path, content: str,
                                                         fragment: str):
    user = tmp_path / "release.sh"
    user.write_text(content)
    with pytest.raises(UserError) as err:
        release_user_data(load_settings(env="dev"), user)
    assert str(err.value).startswith("--user-data-file: ") and fragment in str(err.value)
    assert "\n" not in str(err.value) and err.value.exit_code == 2


# --- the example application -----------------------------------------------------------

def _example_app() -> str:
    text = (EXAMPLE / "user-data.sh").read_text()
    return re.search(r"<<'PY'\n(.*?)\nPY\n", text, re.S).group(1)


def test_the_example_application_answers_its_health_check(tmp_path: Path):
    app = tmp_path / "app.py"
    app.write_text(_example_app())
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env_file = tmp_path / "app.env"
    env_file.write_text(f"APP_PORT={port}\nGREETING=hi there\nDB_HOST=db.internal\n"
                        "DB_PORT=5432\nDB_NAME=productiondb\nINSTANCE_ID=i-0abc\n")
    server = subprocess.Popen([sys.executable, str(app)],
                              env={**os.environ, "PRODSTACK_APP_ENV": str(env_file)})
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert (r.status, r.read()) == (200, b"ok\n")
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("the example application did not answer")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
            page = r.read().decode()
        assert '"greeting": "hi there"' in page and "db.internal:5432/productiondb" in page
    finally:
        server.terminate()
        server.wait(timeout=10)

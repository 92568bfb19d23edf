"""The launch template's user data: prodstack's bootstrap, then the user's part.

The bootstrap (a bash script) installs and starts the CloudWatch agent, installs the
PostgreSQL client of the database's major version (`postgres_client`: `backup verify` runs
its data checks with psql on a web instance, the only place the database admits), reads the
instance's identity from the instance metadata (IMDSv2), and writes `/etc/prodstack/app.env`:
KEY=VALUE lines, mode 0640, from the SSM parameters under `/<project>/<env>/app` (no secrets: the
database password stays in the RDS-managed secret, which the instance reads at run time).
Without an application (`Settings.demo_page`) it also serves the demo page with httpd.

The user's part (`app_user_data`, or `prodstack deploy --user-data-file`) runs after it:
- a script (`#!…`) is written to APP_USER_DATA_FILE by the bootstrap and run when the bootstrap
  has finished (one script: a failed bootstrap never starts the application);
- cloud-init configuration (`#cloud-config`) becomes the second part of a MIME multipart
  whose first part is the bootstrap (a `text/x-shellscript` named so that cloud-init runs it
  before the configuration's `runcmd`).
The result must stay under EC2's 16 KB limit; everything here is deterministic (no random
MIME boundary), so a re-plan is clean.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from prodstack.config.limits import ENGINE_MAJOR, USER_DATA_LIMIT
from prodstack.config.naming import APP_ENV_FILE, APP_ENV_FILE_MODE, APP_USER_DATA_FILE
from prodstack.core.errors import UserError

if TYPE_CHECKING:
    from prodstack.config.settings import Settings

PAGE_MARKER = "Production Server"  # what the demo page says (the connectivity check reads it)
AGENT_LOGS = ("access", "error")
SCRIPT, CLOUD_CONFIG = "script", "cloud-config"
BOOTSTRAP_PART = "00-prodstack-bootstrap.sh"  # sorts before cloud-init's `runcmd` script
USER_PART = "10-app.cfg"
PARAMETER_ATTEMPTS, PARAMETER_WAIT_SECONDS = 6, 10

_IMDS = "http://169.254.169.254/latest"
_BOOTSTRAP = """#!/bin/bash
# prodstack bootstrap ({project} {env}): CloudWatch agent, instance identity, {env_file}
set -euo pipefail
dnf install -y {packages}
TOKEN=$(curl -sS -X PUT {imds}/api/token \\
  -H 'X-aws-ec2-metadata-token-ttl-seconds: 300')
IID=$(curl -sS -H "X-aws-ec2-metadata-token: $TOKEN" {imds}/meta-data/instance-id)
AZ=$(curl -sS -H "X-aws-ec2-metadata-token: $TOKEN" \\
  {imds}/meta-data/placement/availability-zone)
{app_env}{demo_page}cat > /opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json <<'JSON'
{agent_config}
JSON
/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s \\
  -c file:/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json
"""
_DEMO_PAGE = """cat > /var/www/html/index.html <<HTML
<!doctype html><html><head><title>{project}</title></head>
<body><h1>{marker}</h1><p>{env} / $IID</p></body></html>
HTML
"""
_DEMO_START = "systemctl enable --now httpd\n"
_APP_ENV = """# {env_file}: this instance, and the parameters under {path} (no secrets)
for attempt in $(seq 1 {attempts}); do
  if PARAMS=$(aws ssm get-parameters-by-path --region {region} --path {path} \\
      --query 'Parameters[].[Name,Value]' --output text); then break; fi
  if [ "$attempt" = {attempts} ]; then echo "prodstack: cannot read {path}" >&2; exit 1; fi
  sleep {wait}
done
install -d -m 0755 {env_dir}
ENV_TMP=$(mktemp {env_dir}/.app.env.XXXXXX)
{{
  printf 'INSTANCE_ID=%s\\nAVAILABILITY_ZONE=%s\\n' "$IID" "$AZ"
  printf '%s\\n' "$PARAMS" | while IFS=$'\\t' read -r name value; do
    if [ -n "$name" ] && [ "$name" != None ]; then printf '%s=%s\\n' "${{name##*/}}" "$value"; fi
  done
}} > "$ENV_TMP"
chmod {mode} "$ENV_TMP"
mv -f "$ENV_TMP" {env_file}
"""
_RUN_USER_SCRIPT = """# {source}: run when prodstack's bootstrap has finished
install -d -m 0700 {folder}
cat > {file} <<'{delimiter}'
{content}{delimiter}
chmod 0700 {file}
exec {file}
"""


def agent_namespace(project: str, env: str) -> str:
    return f"{project}/{env}"


def agent_config(project: str, env: str) -> str:
    """CloudWatch agent: memory and disk metrics, httpd logs."""
    files = [{"file_path": f"/var/log/httpd/{name}_log",
              "log_group_name": f"/{project}/{env}/httpd-{name}"} for name in AGENT_LOGS]
    return json.dumps({
        "metrics": {
            "namespace": agent_namespace(project, env),
            "append_dimensions": {"AutoScalingGroupName": "${aws:AutoScalingGroupName}"},
            "metrics_collected": {"mem": {"measurement": ["mem_used_percent"]},
                                  "disk": {"measurement": ["used_percent"], "resources": ["/"]}},
        },
        "logs": {"logs_collected": {"files": {"collect_list": files}}},
    }, indent=1)


def app_env_script(region: str, path: str, env_file: str = APP_ENV_FILE) -> str:
    """The bootstrap's step that writes `env_file` (kept apart so a test can run it)."""
    return _APP_ENV.format(env_file=env_file, env_dir=str(Path(env_file).parent), path=path,
                           region=region, mode=APP_ENV_FILE_MODE, attempts=PARAMETER_ATTEMPTS,
                           wait=PARAMETER_WAIT_SECONDS)


def postgres_client() -> str:
    """The Amazon Linux 2023 package of the PostgreSQL client for the database's major version
    (`postgresql16`): AL2023 ships one package per major version (postgresql15,
    postgresql16, …), each with psql; the server is a separate `-server` package."""
    return f"postgresql{ENGINE_MAJOR}"


def bootstrap(s: Settings, demo_page: bool | None = None) -> str:
    """prodstack's part of the user data, for these settings (`demo_page`: serve the demo
    page; default: when the settings give no application)."""
    demo = s.demo_page if demo_page is None else demo_page
    script = _BOOTSTRAP.format(
        project=s.project, env=s.env, env_file=APP_ENV_FILE, imds=_IMDS,
        packages=" ".join([*(["httpd"] if demo else []), "amazon-cloudwatch-agent",
                           postgres_client()]),
        app_env=app_env_script(s.region, s.names.app_parameter_path),
        demo_page=_DEMO_PAGE.format(project=s.project, env=s.env, marker=PAGE_MARKER)
        if demo else "",
        agent_config=agent_config(s.project, s.env))
    return script + (_DEMO_START if demo else "")


@dataclass(frozen=True)
class UserPart:
    """The user's part of the user data: its kind, its text and where it came from."""

    kind: str  # SCRIPT or CLOUD_CONFIG
    text: str
    source: str


class UserDataError(UserError):
    """A user's part that cannot be used; `problem` says why (callers name the source)."""

    def __init__(self, problem: str, what: str = "setting 'app_user_data'") -> None:
        super().__init__(f"{what}: {problem}", exit_code=2)
        self.problem = problem


def user_part(path: str | Path) -> UserPart:
    """Read the user's file: a script or cloud-init configuration, UTF-8."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise UserDataError(f"{p} does not exist") from None
    except IsADirectoryError:
        raise UserDataError(f"{p} is a folder, not a file") from None
    except OSError as exc:
        raise UserDataError(f"cannot read {p} ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UserDataError(f"{p} is not UTF-8 text (give a script or cloud-init "
                            "configuration, not an archive)") from None
    first = text.lstrip("\ufeff").split("\n", 1)[0].strip()
    if first.startswith("#!"):
        return UserPart(SCRIPT, text, p.name)
    if first == "#cloud-config":
        return UserPart(CLOUD_CONFIG, text, p.name)
    raise UserDataError(f"{p} must be a script (first line `#!…`) or cloud-init "
                        "configuration (first line `#cloud-config`)")


def _token(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _script(boot: str, part: UserPart) -> str:
    content = part.text if part.text.endswith("\n") else part.text + "\n"
    delimiter = f"PRODSTACK_APP_{_token(content)}"
    folder = str(Path(APP_USER_DATA_FILE).parent)
    return boot + _RUN_USER_SCRIPT.format(source=part.source, folder=folder,
                                          file=APP_USER_DATA_FILE, delimiter=delimiter,
                                          content=content)


def _mime(boot: str, part: UserPart) -> str:
    boundary = f"==prodstack-{_token(boot + part.text)}=="

    def section(content_type: str, filename: str, body: str) -> str:
        return (f"--{boundary}\nContent-Type: {content_type}; charset=\"utf-8\"\n"
                "MIME-Version: 1.0\nContent-Transfer-Encoding: 8bit\n"
                f"Content-Disposition: attachment; filename=\"{filename}\"\n\n"
                # the line break before a boundary belongs to the boundary (RFC 2046)
                f"{body if body.endswith(chr(10)) else body + chr(10)}\n")

    return (f"Content-Type: multipart/mixed; boundary=\"{boundary}\"\nMIME-Version: 1.0\n\n"
            + section("text/x-shellscript", BOOTSTRAP_PART, boot)
            + section("text/cloud-config", USER_PART, part.text) + f"--{boundary}--\n")


def combine(boot: str, part: UserPart | None) -> str:
    """The whole user data: the bootstrap alone, or with the user's part after it."""
    if part is None:
        return boot
    return _script(boot, part) if part.kind == SCRIPT else _mime(boot, part)


def check_size(data: str, boot: str, part: UserPart | None) -> None:
    size = len(data.encode())
    if size <= USER_DATA_LIMIT:
        return
    yours = len(part.text.encode()) if part else 0
    raise UserDataError(
        f"the combined user data is {size:,} bytes (prodstack's bootstrap "
        f"{len(boot.encode()):,}, yours {yours:,}), above EC2's limit of {USER_DATA_LIMIT:,}: "
        "make yours smaller, e.g. have it download the rest from the data bucket")


def assemble(s: Settings, path: str | Path | None = None) -> str:
    """The user data for these settings, with the user's file (`app_user_data` unless `path`
    is given) after the bootstrap; a bad file or one too large is a `UserDataError`."""
    source = path if path is not None else s.app_user_data
    part = user_part(source) if source else None
    boot = bootstrap(s, demo_page=s.demo_page and part is None)
    data = combine(boot, part)
    check_size(data, boot, part)
    return data


def encoded(s: Settings, path: str | Path | None = None) -> str:
    """`assemble`, base64-encoded as a launch template takes it."""
    return base64.b64encode(assemble(s, path).encode()).decode()

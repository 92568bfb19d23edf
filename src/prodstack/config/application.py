"""Validation of the application settings: `app_user_data`, `app_port`, `health_check_path`,
`health_check_matcher`, `app_environment`, `extra_config` and `extend`.

Each bad value is a `SettingError` naming the setting, on one line. `app_environment` is a
TOML table (`[app_environment]`), so it cannot come from `--set`; its names must be valid
environment variable names, none may look like a secret (its values become SSM String
parameters and lines of a file on the instance: secrets belong in Secrets Manager), and none
may be one prodstack writes itself.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prodstack.config.limits import APP_PORT_MAX, APP_PORT_MIN, RESERVED_PORTS, SSM_VALUE_LIMIT
from prodstack.config.naming import INSTANCE_KEYS, STACK_KEYS
from prodstack.config.userdata import UserDataError, assemble
from prodstack.core.errors import SettingError

if TYPE_CHECKING:
    from prodstack.config.settings import Settings

ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
SECRET_WORDS = ("PASSWORD", "PASSWD", "SECRET", "TOKEN", "KEY", "CREDENTIAL")
_SECRET_VALUES = (
    (re.compile(r"\b(AKIA|ASIA)[A-Z0-9]{16}\b"), "an AWS access key id"),
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"), "a private key"),
)
_HEALTH_PATH = re.compile(r"^/[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*$")
HEALTH_PATH_MAX = 1024
_MATCHER = re.compile(r"^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$")
MATCHER_CODES = (200, 499)  # what an ALB health check may expect
_EXTEND = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*$")


def coerce_environment(raw: Any) -> tuple[tuple[str, str], ...]:
    """`[app_environment]` from TOML: a table of plain strings, kept as sorted pairs."""
    if not isinstance(raw, dict):
        raise SettingError("app_environment", "expected a TOML table of NAME = \"value\" pairs "
                           "([app_environment] in the config file; --set cannot give a table)")
    pairs = []
    for name, value in raw.items():
        if not isinstance(value, str):
            raise SettingError("app_environment", f"{name}: expected a plain string, got "
                               f"{value!r} (quote it: {name} = \"{value}\")")
        pairs.append((str(name), value))
    return tuple(sorted(pairs))


def _port(s: Settings) -> None:
    port = s.app_port
    if port is None:
        return
    if port in RESERVED_PORTS:
        raise SettingError("app_port", f"{RESERVED_PORTS[port]}; use a port from "
                           f"{APP_PORT_MIN} to {APP_PORT_MAX}")
    if not APP_PORT_MIN <= port <= APP_PORT_MAX:
        why = ("is not a TCP port" if not 1 <= port <= 65535 else
               "needs root to listen on (below 1024)")
        raise SettingError("app_port", f"{port} {why}; use a port from {APP_PORT_MIN} to "
                           f"{APP_PORT_MAX}")


def _health_check(s: Settings) -> None:
    path = s.health_check_path
    if not path.startswith("/"):
        raise SettingError("health_check_path", f"{path!r} must start with '/' (e.g. /healthz)")
    if len(path) > HEALTH_PATH_MAX or not _HEALTH_PATH.match(path):
        raise SettingError("health_check_path", f"{path!r} is not a URL path an ALB health "
                           f"check takes (at most {HEALTH_PATH_MAX} characters, no spaces)")
    matcher = s.health_check_matcher
    low, high = MATCHER_CODES
    if not _MATCHER.match(matcher):
        raise SettingError("health_check_matcher", f"{matcher!r}: expected HTTP codes like "
                           "\"200\", \"200,204\" or \"200-299\"")
    for item in matcher.split(","):
        first, _, last = item.partition("-")
        codes = (int(first), int(last or first))
        if codes[0] > codes[1] or not all(low <= c <= high for c in codes):
            raise SettingError("health_check_matcher", f"{item!r}: ALB health checks expect "
                               f"codes from {low} to {high}, low to high")


def matches(code: int, matcher: str) -> bool:
    """Whether an HTTP status code is one the health check matcher accepts."""
    for item in matcher.split(","):
        first, _, last = item.partition("-")
        if int(first) <= code <= int(last or first):
            return True
    return False


def looks_secret(name: str) -> bool:
    return any(word in name.upper() for word in SECRET_WORDS)


def _environment(s: Settings) -> None:
    ours = {k.upper() for k in (*STACK_KEYS, *INSTANCE_KEYS)}
    seen: set[str] = set()
    for name, value in s.app_environment:
        if not ENV_NAME.match(name):
            raise SettingError("app_environment", f"{name!r} is not an environment variable "
                               "name (letters, digits and _, not starting with a digit)")
        if looks_secret(name):
            raise SettingError("app_environment", f"{name} looks like a secret: its value "
                               "would sit in SSM String parameters, Terraform state and "
                               "/etc/prodstack/app.env; keep it in AWS Secrets Manager and "
                               "read it at run time")
        if name.upper() in ours:
            raise SettingError("app_environment", f"{name} is a name prodstack writes to "
                               "app.env itself")
        if name.upper() in seen:
            raise SettingError("app_environment", f"{name} is given twice (names are "
                               "compared without case)")
        seen.add(name.upper())
        if not value or len(value) > SSM_VALUE_LIMIT:
            raise SettingError("app_environment", f"{name}: the value must have 1 to "
                               f"{SSM_VALUE_LIMIT} characters (an SSM parameter's value)")
        if any(ord(ch) < 32 for ch in value):
            raise SettingError("app_environment", f"{name}: the value must be one line, "
                               "without tabs or control characters (app.env has one per line)")
        for pattern, what in _SECRET_VALUES:
            if pattern.search(value):
                raise SettingError("app_environment", f"{name}: the value looks like {what}; "
                                   "keep it in AWS Secrets Manager")


def _extra_config(s: Settings) -> None:
    if not s.extra_config:
        return
    folder = Path(s.extra_config)
    if not folder.is_dir():
        raise SettingError("extra_config", f"{folder} is not a folder")
    if not any(folder.glob("*.tf")) and not any(folder.glob("*.tf.json")):
        raise SettingError("extra_config", f"{folder} has no Terraform files (*.tf, *.tf.json)")


def validate_app(s: Settings) -> None:
    """Raise `SettingError` for the first bad application setting."""
    _port(s)
    _health_check(s)
    _environment(s)
    _extra_config(s)
    if s.extend and not _EXTEND.match(s.extend):
        raise SettingError("extend", f"{s.extend!r}: expected module:function, e.g. "
                           "\"mypkg.stack:extend\"")
    try:
        assemble(s)
    except UserDataError as exc:
        raise SettingError("app_user_data", exc.problem) from None

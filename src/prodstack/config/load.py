"""Settings are built here: defaults from the profile, an optional TOML file, the environment,
`--set` overrides; and validated, before Terraform runs. A bad value raises `SettingError`,
whose message names the setting in one line (the application's settings:
`prodstack.config.application`). Paths in a TOML file (`app_user_data`, `extra_config`) are
relative to the file's folder, paths given with `--set` to the current folder; both are kept
absolute.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from prodstack.config import regions, targets
from prodstack.config.application import coerce_environment, validate_app
from prodstack.config.profiles import PROFILES
from prodstack.config.settings import (
    MAX_AZS,
    NOT_SETTABLE,
    SETTING_NAMES,
    STRICT_ENV,
    SUBNET_NEWBITS,
    Settings,
)
from prodstack.config.targets import TARGETS
from prodstack.core.errors import SettingError, UserError

_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_NAME = re.compile(r"^[a-z][a-z0-9-]{1,9}$")  # load balancer names stop at 32
_INSTANCE_TYPE = re.compile(r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")
_DB_CLASS = re.compile(r"^db\.[a-z][a-z0-9-]*\.[a-z0-9]+$")
_ZONE_ID = re.compile(r"^Z[A-Z0-9]{1,31}$")
_CERT_ARN = re.compile(r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]+$")
_AMI = re.compile(r"^ami-[0-9a-f]{8,17}$")
_INT_SETTINGS = {"azs", "min_size", "max_size", "app_port"}
_BOOL_SETTINGS = {"config_recorder", "emulator_strict"}
_PATH_SETTINGS = ("app_user_data", "extra_config")
# Settings whose empty value means their default (not None).
_DEFAULTED = {f.name: f.default for f in fields(Settings)
              if f.name in ("health_check_path", "health_check_matcher")}


def _coerce(name: str, raw: Any) -> Any:
    if name == "app_environment":
        return coerce_environment(raw)
    if name in _INT_SETTINGS:
        if isinstance(raw, bool):
            raise SettingError(name, f"expected a whole number, got {raw!r}")
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise SettingError(name, f"expected a whole number, got {raw!r}") from None
    if name in _BOOL_SETTINGS:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("true", "yes", "1", "on"):
            return True
        if text in ("false", "no", "0", "off"):
            return False
        raise SettingError(name, f"expected true or false, got {raw!r}")
    if name == "alarm_emails":
        items = raw if isinstance(raw, list) else str(raw).split(",")
        return tuple(str(item).strip() for item in items if str(item).strip())
    if raw is None:
        return None
    if not isinstance(raw, str | int | float):
        raise SettingError(name, f"expected a string, got {raw!r}")
    text = str(raw).strip()
    return text or _DEFAULTED.get(name)


def _absolute(raw: dict[str, Any], base: Path) -> dict[str, Any]:
    """Path settings relative to `base`, made absolute."""
    out = dict(raw)
    for name in _PATH_SETTINGS:
        value = out.get(name)
        if isinstance(value, str) and value.strip():
            out[name] = str((base / Path(value.strip()).expanduser()).absolute())
    return out


def parse_overrides(pairs: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """`--set NAME=VALUE` pairs into a dict; unknown names and missing `=` are errors."""
    out: dict[str, Any] = {}
    for pair in pairs:
        if "=" not in pair:
            raise UserError(f"--set {pair!r}: expected NAME=VALUE", exit_code=2)
        name, value = pair.split("=", 1)
        name = name.strip()
        if name not in SETTING_NAMES or name in NOT_SETTABLE:
            raise UserError(
                f"--set {name!r}: unknown setting (known: {', '.join(_public_names())})",
                exit_code=2,
            )
        out[name] = value
    return out


def _public_names() -> list[str]:
    return [n for n in SETTING_NAMES if n not in NOT_SETTABLE]


def read_config_file(path: str | Path) -> dict[str, Any]:
    """Read a TOML settings file: top-level keys, plus optional `[env.<name>]` tables."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text())
    except FileNotFoundError:
        raise UserError(f"config file {p}: not found", exit_code=2) from None
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"config file {p}: not valid TOML: {exc}", exit_code=2) from None
    except OSError as exc:
        raise UserError(f"config file {p}: {exc.strerror}", exit_code=2) from None
    return data


def _from_file(data: dict[str, Any], env: str, source: str) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    per_env = data.get("env", {})
    for key, value in data.items():
        if key == "env":
            continue
        merged[key] = value
    if isinstance(per_env, dict) and isinstance(per_env.get(env), dict):
        merged.update(per_env[env])
    for key in merged:
        if key not in SETTING_NAMES or key in NOT_SETTABLE:
            raise UserError(f"{source}: unknown setting {key!r}", exit_code=2)
    return merged


def load_settings(
    env: str = "production",
    target: str = "local",
    config_file: str | Path | None = None,
    overrides: tuple[str, ...] | list[str] = (),
) -> Settings:
    """Build and validate settings from defaults, the file, the environment and `--set`."""
    if env not in PROFILES:
        raise SettingError("env", f"unknown profile {env!r} (known: {', '.join(PROFILES)})")
    if target not in TARGETS:
        raise SettingError("target", f"unknown target {target!r} (known: {', '.join(TARGETS)})")
    raw: dict[str, Any] = {}
    if os.environ.get("PRODSTACK_PLUGIN_MIRROR"):
        raw["plugin_mirror"] = os.environ["PRODSTACK_PLUGIN_MIRROR"]
    if os.environ.get("PRODSTACK_PLUGIN_DIR"):
        raw["plugin_dir"] = os.environ["PRODSTACK_PLUGIN_DIR"]
    if os.environ.get(STRICT_ENV):
        raw["emulator_strict"] = os.environ[STRICT_ENV]
    if config_file:
        folder = Path(config_file).parent.absolute()
        raw.update(_absolute(_from_file(read_config_file(config_file), env, str(config_file)),
                             folder))
        raw["config_dir"] = str(folder)
        raw["config_file"] = str(Path(config_file).absolute())
    raw.update(_absolute(parse_overrides(overrides), Path.cwd()))
    values = {name: _coerce(name, value) for name, value in raw.items()}
    settings = replace(Settings(env=env, target=target), **values)
    validate(settings)
    return settings


def validate(s: Settings) -> None:
    """Raise `SettingError` for the first bad value."""
    if not _NAME.match(s.project):
        raise SettingError("project", "use 2-10 lower-case letters, digits or '-', "
                           "starting with a letter (AWS load balancer names stop at 32)")
    if not _REGION.match(s.region):
        raise SettingError("region", f"{s.region!r} is not an AWS region name")
    for name in ("region", "state_region", "state_replica_region"):
        value = getattr(s, name)
        if value and (why := regions.unknown(value)):
            raise SettingError(name, why)
    for name in ("state_region", "state_replica_region"):
        value = getattr(s, name)
        if value and not _REGION.match(value):
            raise SettingError(name, f"{value!r} is not an AWS region name")
    if s.state_replica_region and s.state_replica_region == (s.state_region or s.region):
        raise SettingError("state_replica_region", "must differ from the state bucket's region")
    if s.azs < 2:
        raise SettingError("azs", f"needs at least 2 availability zones, got {s.azs}")
    if s.azs > MAX_AZS:
        raise SettingError("azs", f"at most {MAX_AZS} availability zones, got {s.azs}")
    _validate_cidr(s.vpc_cidr)
    _validate_sizes(s)
    _validate_edge(s)
    for email in s.alarm_emails:
        if not _EMAIL.match(email):
            raise SettingError("alarm_emails", f"{email!r} is not a valid email address")
    if s.state_bucket and not _BUCKET.match(s.state_bucket):
        raise SettingError("state_bucket", f"{s.state_bucket!r} is not a valid S3 bucket name")
    if s.image_id and not _AMI.match(s.image_id):
        raise SettingError("image_id", f"{s.image_id!r} is not an AMI id (ami-…)")
    for name, path in (("plugin_mirror", s.plugin_mirror), ("plugin_dir", s.plugin_dir)):
        if path and not Path(path).is_dir():
            raise SettingError(name, f"{path} is not a directory")
    validate_app(s)

    targets.validate(s)


def _validate_cidr(cidr: str) -> None:
    try:
        net = ipaddress.IPv4Network(cidr, strict=True)
    except ValueError as exc:
        raise SettingError("vpc_cidr", f"{cidr!r} is not a valid IPv4 CIDR ({exc})") from None
    if net.prefixlen < 16:
        raise SettingError("vpc_cidr", f"{cidr} is larger than AWS allows for a VPC (/16 at most)")
    if net.prefixlen + SUBNET_NEWBITS > 28:
        raise SettingError(
            "vpc_cidr",
            f"{cidr} is too small: 3 subnets per AZ need /{net.prefixlen + SUBNET_NEWBITS} "
            "and AWS subnets must be /28 or larger (use /24 or larger)",
        )
    if not net.is_private:
        raise SettingError("vpc_cidr", f"{cidr} is not a private (RFC 1918) range")


def _validate_sizes(s: Settings) -> None:
    p = s.profile
    if not _INSTANCE_TYPE.match(p.instance_type):
        raise SettingError("instance_type", f"{p.instance_type!r} is not an EC2 instance type")
    if not _DB_CLASS.match(p.db_instance_class):
        raise SettingError("db_instance_class",
                           f"{p.db_instance_class!r} is not an RDS class (db.…)")
    min_size, max_size = p.min_size, p.max_size
    if min_size < 1:
        raise SettingError("min_size", f"must be at least 1, got {min_size}")
    if min_size < p.min_size_floor:
        raise SettingError("min_size", f"the {p.name} profile keeps at least "
                           f"{p.min_size_floor} instances (one per AZ)")
    if max_size < min_size:
        raise SettingError("max_size", f"{max_size} is below min_size {min_size}")
    if max_size > 100:
        raise SettingError("max_size", f"{max_size} is above the limit of 100")


def _validate_edge(s: Settings) -> None:
    domain = s.domain
    if domain is not None:
        d = domain.lower().rstrip(".")
        if not re.match(r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$", d):
            raise SettingError("domain", f"{domain!r} is not a valid domain name")
    if s.hosted_zone_id and not _ZONE_ID.match(s.hosted_zone_id):
        raise SettingError("hosted_zone_id", f"{s.hosted_zone_id!r} is not a Route53 zone id")
    if s.certificate_arn and not _CERT_ARN.match(s.certificate_arn):
        raise SettingError("certificate_arn",
                           f"{s.certificate_arn!r} is not an ACM certificate ARN")

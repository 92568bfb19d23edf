"""The settings a deployment was made with, recorded with it, and what a new run changes.

The record is an output of the stack (`prodstack_deployment`), so it lives in the state
beside what it describes (local or remote) and is written by the same apply. It holds the
settings that shape the deployment (not where the provider comes from, nor the emulator's
mode), the settings file they were read from, and the addresses of what the user added:
resources of `extra_config` and of an extension, and the application's own parameters
(`app_environment`). Before planning, `up` and `plan` say how their settings differ from
it (`differences`); after planning, `at_risk` names what the plan would destroy or replace
among what the user added and what holds data, which `up` applies only when confirmed.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

from prodstack.config.limits import HTTP_PORT
from prodstack.config.settings import Settings

RECORD_OUTPUT = "prodstack_deployment"
DESCRIPTION = "The settings this deployment was made with, and what the user added (prodstack)"
# Not part of what is deployed: where things are read from, how the emulator runs.
NOT_RECORDED = ("env", "target", "config_dir", "config_file", "plugin_mirror", "plugin_dir",
                "emulator_strict")
PATHS = ("app_user_data", "extra_config")
# Resource types whose replacement or removal loses what they hold.
STATEFUL = frozenset({
    "aws_db_instance", "aws_rds_cluster", "aws_rds_cluster_instance", "aws_s3_bucket",
    "aws_kms_key", "aws_backup_vault", "aws_dynamodb_table", "aws_efs_file_system",
    "aws_ebs_volume", "aws_elasticache_cluster", "aws_elasticache_replication_group",
    "aws_secretsmanager_secret", "aws_cloudwatch_log_group", "aws_sqs_queue",
    "aws_kinesis_stream", "aws_ecr_repository", "aws_opensearch_domain",
    "aws_docdb_cluster", "aws_neptune_cluster", "aws_redshift_cluster", "aws_glacier_vault",
})
SHOWN = 8  # resources named in a refusal


def _relative(value: str, base: str | None) -> str:
    """A path setting as the record keeps it: relative to the settings file's folder when
    under it (so a checkout elsewhere records the same), else absolute."""
    if base and Path(value).is_relative_to(base):
        return str(Path(value).relative_to(base))
    return value


def settings_of(settings: Settings) -> dict[str, Any]:
    """The recorded settings: JSON values, unset ones left out."""
    out: dict[str, Any] = {}
    for f in fields(Settings):
        if f.name in NOT_RECORDED:
            continue
        value = getattr(settings, f.name)
        if f.name == "app_environment":
            value = dict(value)
        elif isinstance(value, tuple):
            value = list(value)
        elif f.name in PATHS and value:
            value = _relative(value, settings.config_dir)
        if value not in (None, [], {}) and value != f.default:
            out[f.name] = value
    return out


def of(settings: Settings, user_resources: list[str]) -> dict[str, Any]:
    """The record of a deployment made with `settings`."""
    return {"settings": settings_of(settings), "config_file": settings.config_file or "",
            "user_resources": sorted(user_resources)}


def _show(value: Any) -> str:
    return "unset" if value is None else repr(value)


def differences(recorded: dict[str, Any], settings: Settings) -> list[str]:
    """How `settings` differ from the recorded ones, one line each (empty: they agree)."""
    old = recorded.get("settings") or {}
    new = settings_of(settings)
    lines = []
    for name in sorted(set(old) | set(new)):
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        if name == "app_environment" and (isinstance(before, dict) or isinstance(after, dict)):
            before, after = before or {}, after or {}
            for key in sorted(set(before) | set(after)):
                if before.get(key) != after.get(key):
                    lines.append(f"app_environment.{key}: {_show(before.get(key))} → "
                                 f"{_show(after.get(key))}")
            continue
        lines.append(f"{name}: {_show(before)} → {_show(after)}"
                     + (" (the default)" if after is None else ""))
    was = recorded.get("config_file") or None
    if lines and was and was != settings.config_file:
        now = f"reads {settings.config_file}" if settings.config_file else \
            "reads no settings file"
        lines.insert(0, f"the deployment was made with the settings of {was}; this run "
                     f"{now} (give --config {was} to use the same)")
    return lines


def port_change(recorded: dict[str, Any] | None, settings: Settings) -> str | None:
    """Why a deployed stack cannot move to another `app_port` in an apply, and what to do;
    None when the port stays. The target groups are replaced, and the HTTPS listener, whose
    forward action belongs to `prodstack deploy` (Terraform ignores it), still sends to the
    old ones: AWS refuses to delete them, half-way through the apply. (The health check's
    path and matcher change in place.)"""
    if recorded is None:
        return None

    before = (recorded.get("settings") or {}).get("app_port") or HTTP_PORT
    after = settings.effective_app_port
    if before == after:
        return None
    keep = f"--set app_port={before}" if before != HTTP_PORT else "leave app_port unset"
    return (f"app_port changes from {before} to {after} on the deployed {settings.env} stack: "
            "its target groups would be replaced while the HTTPS listener (which `prodstack "
            "deploy` owns) still forwards to them, and the apply would fail half-way; nothing "
            f"was planned. Keep the port ({keep}, or the same in prodstack.toml) and have the "
            "application listen on it (APP_PORT in /etc/prodstack/app.env), or move to the new "
            "port with `prodstack down --yes` and `prodstack up` (a plain down keeps the "
            "buckets, the keys, the backups and, outside dev, a final database snapshot)")


def user_resources(recorded: dict[str, Any] | None) -> set[str]:
    found = (recorded or {}).get("user_resources") or []
    return {str(a) for a in found}


def _base(address: str) -> str:
    """`aws_subnet.app[0]` -> `aws_subnet.app`."""
    return address.split("[", 1)[0]


def _type(address: str) -> str:
    parts = _base(address).split(".")
    return parts[-2] if len(parts) >= 2 else ""


def at_risk(planned: list[tuple[str, str]], reasons: dict[str, str],
            users: set[str]) -> list[str]:
    """What the plan would destroy or replace among the user's resources and those that
    hold data: one phrase each. A replacement of a tainted resource (one whose create was
    cut off) loses nothing and is not named."""
    found = []
    for address, action in planned:
        if action not in ("delete", "replace") or reasons.get(address) == "tainted":
            continue
        verb = "destroyed" if action == "delete" else "replaced"
        if address in users or _base(address) in users:
            found.append(f"{address} ({verb}; yours)")
        elif _type(address) in STATEFUL:
            found.append(f"{address} ({verb}; holds data)")
    return found


def describe_risk(found: list[str]) -> str:
    more = len(found) - SHOWN
    return ", ".join(found[:SHOWN]) + (f" and {more} more" if more > 0 else "")

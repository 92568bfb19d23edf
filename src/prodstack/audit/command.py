"""`prodstack audit [PATH] [--env ENV] [--format text|json] [--fail-on SEVERITY] [--catalog]`.

PATH a plan JSON file (`terraform show -json`): audit it. PATH a folder of Terraform
configuration: plan it offline against the embedded emulator (the user's files untouched),
audit the plan, and read the folder's backend for FM-1.2/1.3. No PATH: prodstack's own stack
for --env, as the aws target would create it.

Exit codes: 1 when a finding at or above --fail-on exists, 0 otherwise, 2 for unusable input
(missing file, not a plan, unreadable folder, a folder whose plan fails).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import click

from prodstack.audit import catalog, report
from prodstack.audit.config import from_document, read_folder
from prodstack.audit.engine import AuditResult, run
from prodstack.catalog.model import SEVERITIES, AuditInput
from prodstack.errors import UserError
from prodstack.options import synth_options
from prodstack.profiles import PROFILES
from prodstack.settings import Settings, load_settings
from prodstack.tf.plan import load_plan

_LOG_HINT = re.compile(r"[;,]?\s*\(?full log: [^)]*\)?\s*$")


def _read_plan_file(path: Path) -> AuditInput:
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise UserError(f"{path}: no such file", exit_code=2) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise UserError(f"{path}: cannot read it ({reason})", exit_code=2) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(f"{path}: not JSON ({exc.msg}, line {exc.lineno}); give a plan from "
                        "`terraform show -json <planfile>` or a configuration folder",
                        exit_code=2) from None
    except RecursionError:
        raise UserError(f"{path}: JSON nested too deeply to read", exit_code=2) from None
    except ValueError as exc:  # an integer beyond Python's limit of digits
        raise UserError(f"{path}: cannot read its JSON ({str(exc).split(':')[0]})",
                        exit_code=2) from None
    return AuditInput(plan=load_plan(data, str(path)))


def _with_emulator(func: Any, *args: Any) -> dict[str, Any]:
    """Run an offline plan; stop the emulator again if this call started it."""
    from prodstack import emulator
    from prodstack.tf.runner import TerraformError

    was_running = emulator.running() is not None
    try:
        return func(*args)
    except TerraformError as exc:
        raise UserError(_LOG_HINT.sub("", str(exc)), exit_code=2) from None
    finally:
        if not was_running:
            emulator.stop()


def _plan_folder(folder: Path) -> AuditInput:
    from prodstack.tf.offline_plan import plan_folder

    config = read_folder(folder)
    if not any(folder.glob("*.tf")) and not any(folder.glob("*.tf.json")):
        raise UserError(f"{folder}: no Terraform configuration (*.tf, *.tf.json) in it",
                        exit_code=2)
    data = _with_emulator(plan_folder, folder)
    return AuditInput(plan=load_plan(data, str(folder)), config=config)


def own_stack_input(settings: Settings) -> AuditInput:
    """prodstack's own stack for these settings, as the aws target creates it: its plan, and
    its configuration (from the document built in memory)."""
    from prodstack.stack import build
    from prodstack.targets.aws import AwsTarget
    from prodstack.tf.offline_plan import plan_stack

    source = f"prodstack {settings.env} stack (aws target)"
    config = from_document(build(AwsTarget.offline_settings(settings)).doc.to_dict(), source)
    data = _with_emulator(plan_stack, settings)
    return AuditInput(plan=load_plan(data, source), config=config)


def load_input(path: Path | None, settings: Settings) -> AuditInput:
    if path is None:
        return own_stack_input(settings)
    if path.is_dir():
        return _plan_folder(path)
    if not path.exists():
        raise UserError(f"{path}: no such file or folder", exit_code=2)
    return _read_plan_file(path)


def audit(path: Path | None, settings: Settings) -> AuditResult:
    try:
        inp = load_input(path, settings)
    except OSError as exc:
        raise UserError(f"{path}: cannot read it ({exc.strerror or exc})", exit_code=2) from None
    return run(inp, env=settings.env)


@click.command("audit")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--env", default="production", show_default=True,
              type=click.Choice(list(PROFILES)),
              help="Profile whose accepted trades apply (and the stack to plan without PATH).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--fail-on", type=click.Choice(SEVERITIES), default="low", show_default=True,
              help="Exit 1 when a finding at or above this severity exists.")
@click.option("--catalog", "show_catalog", is_flag=True,
              help="List every failure mode, its fix and where it is checked.")
@synth_options
def audit_cmd(path: Path | None, env: str, fmt: str, fail_on: str, show_catalog: bool,
              config_file: str | None, overrides: tuple[str, ...]) -> None:
    """Check a Terraform plan (file), a configuration folder, or prodstack's own stack
    against the failure-mode catalog."""
    if show_catalog:
        click.echo(json.dumps(catalog.render_json(), indent=2) if fmt == "json"
                   else catalog.render_text())
        return
    if path is not None and (config_file or overrides):
        raise UserError("--config and --set apply to prodstack's own stack (give no PATH)",
                        exit_code=2)
    settings = load_settings(env=env, config_file=config_file, overrides=overrides)
    if path is None or path.is_dir():
        click.echo(f"planning {path or f'the {env} stack'} offline against the emulator...",
                   err=True)
    result = audit(path, settings)
    if fmt == "json":
        click.echo(json.dumps(report.to_json(result), indent=2))
    else:
        click.echo(report.to_text(result))
    for rule_id, error in result.errors:
        click.echo(f"prodstack: rule {rule_id} could not run: {error}", err=True)
    code = result.exit_code(fail_on)
    if code:
        sys.exit(code)

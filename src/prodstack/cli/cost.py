"""`prodstack cost [PATH]`: the monthly estimate of a plan, of a Terraform folder, or of prodstack.

PATH is plan JSON (`terraform show -json PLANFILE`) or a folder of Terraform configuration
(planned offline against the emulator). Without PATH, prodstack's own stack for `--env` is
planned as the aws target would create it. The emulator is stopped again if this command
started it. Unusable input is one line on stderr and exit code 2.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from prodstack.cli.options import synth_options
from prodstack.config.load import load_settings
from prodstack.config.profiles import PROFILES
from prodstack.core.errors import UserError
from prodstack.ops.cost import assumptions, prices, report
from prodstack.ops.cost.estimate import estimate
from prodstack.runtime import emulator
from prodstack.tf.allowlist import Allowlist
from prodstack.tf.plan import load_plan
from prodstack.tf.runner import TerraformError


def _with_emulator(run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run `run`, stopping the emulator afterwards unless it was already running."""
    was_running = emulator.running() is not None
    try:
        return run()
    finally:
        if not was_running:
            emulator.stop()


def _read_plan_file(path: Path) -> Any:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UserError(f"{path}: cannot be read ({exc.strerror})", exit_code=2) from None
    if raw.startswith(b"PK"):
        raise UserError(f"{path}: a binary plan file; give the JSON of "
                        f"`terraform show -json {path.name}` instead", exit_code=2)
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UserError(f"{path}: not JSON ({exc})", exit_code=2) from None
    except RecursionError:
        raise UserError(f"{path}: JSON nested too deeply to read", exit_code=2) from None
    except ValueError as exc:  # an integer beyond Python's limit of digits
        raise UserError(f"{path}: cannot read its JSON ({str(exc).split(':')[0]})",
                        exit_code=2) from None


def load_input(path: Path | None, env: str, overrides: tuple[str, ...],
               region: str | None, config_file: str | None = None,
               variables: tuple[str, ...] = (), var_files: tuple[Path, ...] = (),
               allow: Allowlist | None = None) -> tuple[Any, str]:
    """(plan JSON, what it is) for PATH, or for prodstack's own stack when PATH is None;
    `variables` and `var_files` go to the offline plan of a folder."""
    sets = [*overrides, f"region={region}"] if region else list(overrides)
    progress = sys.stderr.isatty()
    if path is None:
        from prodstack.ops.offline_plan import plan_stack

        settings = load_settings(env=env, config_file=config_file, overrides=sets)
        data = _with_emulator(lambda: plan_stack(settings, show_progress=progress))
        return data, f"prodstack's own stack, env {env}"
    if overrides or config_file:
        raise UserError("--config and --set apply to prodstack's own stack only (give no "
                        "PATH)", exit_code=2)
    if (variables or var_files) and not path.is_dir():
        raise UserError("--var and --var-file apply to the offline plan of a folder",
                        exit_code=2)
    if path.is_dir():
        from prodstack.ops.offline_plan import plan_folder

        settings = load_settings(env=env, overrides=sets)
        try:
            data = _with_emulator(lambda: plan_folder(path, settings, progress, variables,
                                                      var_files, allow=allow))
        except TerraformError as exc:
            raise UserError(f"{path}: {exc}", exit_code=2) from None
        return data, f"Terraform folder {path} (planned offline)"
    if not path.exists():
        raise UserError(f"{path}: not found", exit_code=2)
    return _read_plan_file(path), f"plan {path}"


def run(path: Path | None, env: str = "production", fmt: str = "text",
        prices_file: Path | None = None, assume: tuple[str, ...] = (),
        assumptions_file: Path | None = None, region: str | None = None,
        overrides: tuple[str, ...] = (), config_file: str | None = None,
        variables: tuple[str, ...] = (), var_files: tuple[Path, ...] = (),
        allow_providers: tuple[str, ...] = ()) -> str:
    """The report as text or JSON. Checks the cheap inputs before planning anything."""
    allow = Allowlist.of(allow_providers)
    if env not in PROFILES:
        raise UserError(f"--env: unknown profile {env!r} (known: {', '.join(PROFILES)})",
                        exit_code=2)
    table = prices.load(prices_file)
    used = assumptions.resolve(assume, assumptions_file)
    if region:
        table.region(region)
    data, subject = load_input(path, env, overrides, region, config_file, variables, var_files,
                               allow)
    plan = load_plan(data, str(path) if path else subject, state=True)
    est = estimate(plan, table, used, region)
    return report.to_json(est, subject) if fmt == "json" else report.to_text(est, subject)


@click.command("cost")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--env", default="production", show_default=True,
              help=f"Profile of prodstack's own stack (no PATH): {', '.join(PROFILES)}.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--prices", "prices_file", type=click.Path(path_type=Path), metavar="FILE",
              help="A newer price table in the format of the shipped prices.json.")
@click.option("--assume", multiple=True, metavar="NAME=VALUE",
              help="Change one usage assumption (repeatable; the report lists them all).")
@click.option("--assumptions", "assumptions_file", type=click.Path(path_type=Path),
              metavar="FILE", help="TOML file of NAME = VALUE assumptions.")
@click.option("--region", default=None,
              help="Price in this region [default: the plan's provider region].")
@click.option("--var", "variables", multiple=True, metavar="NAME=VALUE",
              help="A root variable for the offline plan of a folder (repeatable).")
@click.option("--var-file", "var_files", multiple=True, type=click.Path(path_type=Path),
              metavar="FILE", help="A .tfvars file for the offline plan of a folder "
                                   "(repeatable).")
@click.option("--allow-provider", "allow_providers", multiple=True, metavar="NAMESPACE/NAME",
              help="On trusted code: a provider the offline plan of a folder may run beyond "
                   "the defaults (as `prodstack audit --allow-provider`; repeatable).")
@synth_options
def cost_cmd(path: Path | None, env: str, fmt: str, prices_file: Path | None,
             assume: tuple[str, ...], assumptions_file: Path | None, region: str | None,
             variables: tuple[str, ...], var_files: tuple[Path, ...],
             allow_providers: tuple[str, ...], overrides: tuple[str, ...],
             config_file: str | None) -> None:
    """Monthly cost estimate per resource, offline, with the savings of 1-year commitments.

    PATH is plan JSON (`terraform show -json PLANFILE`) or a folder of Terraform
    configuration; without PATH, prodstack's own stack for --env.
    """
    from prodstack.core.paths import away_from_the_project, settings_file

    if path is None:  # prodstack's own stack: the project's settings
        config_file = settings_file(config_file)
    with away_from_the_project():
        click.echo(run(path, env, fmt, prices_file, assume, assumptions_file, region,
                       overrides, config_file, variables, var_files, allow_providers))

"""`prodstack audit [PATH] [--env ENV] [--format text|json|sarif|junit|markdown]
[--fail-on SEVERITY] [--suppressions FILE] [--path-base DIR] [--var NAME=VALUE]...
[--var-file FILE]... [--allow-provider NAMESPACE/NAME]... [--config-dir DIR] [--recursive]
[--catalog]`.

PATH a plan JSON file (`terraform show -json`): audit it. A plan keeps only the references of
an expression that is not a constant, so a policy written with `jsonencode` over resources
being created cannot be read from it alone: with `--config-dir DIR` (the folder the plan was
made in; by default the plan file's own folder, when its configuration is the plan's) the
audit reads that folder's configuration beside the plan (its HCL expressions for the value
resolver, its locals, backend and `ignore_changes`) and locates findings in its files.
PATH a folder of Terraform
configuration: plan it offline against the embedded emulator as it stands (relative module
sources, the modules its `terraform init` installed, every aws provider configuration; the
user's files untouched; `--var`/`--var-file` passed to the plan; only the providers the
allowlist and `--allow-provider` allow, tf/allowlist.py), audit the plan, read the folder's
backend for FM-1.2/1.3 and its locals, and locate each finding's block (file and line). A
folder that must not or cannot be planned is audited with its configuration rules only, and
the report says why (`root_errors`, one line per reason) and which rules did not run. With
`--recursive`, every root module under the folder, in one report (recursive.py).
No PATH: prodstack's own stack for --env, as the aws target would create it.

Suppressions: `# prodstack:ignore ID reason` comments in the folder, and prodstack-audit.toml
(in the folder, next to the plan file, or --suppressions FILE); see suppress.py.

Exit codes: 2 when a rule could not run; else 1 when a finding at or above --fail-on exists
(suppressed and accepted ones do not count; a suppression that cannot apply does; findings of
a folder that was not planned do); else 2 when a folder was not planned (never a clean pass);
else 0. Unusable input is one line and 2 (missing file, not a plan, unreadable folder, a
malformed suppressions file or --allow-provider).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from prodstack.catalog.model import SEVERITIES
from prodstack.cli.options import synth_options
from prodstack.config.load import load_settings
from prodstack.config.profiles import PROFILES
from prodstack.config.settings import Settings
from prodstack.core.errors import UserError
from prodstack.ops.audit import catalog, suppress
from prodstack.ops.audit.formats import FORMATS, render
from prodstack.ops.audit.inputs import audit

if TYPE_CHECKING:
    pass

@click.command("audit")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--env", default="production", show_default=True,
              type=click.Choice(list(PROFILES)),
              help="Profile whose accepted trades apply (and the stack to plan without PATH).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text",
              show_default=True,
              help="sarif: for code scanning; junit: for CI test reports; markdown: for a "
                   "pull-request comment.")
@click.option("--fail-on", type=click.Choice(SEVERITIES), default="low", show_default=True,
              help="Exit 1 when a finding at or above this severity exists.")
@click.option("--suppressions", "suppressions", type=click.Path(path_type=Path),
              default=None,
              help=f"Suppressions file [default: {suppress.FILE_NAME} in the folder, or next "
                   "to the plan file].")
@click.option("--path-base", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Write file locations relative to this folder (e.g. the repository root "
                   "for code scanning) [default: the audited folder].")
@click.option("--var", "variables", multiple=True, metavar="NAME=VALUE",
              help="A root variable for the offline plan of a folder (repeatable).")
@click.option("--var-file", "var_files", multiple=True, type=click.Path(path_type=Path),
              metavar="FILE", help="A .tfvars file for the offline plan of a folder "
                                   "(repeatable).")
@click.option("--allow-provider", "allow_providers", multiple=True, metavar="NAMESPACE/NAME",
              help="On trusted code: a provider the offline plan of a folder may install and "
                   "run beyond the defaults (aws and pure HashiCorp utilities), its data "
                   "sources included (repeatable).")
@click.option("--config-dir", type=click.Path(path_type=Path), default=None, metavar="DIR",
              help="With a plan file: the folder it was planned from, read beside it to "
                   "resolve expressions the plan does not keep (jsonencode'd policies) "
                   "[default: the plan file's folder, when it holds the plan's "
                   "configuration].")
@click.option("--recursive", is_flag=True,
              help="Audit every root module under the folder (a folder that declares a "
                   "backend or a provider, or that no other folder calls), in parallel, in "
                   "one report.")
@click.option("--catalog", "show_catalog", is_flag=True,
              help="List every failure mode, its fix and where it is checked.")
@synth_options
def audit_cmd(path: Path | None, env: str, fmt: str, fail_on: str, suppressions: Path | None,
              path_base: Path | None, variables: tuple[str, ...], var_files: tuple[Path, ...],
              allow_providers: tuple[str, ...], config_dir: Path | None, recursive: bool,
              show_catalog: bool,
              config_file: str | None, overrides: tuple[str, ...]) -> None:
    """Check a Terraform plan (file), a configuration folder, or prodstack's own stack
    against the failure-mode catalog."""
    from prodstack.core.paths import away_from_the_project, settings_file

    if path is None:  # prodstack's own stack: the project's settings
        config_file = settings_file(config_file)
    with away_from_the_project():
        _audit(path, env, fmt, fail_on, suppressions, path_base, variables, var_files,
               allow_providers, config_dir, recursive, show_catalog, config_file, overrides)


def _audit(path: Path | None, env: str, fmt: str, fail_on: str, suppressions: Path | None,
           path_base: Path | None, variables: tuple[str, ...], var_files: tuple[Path, ...],
           allow_providers: tuple[str, ...], config_dir: Path | None, recursive: bool,
           show_catalog: bool, config_file: str | None, overrides: tuple[str, ...]) -> None:
    if show_catalog:
        if fmt in ("sarif", "junit"):
            raise UserError("--catalog prints text, json or markdown", exit_code=2)
        click.echo(json.dumps(catalog.render_json(), indent=2) if fmt == "json"
                   else catalog.markdown_table() if fmt == "markdown"
                   else catalog.render_text())
        return
    if path is not None and (config_file or overrides):
        raise UserError("--config and --set apply to prodstack's own stack (give no PATH)",
                        exit_code=2)
    if (variables or var_files) and (path is None or not path.is_dir()):
        raise UserError("--var and --var-file apply to the offline plan of a folder",
                        exit_code=2)
    if allow_providers and (path is None or not path.is_dir()):
        raise UserError("--allow-provider applies to the offline plan of a folder", exit_code=2)
    if allow_providers:  # a malformed --allow-provider before any planning
        from prodstack.tf.allowlist import Allowlist

        Allowlist.of(allow_providers)
    if config_dir is not None and (path is None or path.is_dir()):
        raise UserError("--config-dir goes with a plan file (a folder is read as it is)",
                        exit_code=2)
    if variables or var_files:  # a malformed --var or a missing file before any planning
        from prodstack.tf.offline_env import var_args

        var_args(variables, var_files)
    # a plan file reads no setting but the profile's trades: no target to validate
    settings = Settings(env=env) if path is not None and path.is_file() else \
        load_settings(env=env, config_file=config_file, overrides=overrides)
    if recursive:
        from prodstack.ops.audit.recursive import audit_recursive

        if path is None or not path.is_dir():
            raise UserError("--recursive needs a folder", exit_code=2)
        result = audit_recursive(path, settings, suppressions, path_base, variables,
                                 var_files, lambda line: click.echo(line, err=True),
                                 allow_providers)
    else:
        if path is None or path.is_dir():
            click.echo(f"planning {path or f'the {env} stack'} offline against the "
                       "emulator...", err=True)
        result = audit(path, settings, suppressions, path_base, variables, var_files,
                       allow_providers, config_dir)
    click.echo(render(fmt, result, fail_on))
    for rule_id, error in result.errors:
        click.echo(f"prodstack: rule {rule_id} could not run: {error}", err=True)
    for root in result.not_planned:
        count = sum(r == root for r, _ in result.root_errors)
        click.echo(f"prodstack: {root}: not planned, audited with its configuration rules only "
                   f"({count} reason{'s' if count > 1 else ''} in the report)", err=True)
    code = result.exit_code(fail_on)
    if code:
        sys.exit(code)

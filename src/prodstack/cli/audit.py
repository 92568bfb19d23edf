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

import contextlib
import json
import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from prodstack.catalog.model import SEVERITIES, AuditInput
from prodstack.cli.options import synth_options
from prodstack.config.profiles import PROFILES
from prodstack.config.settings import Settings, load_settings
from prodstack.core.errors import UserError, cannot_read, read_input
from prodstack.ops.audit import catalog, suppress
from prodstack.ops.audit.engine import AuditResult, run
from prodstack.ops.audit.formats import FORMATS, render
from prodstack.ops.audit.locations import Locations, plan_file_locations, read_folder_locations
from prodstack.tf.folder import from_document, read_folder
from prodstack.tf.plan import load_plan

if TYPE_CHECKING:
    from prodstack.tf.allowlist import Allowlist

_LOG_HINT = re.compile(r"[;,]?\s*\(?full log: [^)]*\)?\s*$")


def _read_plan_file(path: Path, config_dir: Path | None = None) -> AuditInput:
    text = read_input(path)
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
    config = read_folder(config_dir) if config_dir is not None else None
    return AuditInput(plan=load_plan(data, str(path), locals=config.locals if config else None),
                      config=config)


def config_dir_of(path: Path | None, given: Path | None) -> Path | None:
    """The configuration folder read beside a plan file: `--config-dir`, else the plan
    file's own folder when its root module is the plan's (a block or module call in
    common); None for a folder audit, or when there is none."""
    if given is not None:
        if not given.is_dir():
            raise UserError(f"{given}: --config-dir is not a folder", exit_code=2)
        if not any(given.glob("*.tf")) and not any(given.glob("*.tf.json")):
            raise UserError(f"{given}: no Terraform configuration (*.tf, *.tf.json) in it",
                            exit_code=2)
        return given
    if path is None or path.is_dir() or not path.is_file():
        return None
    folder = path.parent
    if not any(folder.glob("*.tf")) and not any(folder.glob("*.tf.json")):
        return None
    return folder if _same_root(path, folder) else None


def _same_root(plan_file: Path, folder: Path) -> bool:
    from prodstack.tf.hcl_config import read_module_folder

    try:
        data = json.loads(plan_file.read_text(errors="replace"))
    except (OSError, ValueError, RecursionError):
        return False
    root = ((data.get("configuration") or {}).get("root_module") or {}) \
        if isinstance(data, dict) else {}
    planned = {f"{'data.' if r.get('mode') == 'data' else ''}{r.get('type')}.{r.get('name')}"
               for r in root.get("resources") or [] if isinstance(r, dict)}
    module = read_module_folder(folder)
    return bool(planned & set(module.blocks)) or \
        bool(set(root.get("module_calls") or {}) & set(module.calls))


@contextlib.contextmanager
def _emulator() -> Iterator[None]:
    """Stop the emulator again afterwards if this call started it."""
    from prodstack.runtime import emulator

    was_running = emulator.running() is not None
    try:
        yield
    finally:
        if not was_running:
            emulator.stop()


def _with_emulator(func: Any, *args: Any) -> dict[str, Any]:
    """Run an offline plan; a Terraform failure is one line."""
    from prodstack.tf.runner import TerraformError

    with _emulator():
        try:
            return func(*args)
        except TerraformError as exc:
            raise UserError(_LOG_HINT.sub("", str(exc)), exit_code=2) from None


def folder_input(folder: Path, settings: Settings | None = None, variables: Sequence[str] = (),
                 var_files: Sequence[Path] = (), declared_only: bool = False,
                 allow: Allowlist | None = None) -> tuple[AuditInput, list[str]]:
    """A folder planned offline, with its configuration (backends, locals, ...), and why it
    was not planned (one line per reason; then the plan is empty and only the configuration
    was read). A folder that cannot be read at all is a `UserError`."""
    from prodstack.ops.offline_plan import plan_folder
    from prodstack.tf.offline_env import Unplannable
    from prodstack.tf.runner import TerraformError

    if not any(folder.glob("*.tf")) and not any(folder.glob("*.tf.json")):
        raise UserError(f"{folder}: no Terraform configuration (*.tf, *.tf.json) in it",
                        exit_code=2)
    config = read_folder(folder)
    data: dict[str, Any] = {"format_version": "1.2", "planned_values": {}}  # until planned
    reasons: list[str] = []
    with _emulator():
        try:
            data = plan_folder(folder, settings, False, variables, var_files, declared_only,
                               allow)
        except Unplannable as exc:
            from prodstack.ops.audit.allow import not_honoured

            reasons = exc.reasons + not_honoured(folder, exc.reasons)
        except TerraformError as exc:
            reasons = [_LOG_HINT.sub("", str(exc))]
    return AuditInput(plan=load_plan(data, str(folder), locals=config.locals),
                      config=config), reasons


def plan_folder_input(folder: Path, settings: Settings | None = None,
                      variables: Sequence[str] = (), var_files: Sequence[Path] = (),
                      declared_only: bool = False) -> AuditInput:
    """A folder planned offline, with its configuration; `Unplannable` when it was not."""
    from prodstack.tf.offline_env import Unplannable

    inp, reasons = folder_input(folder, settings, variables, var_files, declared_only)
    if reasons:
        raise Unplannable(folder, reasons)
    return inp


def own_stack_input(settings: Settings) -> AuditInput:
    """prodstack's own stack for these settings, as the aws target creates it: its plan, and
    its configuration (from the document built in memory)."""
    from prodstack.ops.offline_plan import offline_settings, plan_stack
    from prodstack.stack.compose import build

    source = f"prodstack {settings.env} stack (aws target)"
    config = from_document(build(offline_settings(settings)).doc.to_dict(), source)
    data = _with_emulator(plan_stack, settings)
    return AuditInput(plan=load_plan(data, source), config=config)


def load_input(path: Path | None, settings: Settings, variables: Sequence[str] = (),
               var_files: Sequence[Path] = (), allow: Allowlist | None = None,
               config_dir: Path | None = None) -> tuple[AuditInput, list[str]]:
    """The input for PATH (or prodstack's own stack), and why a folder was not planned."""
    if path is None:
        return own_stack_input(settings), []
    if path.is_dir():
        return folder_input(path, settings, variables, var_files, allow=allow)
    if not path.exists():
        raise UserError(f"{path}: no such file or folder", exit_code=2)
    return _read_plan_file(path, config_dir), []


def locations_of(path: Path | None, config_dir: Path | None = None) -> Locations | None:
    """Where the blocks of a folder (or of the configuration read beside a plan file, or the
    entries of a plan file) are written."""
    if path is None or not path.exists():
        return None
    if path.is_dir() or config_dir is not None:
        return read_folder_locations(config_dir or path)
    try:
        return plan_file_locations(path, path.read_text(errors="replace"))
    except OSError:
        return None  # load_input says why


def _allowlist(path: Path | None, given: Sequence[str], suppressions: Path | None
               ) -> Allowlist | None:
    """The providers a folder's offline plan may run (a plan file runs nothing)."""
    if path is None or not path.is_dir():
        return None
    from prodstack.ops.audit.allow import allowlist

    return allowlist(given, suppressions)


def audit(path: Path | None, settings: Settings, suppressions: Path | None = None,
          path_base: Path | None = None, variables: Sequence[str] = (),
          var_files: Sequence[Path] = (), allow_providers: Sequence[str] = (),
          config_dir: Path | None = None) -> AuditResult:
    """Audit PATH (or prodstack's own stack), then apply the suppressions written for it."""
    try:
        config_dir = config_dir_of(path, config_dir)
        locations = locations_of(path, config_dir)
        if locations is not None and path_base is not None:
            locations.base = path_base.absolute()
        written = suppress.load(path, suppressions, locations)
        allowed = _allowlist(path, allow_providers, suppressions)
        inp, not_planned = load_input(path, settings, variables, var_files, allowed,
                                      config_dir)
    except OSError as exc:
        raise cannot_read(path, exc) from None
    return audit_input(inp, settings.env, locations, written, not_planned)


def audit_input(inp: AuditInput, env: str | None, locations: Locations | None = None,
                written: suppress.Suppressions | None = None,
                not_planned: Sequence[str] = ()) -> AuditResult:
    """Run the rules over an input, locate its findings and apply the suppressions;
    `not_planned`: why the folder was not planned (its configuration rules still run)."""
    result = run(inp, env=env, planned=not not_planned)
    result.locations = locations
    result.root_errors += [(inp.plan.source, reason) for reason in not_planned]
    return suppress.apply(result, written or suppress.Suppressions())


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

"""What an audit reads and one audit run: a plan file (with the configuration beside it), a
folder planned offline against the embedded emulator, or prodstack's own stack; the
suppressions written for it applied. `prodstack audit` (prodstack.cli.audit) and the recursive
audit (recursive.py) run through here.

Planning a folder or the own stack needs the emulator and Terraform, which a plan file's
audit never loads: those imports are made where they are needed (bench/audit_speed.py).
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prodstack.catalog.model import AuditInput
from prodstack.config.settings import Settings
from prodstack.core.errors import UserError, cannot_read, read_input
from prodstack.ops.audit import suppress
from prodstack.ops.audit.allow import allowlist, not_honoured
from prodstack.ops.audit.engine import AuditResult, run
from prodstack.ops.audit.locations import Locations, plan_file_locations, read_folder_locations
from prodstack.tf.folder import from_document, read_folder
from prodstack.tf.hcl_config import read_module_folder
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

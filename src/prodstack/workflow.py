"""The stack's life cycle: prepare a working folder, plan, up, outputs.

A `Workspace` ties settings to a working folder (`.prodstack/<target>-<env>/`), the emulator
(local target) and a Terraform runner. Teardown lives in `teardown.py`.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prodstack import emulator, orphans, synth
from prodstack.aws_clients import emulator_lost_state, state_resources
from prodstack.errors import UserError
from prodstack.paths import logs_dir, stack_dir
from prodstack.settings import Settings
from prodstack.targets import local
from prodstack.targets.local import ENDPOINT_VARIABLE
from prodstack.tf.progress import Progress, fmt_seconds
from prodstack.tf.runner import PlanResult, Terraform, TerraformError, resource_ids

STATE_FILE = "terraform.tfstate"
KEPT_FILE = "kept.json"  # what an earlier `down` kept, by address and import id
IMPORTS_FILE = "imports.tf.json"  # import blocks that adopt it on the next `up`


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class Workspace:
    settings: Settings
    show_progress: bool = True
    endpoint: str | None = None
    workdir: Path = field(init=False)

    def __post_init__(self) -> None:
        self.workdir = stack_dir(self.settings.target, self.settings.env)

    @property
    def local(self) -> bool:
        return self.settings.target == "local"

    @property
    def state_file(self) -> Path:
        return self.workdir / STATE_FILE

    def prepare(self, reset_state: bool = False, start_emulator: bool = True) -> Terraform:
        """Synthesize into the working folder, make sure the emulator runs, init Terraform."""
        synth.write(self.settings, self.workdir)
        variables: dict[str, str] = {}
        if self.local:
            if start_emulator:
                info, started = emulator.start()
                if started:
                    say(f"emulator started at {info.url}")
            else:
                info = emulator.running()
                if info is None:
                    raise UserError("the emulator is not running (start it with "
                                    "`prodstack emulator start`)")
            self.endpoint = info.url
            variables[ENDPOINT_VARIABLE] = info.url
            self._check_emulator_state(reset_state)
        backend_config = []
        if self.local and self.settings.state_bucket and self.endpoint:
            backend_config = local.backend_init_args(self.endpoint)
        tf = Terraform(workdir=self.workdir, logs=logs_dir(self.settings.target, self.settings.env),
                       plugin_mirror=self.settings.plugin_mirror,
                       plugin_dir=self.settings.plugin_dir, variables=variables,
                       backend_config=backend_config, show_progress=self.show_progress)
        tf.init()
        return tf

    def _check_emulator_state(self, reset_state: bool) -> None:
        assert self.endpoint is not None
        if not emulator_lost_state(self.settings, self.endpoint, self.state_file):
            return
        count = len(state_resources(self.state_file))
        if not reset_state:
            raise UserError(
                f"the emulator at {self.endpoint} no longer holds the {count} resources in local "
                "state (it was restarted); rerun with --reset-state to start from empty state"
            )
        kept = self.state_file.with_name(f"{STATE_FILE}.lost-{time.strftime('%Y%m%d-%H%M%S')}")
        shutil.move(self.state_file, kept)
        say(f"local state reset (the old state is kept as {kept.name})")

    def emulator_down_hint(self, exc: TerraformError) -> UserError:
        """Turn a Terraform failure into the clearer one when the emulator died under it."""
        if self.local and self.endpoint and not emulator.answers(self.endpoint):
            log = f"; full log: {exc.log}" if exc.log else ""
            return UserError("the emulator stopped while Terraform was running; start it with "
                             f"`prodstack emulator start` and rerun the command{log}")
        return exc

    def has_state(self) -> bool:
        """False only when local state on disk is known to be empty (remote state: unknown)."""
        if self.local and not self.settings.state_bucket:
            return bool(state_resources(self.state_file))
        return True


def plan(ws: Workspace, reset_state: bool = False) -> PlanResult:
    tf = ws.prepare(reset_state=reset_state)
    try:
        result = tf.plan()
    except TerraformError as exc:
        raise ws.emulator_down_hint(exc) from None
    (ws.workdir / "tfplan").unlink(missing_ok=True)
    return result


def describe_plan(result: PlanResult) -> str:
    s = result.summary
    if not result.changes:
        return "No changes. The deployed stack matches the configuration."
    return (f"Plan: {s.get('add', 0)} to add, {s.get('change', 0)} to change, "
            f"{s.get('remove', 0)} to destroy.")


def up(ws: Workspace, reset_state: bool = False) -> dict[str, Any]:
    """Plan and apply; returns the outputs."""
    started = time.monotonic()
    adopted = adopt_kept(ws)
    tf = ws.prepare(reset_state=reset_state)
    if adopted:
        say(f"adopting {len(adopted)} resources kept by an earlier down")
    try:
        say(f"planning {ws.settings.env} on {ws.settings.target}…")
        result = tf.plan()
        if result.changes:
            say(describe_plan(result))
            progress = apply_plan(ws, tf, len(result.planned))
            say(f"apply complete: {progress.done} resources changed in "
                f"{fmt_seconds(progress.seconds)}")
        else:
            say("no changes: the stack is up to date")
        forget_kept(ws)
    except TerraformError as exc:
        hinted = ws.emulator_down_hint(exc)
        if hinted is exc and ws.has_state():
            raise UserError(f"{exc} — what was created is in state: rerun `prodstack up` to "
                            "converge, or `prodstack down --yes` to remove it") from None
        raise hinted from None
    say(f"up finished in {fmt_seconds(time.monotonic() - started)}")
    return tf.outputs()


RECOVERIES = 2  # further applies after an adoption or a refused retry, at most


def apply_plan(ws: Workspace, tf: Terraform, total: int, destroy: bool = False) -> Progress:
    """Apply the saved plan; plan and apply again after adopting what a cut-off apply left
    outside state (see orphans), and on the emulator after a refused retry (see
    targets.local), at most RECOVERIES times."""
    verb = "destroy" if destroy else "apply"
    for attempt in range(RECOVERIES + 1):
        if attempt:
            result = tf.plan(destroy=True) if destroy else tf.plan()
            total = len(result.planned)
        try:
            return tf.apply(total=total, verb=verb)
        except TerraformError as exc:
            if attempt == RECOVERIES:
                raise
            found = {} if destroy else orphans.adoptable(
                exc.diagnostics, ws.workdir / synth.MAIN_FILE, ws.settings, ws.endpoint,
                emulator=ws.local, state_ids=lambda: resource_ids(tf.state_pull()))
            if found:
                orphans.add_imports(ws.workdir / IMPORTS_FILE, found)
                say(f"adopting {', '.join(found)}: created but not in state (an apply cut "
                    "off, or a create the emulator answered twice); planning and applying again")
            elif ws.local and local.refused_retry(str(exc), destroy=destroy):
                say(f"the emulator refused a retried request ({exc}); planning and applying "
                    "again")
            else:
                raise
    raise AssertionError("unreachable")


def outputs(ws: Workspace) -> dict[str, Any]:
    if not ws.workdir.exists() or (ws.local and not ws.has_state()):
        raise UserError(f"nothing deployed for {ws.settings.env} on {ws.settings.target} "
                        "(run `prodstack up`)")
    tf = ws.prepare(start_emulator=ws.local)
    return tf.outputs()


def adopt_kept(ws: Workspace) -> list[str]:
    """Write `import` blocks for what an earlier `down` kept, so `up` adopts it again."""
    path = ws.workdir / KEPT_FILE
    imports = ws.workdir / IMPORTS_FILE
    if not path.exists():
        imports.unlink(missing_ok=True)
        return []
    ids: dict[str, str] = json.loads(path.read_text())
    blocks = [{"to": address, "id": import_id} for address, import_id in ids.items()]
    imports.write_text(json.dumps({"import": blocks}, indent=2) + "\n")
    return list(ids)


def forget_kept(ws: Workspace) -> None:
    (ws.workdir / KEPT_FILE).unlink(missing_ok=True)
    (ws.workdir / IMPORTS_FILE).unlink(missing_ok=True)

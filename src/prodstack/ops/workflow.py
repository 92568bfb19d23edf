"""The stack's life cycle: prepare a working folder, plan, up, outputs.

A `Workspace` ties settings to a working folder (`.prodstack/<target>-<env>/`), the target
(and its connection: the emulator on the local target), the stack built in memory, a
Terraform runner, and the reporter that tells the user what happens. Teardown lives in
`teardown.py`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prodstack.config import record
from prodstack.config.project import deployed
from prodstack.config.settings import Settings
from prodstack.core.errors import UserError
from prodstack.core.paths import logs_dir, private_dir, stack_dir, work_root
from prodstack.core.reporting import Reporter, StderrReporter
from prodstack.ops import blind_drift, orphans, preflight
from prodstack.ops.deploy import align_traffic
from prodstack.runtime.targets import ClientFactory, Connection, Target, target_for
from prodstack.stack import synth
from prodstack.stack.built import Stack
from prodstack.stack.compose import build
from prodstack.tf import provider_server
from prodstack.tf import state as tfstate
from prodstack.tf.progress import Progress, fmt_seconds
from prodstack.tf.runner import Interrupted, PlanResult, Terraform, TerraformError

STATE_FILE = "terraform.tfstate"
KEPT_FILE = "kept.json"  # what an earlier `down` kept, by address and import id
IMPORTS_FILE = "imports.tf.json"  # import blocks that adopt it on the next `up`


@dataclass
class Workspace:
    settings: Settings
    reporter: Reporter = field(default_factory=StderrReporter)
    show_progress: bool = True
    connection: Connection = field(default_factory=Connection)
    stack: Stack | None = None
    target: Target = field(init=False)
    workdir: Path = field(init=False)

    def __post_init__(self) -> None:
        self.target = target_for(self.settings)
        self.workdir = stack_dir(self.settings.target, self.settings.env)

    def say(self, message: str) -> None:
        self.reporter.say(message)

    @property
    def state_file(self) -> Path:
        return self.workdir / STATE_FILE

    def clients(self) -> ClientFactory:
        return self.target.clients(self.settings, self.connection)

    def connect(self, start: bool = True) -> None:
        self.connection = self.target.connect(start, self.settings.emulator_strict)
        if self.connection.started:
            self.say(f"emulator started at {self.connection.endpoint}")

    def prepare(self, reset_state: bool = False, start: bool = True) -> Terraform:
        """Build and write the stack, make the target reachable, init Terraform."""
        self.stack = build(self.settings)
        private_dir(self.workdir.parent)
        synth.write_stack(self.stack, private_dir(self.workdir))
        self.connect(start)
        self.target.check_state(self.settings, self.connection, self.state_file, reset_state,
                                self.say)
        tf = Terraform(workdir=self.workdir, logs=logs_dir(self.settings.target, self.settings.env),
                       plugin_mirror=self.settings.plugin_mirror,
                       plugin_dir=self.settings.plugin_dir,
                       variables=self.target.terraform_variables(self.connection),
                       backend_config=self.target.backend_init_args(self.settings,
                                                                    self.connection),
                       show_progress=self.show_progress,
                       gone=self.target.gone(self.connection))
        tf.init()
        if self.target.shares_provider and provider_server.shareable(
                len(self.stack.doc.providers.get("aws", [])), self.stack.extra_files):
            tf.share_provider()
        return tf

    def explain(self, exc: Exception) -> Exception:
        """The clearer error when the target went away under the command."""
        return self.target.explain(self.connection, exc)

    def deployed_outputs(self, tf: Terraform) -> dict[str, Any]:
        """The outputs of what is deployed: local state read from disk (no Terraform run),
        remote state through Terraform."""
        if not self.settings.state_bucket:
            return tfstate.outputs(tfstate.read_file(self.state_file))
        return tf.outputs()

    def has_state(self) -> bool:
        """False only when local state on disk is known to be empty (remote state: unknown)."""
        if not self.settings.state_bucket:
            return bool(tfstate.managed(tfstate.read_file(self.state_file)))
        return True


def plan(ws: Workspace, reset_state: bool = False) -> PlanResult:
    tf = ws.prepare(reset_state=reset_state)
    try:
        recorded: dict[str, Any] | None = None
        if ws.has_state():
            values = ws.deployed_outputs(tf)
            recorded = compare_settings(ws, values)
            for line in blind_drift.describe(ws.clients(), values):
                ws.say(f"note: {line}")
        result = tf.plan()
    except TerraformError as exc:
        raise ws.explain(exc) from None
    tf.discard_plan()
    risky = at_risk(ws, result, recorded)
    if risky:
        ws.say("note: `prodstack up` asks before it applies this plan, which destroys or "
               f"replaces what you added or what holds data: {record.describe_risk(risky)}")
    return result


def compare_settings(ws: Workspace, values: dict[str, Any]) -> dict[str, Any] | None:
    """Say, before planning, how this run's settings differ from those the deployment was
    made with (its record, `prodstack.config.record`), refusing a change that cannot be applied to
    a live stack (`record.port_change`); returns the record."""
    recorded = values.get(record.RECORD_OUTPUT)
    if not isinstance(recorded, dict):
        return None
    lines = record.differences(recorded, ws.settings)
    if lines:
        ws.say(f"the settings differ from those {ws.settings.env} was deployed with:")
        for line in lines:
            ws.say(f"  {line}")
    refused = record.port_change(recorded, ws.settings)
    if refused:
        raise UserError(refused, exit_code=2)
    return recorded


def at_risk(ws: Workspace, result: PlanResult, recorded: dict[str, Any] | None) -> list[str]:
    """What the plan would destroy or replace among the user's resources (recorded with the
    deployment, or in this configuration) and those that hold data."""
    users = record.user_resources(recorded) | set(ws.stack.user_resources if ws.stack else ())
    return record.at_risk(result.planned, result.reasons, users)


def describe_plan(result: PlanResult) -> str:
    s = result.summary
    if not result.changes:
        return "No changes. The deployed stack matches the configuration."
    return (f"Plan: {s.get('add', 0)} to add, {s.get('change', 0)} to change, "
            f"{s.get('remove', 0)} to destroy.")


Confirm = Callable[[list[str]], bool]  # asked about what a plan would destroy; True: go on


def up(ws: Workspace, reset_state: bool = False,
       confirm: Confirm | None = None) -> dict[str, Any]:
    """Plan and apply; returns the outputs. A plan that would destroy or replace what the
    user added or what holds data is applied only if `confirm` says so (None: refused)."""
    started = time.monotonic()
    adopted = adopt_kept(ws)
    tf = ws.prepare(reset_state=reset_state)
    if adopted:
        ws.say(f"adopting {len(adopted)} resources kept by an earlier down")
    try:
        recorded: dict[str, Any] | None = None
        if ws.has_state():
            values = ws.deployed_outputs(tf)
            recorded = compare_settings(ws, values)
            blind_drift.repair(ws.clients(), values, ws.settings.profile.db_apply_immediately,
                               ws.say)
        source = f" with {ws.settings.config_file}" if ws.settings.config_file else ""
        ws.say(f"planning {ws.settings.env} on {ws.settings.target}{source}…")
        result = tf.plan()
        if result.changes:
            ws.say(describe_plan(result))
            try:
                differs = bool(recorded and record.differences(recorded, ws.settings))
                _confirmed(at_risk(ws, result, recorded), confirm, differs)
                preflight.check(result.planned, ws.clients(), ws.settings.region,
                                ws.settings.names.recorder,
                                lambda *q: ws.target.quota(ws.clients(), *q))
            except UserError:
                tf.discard_plan()
                raise
            progress = apply_plan(ws, tf, len(result.planned))
            ws.say(f"apply complete: {progress.done} resources changed in "
                   f"{fmt_seconds(progress.seconds)}")
        else:
            tf.discard_plan()
            ws.say("no changes: the stack is up to date")
        forget_kept(ws)
    except TerraformError as exc:
        explained = ws.explain(exc)
        if explained is exc and ws.has_state() and not isinstance(exc, Interrupted) \
                and not exc.locked:
            raise UserError(f"{exc} — what was created is in state: rerun `prodstack up` to "
                            "converge, or `prodstack down --yes` to remove it",
                            exit_code=exc.exit_code) from None
        raise explained from None
    values = ws.deployed_outputs(tf)
    align_traffic(ws.settings, values, ws.clients(), ws.reporter, ws.workdir)
    ws.say(f"up finished in {fmt_seconds(time.monotonic() - started)}")
    return values


def _confirmed(risky: list[str], confirm: Confirm | None, differs: bool) -> None:
    """Go on, or refuse in one line naming what the plan would destroy or replace."""
    if not risky or (confirm is not None and confirm(risky)):
        return
    why = " (the settings differ from the deployment's: see above)" if differs else ""
    raise UserError("the plan would destroy or replace what you added or what holds data: "
                    f"{record.describe_risk(risky)}{why}, so nothing was applied; if that is "
                    "what you want, run `prodstack up` again with --yes", exit_code=2)


RECOVERIES = 2  # further applies after an adoption or a refused retry, at most


def apply_plan(ws: Workspace, tf: Terraform, total: int, destroy: bool = False,
               replan: Callable[[], PlanResult] | None = None) -> Progress:
    """Apply the saved plan; plan (`replan`, default: the whole stack) and apply again after
    adopting what a cut-off apply left outside state (see orphans), and after a retried
    request the target refused (see targets.local), at most RECOVERIES times."""
    verb = "destroy" if destroy else "apply"
    replan = replan or (lambda: tf.plan(destroy=destroy))
    for attempt in range(RECOVERIES + 1):
        if attempt:
            result = replan()
            total = len(result.planned)
        try:
            return tf.apply(total=total, verb=verb)
        except TerraformError as exc:
            if attempt == RECOVERIES:
                raise
            found = {} if destroy or ws.stack is None else orphans.adoptable(
                exc.diagnostics, ws.stack.doc.to_dict(), ws.settings, ws.clients(),
                emulator=ws.target.adopts_after_refused_retry,
                state_ids=lambda: tfstate.resource_ids(tf.state_pull()))
            replaced = [] if destroy or ws.stack is None or \
                not ws.target.adopts_after_refused_retry else orphans.replace_parameters(
                    exc.diagnostics, ws.stack.doc.to_dict(), ws.settings, ws.clients())
            if found:
                orphans.add_imports(ws.workdir / IMPORTS_FILE, found)
                ws.say(f"adopting {', '.join(found)}: created but not in state (an apply cut "
                       "off, or a create the emulator answered twice); planning and applying "
                       "again")
            if replaced:
                ws.say(f"parameter(s) {', '.join(replaced)} created but not in state: deleted, "
                       "to be created again; planning and applying again")
            if found or replaced:
                continue
            if ws.target.refused_retry(str(exc), destroy=destroy):
                ws.say(f"a retried request was refused ({exc}); planning and applying again")
            else:
                raise
    raise AssertionError("unreachable")


def outputs(ws: Workspace) -> dict[str, Any]:
    if not ws.workdir.exists() or not ws.has_state():
        raise UserError(nothing_deployed(ws.settings))
    return ws.prepare().outputs()


def nothing_deployed(settings: Settings) -> str:
    """"Nothing deployed for X", with what is deployed from this working folder."""
    here = deployed()
    which = (f"deployed there: {', '.join(here)} (choose with --env and --target)" if here
             else f"nothing is deployed there: run `prodstack up --env {settings.env}`")
    return (f"nothing deployed for {settings.env} on {settings.target} (working folder "
            f"{work_root()}); {which}")


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

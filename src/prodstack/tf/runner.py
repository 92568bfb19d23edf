"""Runs Terraform in a working folder: init, validate, plan, apply, output, show, state.

Plan and apply run with `-json`; the stream drives `Progress`, and every line goes to a log
file under `logs/`. A failure raises `TerraformError` with the first error diagnostic's
summary and detail on one line, and the log file's path. Terraform runs in a session of its
own, and an interrupt reaches it only through prodstack (`interrupt`): once, then the state
is read back and `Interrupted` says what really happened.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TextIO

from prodstack.core.errors import UserError
from prodstack.core.paths import private_dir
from prodstack.tf import interrupt, provider_server
from prodstack.tf.cliconfig import init_args, missing_provider, write_cli_config
from prodstack.tf.document import BACKEND_FILE
from prodstack.tf.lockinfo import lock_message
from prodstack.tf.progress import Diagnostic, Progress, fmt_seconds
from prodstack.tf.provider_server import ProviderServer

PLAN_FILE = "tfplan"
# Go GC target for Terraform and its providers, memory for CPU (measured on a dev re-plan on
# the emulator: 30 -> 24 s CPU, provider peak 620 -> 760 MB). A user's own GOGC wins.
PROVIDER_GOGC = "400"


class TerraformError(UserError):
    def __init__(self, message: str, diagnostics: list[Diagnostic] | None = None,
                 log: Path | None = None, done: int = 0) -> None:
        super().__init__(message)
        self.diagnostics = diagnostics or []
        self.log = log
        self.done = done  # resources an apply or destroy had changed when it failed
        self.locked = False  # refused because someone else holds the state lock


class Interrupted(TerraformError):
    """A Terraform run stopped by SIGINT/SIGTERM; `saved`: the state read back afterwards
    holds everything it reported (see `interrupt`)."""

    def __init__(self, message: str, done: int = 0, saved: bool = True) -> None:
        super().__init__(message, done=done)
        self.exit_code = 130
        self.saved = saved


@dataclass
class PlanResult:
    changes: int
    summary: dict[str, int]
    planned: list[tuple[str, str]]
    seconds: float
    reasons: dict[str, str] = field(default_factory=dict)  # why a resource is replaced


@dataclass
class Terraform:
    workdir: Path
    logs: Path
    plugin_mirror: str | None = None
    plugin_dir: str | None = None
    variables: dict[str, str] = field(default_factory=dict)
    extra_env: dict[str, str] = field(default_factory=dict)
    backend_config: list[str] = field(default_factory=list)
    parallelism: int = 20
    show_progress: bool = True
    lock: bool = True  # False while prodstack itself holds the state lock (see locking)
    # The target's check while a run waits: why it went away (the emulator died), else None.
    gone: Callable[[], str | None] | None = None
    provider: ProviderServer | None = None  # one provider for every command (share_provider)

    def __post_init__(self) -> None:
        if shutil.which("terraform") is None:
            raise UserError("terraform is not installed or not on PATH (need 1.10 or newer)")
        private_dir(self.logs)

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        # The AWS provider spends much of its start-up CPU (several starts per command) in
        # Go's garbage collector while it builds its schema.
        env.setdefault("GOGC", PROVIDER_GOGC)
        env.update({
            "TF_CLI_CONFIG_FILE": str(write_cli_config(self.plugin_mirror)),
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "CHECKPOINT_DISABLE": "1",
        })
        for name, value in self.variables.items():
            env[f"TF_VAR_{name}"] = value
        env.update(self.extra_env)
        if self.provider:
            env.update(self.provider.env())
        return env

    def share_provider(self) -> None:
        """Run the following commands against one provider process (after `init`; see
        `provider_server` for when that is safe)."""
        if self.provider is None:
            self.provider = provider_server.start(self.workdir, self.logs, self._env())

    def stop_sharing(self) -> None:
        """Back to a provider per command (after an interrupted command, the shared one may
        hold cancelled work)."""
        if self.provider:
            self.provider.stop()
            self.provider = None

    def _log_path(self, verb: str) -> Path:
        return self.logs / f"{time.strftime('%Y%m%d-%H%M%S')}-{verb}.log"

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """A short, non-streaming command (init, validate, output, show, state). Ctrl-C
        reaches it only through prodstack: one SIGINT (none to a `state` command, which
        writes the state), then it is waited for (see `interrupt`)."""
        log = self._log_path(args[0])
        proc: subprocess.Popen[str] | None = None

        def waited(since: float) -> str:
            return (f"still waiting for `terraform {args[0]}` (pid {proc.pid if proc else '?'})"
                    f" to finish ({fmt_seconds(time.monotonic() - since)})")

        with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err, \
                interrupt.interruptible(waited):
            proc = subprocess.Popen(["terraform", *args], cwd=self.workdir, env=self._env(),
                                    stdout=out, stderr=err, text=True, **interrupt.OWN_SESSION)
            try:
                proc.wait()
            except KeyboardInterrupt:
                if args[0] != "state":
                    proc.send_signal(signal.SIGINT)
                proc.wait()
                raise
            finally:
                out.seek(0)
                err.seek(0)
                done = subprocess.CompletedProcess(proc.args, proc.returncode, out.read(),
                                                   err.read())
                log.write_text(f"$ terraform {' '.join(args)}\n{done.stdout}\n{done.stderr}")
        if check and done.returncode != 0:
            raise TerraformError(f"terraform {args[0]} failed: {_first_error(done)} "
                                 f"(full log: {log})", log=log)
        return done

    def init(self) -> None:
        marker = self.workdir / ".terraform" / "prodstack-init"
        config = sorted(p.name + str(p.stat().st_mtime_ns) for p in
                        self.workdir.glob("*.tf.json"))
        stamp = json.dumps([config, self.plugin_mirror, self.plugin_dir, self.backend_config])
        if marker.exists() and marker.read_text() == stamp:
            return
        self._forget_unset_backend()
        try:
            self.run("init", "-input=false", "-no-color", "-reconfigure",
                     *init_args(self.plugin_dir), *self.backend_config)
        except TerraformError as exc:
            hint = missing_provider(str(exc), self.plugin_mirror, self.plugin_dir)
            if hint:
                raise UserError(hint, exit_code=2) from None
            raise
        marker.write_text(stamp)

    def _forget_unset_backend(self) -> None:
        """`init -reconfigure` leaves a backend that the configuration no longer sets in
        `.terraform/terraform.tfstate`, and every plan then refuses to run ("Unsetting the
        previously set backend"): forget it. That file holds the backend's settings only;
        the state itself is the backend's, or `terraform.tfstate` for local state."""
        recorded = self.workdir / ".terraform" / "terraform.tfstate"
        if not recorded.exists():
            return
        for path in self.workdir.glob("*.tf.json"):
            try:
                blocks = json.loads(path.read_text()).get("terraform") or []
            except (OSError, ValueError, AttributeError):
                return  # unreadable: leave it to Terraform
            for block in blocks if isinstance(blocks, list) else [blocks]:
                if isinstance(block, dict) and "backend" in block:
                    return
        recorded.unlink()

    def validate(self) -> dict[str, Any]:
        proc = self.run("validate", "-json", "-no-color", check=False)
        try:
            return json.loads(proc.stdout)
        except json.JSONDecodeError:
            raise TerraformError(f"terraform validate failed: {_first_error(proc)}") from None

    def stream(self, verb: str, args: list[str], total: int = 0) -> tuple[int, Progress, Path]:
        """Run a `-json` command, rendering progress. Returns (exit code, progress, log)."""
        log = self._log_path(verb)
        progress = Progress(verb=verb, total=total, enabled=self.show_progress)
        started = time.time()  # wall clock: compared with file times
        proc: subprocess.Popen[str] | None = None

        def waited(since: float) -> str:
            return interrupt.still_waiting(progress, proc.pid if proc else 0, since)

        with log.open("w") as sink, interrupt.interruptible(waited):
            sink.write(f"$ terraform {' '.join(args)}\n")
            proc = subprocess.Popen(["terraform", *args], cwd=self.workdir, env=self._env(),
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                    **interrupt.OWN_SESSION)
            assert proc.stdout is not None
            stopper = interrupt.Stopper(proc)
            watch = interrupt.Watch(stopper, self.gone) if self.gone else None
            try:
                _consume(proc.stdout, sink, progress)
                code = proc.wait()
                if watch and watch.stop():
                    self.stop_sharing()
                    raise TerraformError(f"{watch.reason} (full log: {log})", log=log,
                                         done=progress.done)
            except KeyboardInterrupt:
                raise self._interrupted(verb, proc, stopper, sink, progress, log,
                                        started) from None
            finally:
                if watch:
                    watch.stop()
                progress.finish()
        return code, progress, log

    def _interrupted(self, verb: str, proc: subprocess.Popen[str], stopper: interrupt.Stopper,
                     sink: TextIO, progress: Progress, log: Path,
                     started: float) -> Interrupted:
        """Terraform gets one SIGINT and is waited for; then the state is read back (further
        interrupts only say what this waits for: `interrupt.interruptible`)."""
        progress.finish()
        if stopper.interrupt():
            print("prodstack: interrupted: Terraform finishes what is in flight and saves the "
                  "state (Ctrl-C again only says what it waits for)", file=sys.stderr,
                  flush=True)
        assert proc.stdout is not None
        _consume(proc.stdout, sink, progress)
        proc.wait()
        self.stop_sharing()
        progress.finish()
        state: dict[str, Any] | None = None
        problems: list[str] = []
        if verb != "plan":
            sink.flush()
            forced = interrupt.FORCED_EXIT in log.read_text(errors="replace")
            with contextlib.suppress(TerraformError, ValueError):
                state = self.state_pull()
            problems = interrupt.saved(progress, state, self.workdir, started, forced)
        return Interrupted(interrupt.message(verb, progress, state, problems, log),
                           done=progress.done, saved=not problems)

    def _lock_args(self) -> list[str]:
        return [] if self.lock else ["-lock=false"]

    def plan(self, destroy: bool = False, refresh: bool = True,
             extra: list[str] | None = None, targets: list[str] | None = None) -> PlanResult:
        args = ["plan", "-json", "-input=false", f"-out={PLAN_FILE}", "-detailed-exitcode",
                f"-parallelism={self.parallelism}", *self._lock_args(),
                *(f"-target={t}" for t in targets or ())]
        if destroy:
            args.append("-destroy")
        if not refresh:
            args.append("-refresh=false")
        args += extra or []
        code, progress, log = self.stream("plan", args)
        if code == 1 or progress.errors:
            self.discard_plan()
            raise _error("plan", progress, log, self.workdir)
        changes = sum(progress.summary.get(k, 0) for k in ("add", "change", "remove", "import"))
        return PlanResult(changes=changes if code == 2 else 0, summary=progress.summary,
                          planned=progress.planned, seconds=progress.seconds,
                          reasons=progress.reasons)

    def apply(self, total: int, verb: str = "apply") -> Progress:
        args = ["apply", "-json", "-input=false", "-auto-approve",
                f"-parallelism={self.parallelism}", *self._lock_args(), PLAN_FILE]
        try:
            code, progress, log = self.stream(verb, args, total=total)
        finally:
            self.discard_plan()
        if code != 0 or progress.errors:
            error = _error(verb, progress, log, self.workdir)
            error.done = progress.done
            raise error
        return progress

    def discard_plan(self) -> None:
        """Remove the saved plan (a plan that will not be applied)."""
        (self.workdir / PLAN_FILE).unlink(missing_ok=True)

    def outputs(self) -> dict[str, Any]:
        proc = self.run("output", "-json", "-no-color")
        data = json.loads(proc.stdout or "{}")
        return {k: v.get("value") for k, v in data.items()}

    def show_plan(self) -> dict[str, Any]:
        proc = self.run("show", "-json", "-no-color", PLAN_FILE)
        return json.loads(proc.stdout)

    def state_list(self) -> list[str]:
        proc = self.run("state", "list", "-no-color", check=False)
        if proc.returncode != 0:
            return []
        return [line.strip() for line in proc.stdout.splitlines() if line.strip()]

    def state_pull(self) -> dict[str, Any]:
        """The current state (local or remote) as Terraform holds it."""
        return dict(json.loads(self.run("state", "pull").stdout or "{}"))

    def state_rm(self, addresses: list[str]) -> None:
        if addresses:
            self.run("state", "rm", "-no-color", *self._lock_args(), *addresses)


def _consume(lines: IO[str], sink: TextIO, progress: Progress) -> None:
    """Terraform's `-json` lines into the log and the progress."""
    for line in lines:
        sink.write(line)
        try:
            msg = json.loads(line)
        except json.JSONDecodeError:
            if line.strip():
                progress.errors.append(Diagnostic("error", line.strip(), "", ""))
            continue
        if isinstance(msg, dict):
            progress.handle(msg)


_GENERIC = ("problems during initiali", "There are some problems with the")


def _first_error(proc: subprocess.CompletedProcess[str]) -> str:
    """The first specific `Error:` block of Terraform's human output, on one line."""
    text = (proc.stderr or "") + "\n" + (proc.stdout or "")
    lines = [ln.strip(" │╷╵").strip() for ln in text.splitlines()]
    lines = [ln for ln in lines if ln]
    found = []
    for i, line in enumerate(lines):
        if line.startswith("Error:"):
            rest = []
            for follow in lines[i + 1:i + 5]:
                if follow.startswith("Error:"):
                    break
                rest.append(follow)
            found.append(f"{line[6:].strip()}: {' '.join(rest)}"[:500])
    specific = [f for f in found if not any(g in f for g in _GENERIC)]
    if specific or found:
        return (specific or found)[0]
    return (lines[-1] if lines else f"exit code {proc.returncode}")[:500]


def _error(verb: str, progress: Progress, log: Path, workdir: Path) -> TerraformError:
    local = not (workdir / BACKEND_FILE).exists()
    held = next((m for d in progress.errors if (m := lock_message(d, workdir, local))), None)
    if held:
        error = TerraformError(f"{verb} refused: {held}", progress.errors, log)
        error.locked = True
        return error
    if progress.errors:
        first = progress.errors[0].one_line()
        more = len(progress.errors) - 1
        extra = f" (+{more} more error{'s' if more > 1 else ''})" if more else ""
        message = f"{verb} failed: {first}{extra}; full log: {log}"
    else:
        message = f"{verb} failed; full log: {log}"
    return TerraformError(message, progress.errors, log)

"""Ctrl-C at a terminal and SIGTERM from a CI runner while Terraform runs.

A terminal sends its interrupt to the whole foreground process group. Terraform answers one
SIGINT by finishing the operations in flight, saving the state and releasing the lock; it
answers a second one with "Two interrupts received. Exiting immediately", and the state then
lacks what it had created. So Terraform runs in a session of its own (`OWN_SESSION`): the
terminal's interrupt reaches prodstack alone, and prodstack decides what Terraform receives:
exactly one SIGINT (`Stopper`, shared with the runner's watch of the emulator). A further
Ctrl-C or SIGTERM is not passed on; it says what prodstack waits for (`interruptible`). When
Terraform has exited, the state is read back (`saved`) and the message says what really
happened, never that the state was saved when it was not.

A prodstack killed outright (SIGKILL) leaves Terraform running to its end, saving state.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from prodstack.tf import state as tfstate
from prodstack.tf.progress import Progress, fmt_seconds

# Terraform and its short commands: a session of their own, no terminal to read from.
OWN_SESSION: dict[str, Any] = {"start_new_session": True, "stdin": subprocess.DEVNULL}
FORCED_EXIT = "Two interrupts received"  # Terraform's words when it exits without saving
ERRORED_STATE = "errored.tfstate"  # where Terraform writes a state it could not persist
SHOWN = 3  # addresses named in a message
# How often a run checks that its target is still there, and how long Terraform may take to
# stop (it saves state) once it is gone.
WATCH_SECONDS = 2.0
STOP_GRACE_SECONDS = 30.0


class Stopper:
    """Sends Terraform one SIGINT, whoever asks first (the user, a CI runner, the watch)."""

    def __init__(self, proc: subprocess.Popen[Any]) -> None:
        self.proc = proc
        self._sent = False
        self._lock = threading.Lock()

    @property
    def sent(self) -> bool:
        return self._sent

    def interrupt(self) -> bool:
        """True when this call sent it (every later call sends nothing)."""
        with self._lock:
            if self._sent or self.proc.poll() is not None:
                return False
            self._sent = True
        with contextlib.suppress(ProcessLookupError):
            self.proc.send_signal(signal.SIGINT)
        return True


@contextlib.contextmanager
def interruptible(what: Callable[[float], str]) -> Iterator[None]:
    """While Terraform runs: the first SIGINT or SIGTERM raises KeyboardInterrupt (the runner
    then passes one interrupt on and waits), and at once makes every later one print
    `what(since)`, what prodstack waits for, instead: two Ctrl-C typed in a row cannot cut
    the wait short, nor the report that follows (after an interrupt, later ones are only
    answered until the process exits). Outside the main thread there is nothing to handle."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    since = [0.0]

    def tell(signum: int, frame: object) -> None:
        del signum, frame
        print(f"\nprodstack: {what(since[0])}", file=sys.stderr, flush=True)

    def first(signum: int, frame: object) -> None:
        del signum, frame
        since[0] = time.monotonic()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, tell)
        raise KeyboardInterrupt

    def late(signum: int, frame: object) -> None:
        del signum, frame
        print("\nprodstack: already stopping: it says what Terraform saved, then exits",
              file=sys.stderr, flush=True)

    previous = {sig: signal.signal(sig, first) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            # Once interrupted, the command only reports and exits: a later Ctrl-C must not
            # cut that short (the line that says what the state holds would be lost).
            signal.signal(sig, late if since[0] else handler)


def _names(addresses: list[str]) -> str:
    more = len(addresses) - SHOWN
    return ", ".join(addresses[:SHOWN]) + (f" and {more} more" if more > 0 else "")


def still_waiting(progress: Progress, pid: int, since: float) -> str:
    """What a second Ctrl-C is told."""
    busy = sorted(progress.current, key=progress.current.__getitem__)
    doing = (f"to finish {len(busy)} operation(s) in flight ({_names(busy)})" if busy
             else "to exit")
    return (f"still waiting for Terraform (pid {pid}) {doing} and save the state "
            f"({fmt_seconds(time.monotonic() - since)} since the interrupt). It was "
            "interrupted once; prodstack does not pass on a second interrupt, because "
            "Terraform would then exit without saving what it created.")


def _addresses(state: dict[str, Any]) -> set[str]:
    """Every instance address the state holds (`aws_subnet.public[0]`, `x.y["k"]`)."""
    found: set[str] = set()
    for res in tfstate.managed(state):
        base = tfstate.address(res)
        for inst in res.get("instances") or []:
            if not isinstance(inst, dict) or inst.get("deposed"):
                continue
            key = inst.get("index_key")
            if key is None:
                found.add(base)
            elif isinstance(key, int):
                found.add(f"{base}[{key}]")
            else:
                found.add(f'{base}["{key}"]')
    return found


def saved(progress: Progress, state: dict[str, Any] | None, workdir: Path,
          started: float, forced: bool) -> list[str]:
    """What the state read back after the interrupt does not hold (empty: all of it).

    `state` is None when it could not be read; `started`: when the run began (wall clock,
    compared with `errored.tfstate`'s time). Checked: Terraform did not exit without
    saving (`forced`), wrote no `errored.tfstate`, released its lock, and the state holds
    every resource it reported created or changed and none it reported destroyed."""
    problems: list[str] = []
    if forced:
        problems.append(f"Terraform exited without saving (\"{FORCED_EXIT}\")")
    errored = workdir / ERRORED_STATE
    if errored.exists() and errored.stat().st_mtime >= started - 1:
        problems.append(f"Terraform could not write the state and left it in {errored}: run "
                        f"`terraform state push {ERRORED_STATE}` in {workdir} before anything "
                        "else")
    if any("releasing the state lock" in d.summary.lower() for d in progress.errors):
        problems.append("Terraform could not release the state lock")
    if state is None:
        problems.append("the state cannot be read back")
        return problems
    held = _addresses(state)
    managed = [(a, action) for a, action in progress.completed
               if action != "read" and not a.startswith("data.") and ".data." not in a]
    missing = [a for a, action in managed if action != "delete" and a not in held]
    lingering = [a for a, action in managed if action == "delete" and a in held]
    if missing:
        problems.append(f"the state lacks {len(missing)} resource(s) Terraform reported "
                        f"created ({_names(missing)}): they exist, unknown to Terraform")
    if lingering:
        problems.append(f"the state still lists {len(lingering)} resource(s) Terraform "
                        f"reported destroyed ({_names(lingering)})")
    return problems


def message(verb: str, progress: Progress, state: dict[str, Any] | None,
            problems: list[str], log: Path) -> str:
    """The one line an interrupted run ends with: what really happened."""
    if verb == "plan":
        return f"interrupted while planning: nothing was changed (log: {log})"
    where = f"interrupted after {progress.done} of {progress.total} resources"
    if problems:
        return (f"{where}, and the state was NOT fully saved: {'; '.join(problems)} "
                f"(log: {log})")
    count = len(tfstate.managed(state or {}))
    return (f"{where}: Terraform finished what was in flight and saved the state (read "
            f"back: {count} resources, every change it reported), so running the command "
            f"again continues from there (log: {log})")


class Watch:
    """Checks `gone()` while Terraform runs; once the target went away, Terraform is asked to
    stop (one SIGINT through the run's `Stopper`: it saves the state it has) and killed if it
    has not after the grace time. Without this, the provider would retry and wait against a
    closed port for minutes."""

    def __init__(self, stopper: Stopper, gone: Callable[[], str | None]) -> None:
        self.stopper, self.gone = stopper, gone
        self.reason: str | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._done.wait(WATCH_SECONDS):
            reason = self.gone()
            if reason is None:
                continue
            self.reason = reason
            self.stopper.interrupt()
            if not self._done.wait(STOP_GRACE_SECONDS):
                with contextlib.suppress(ProcessLookupError):
                    self.stopper.proc.kill()
            return

    def stop(self) -> bool:
        """End the watch; True when it stopped Terraform because the target went away."""
        self._done.set()
        self._thread.join()
        return self.reason is not None

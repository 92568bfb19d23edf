"""What the fault tests share: a prodstack process to signal, waiting on a condition with a
named timeout, a journal's steps, the one-line errors on stderr."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.e2e.conftest import Cli

# A deploy with short steps and polls, bounded to a minute.
DEPLOY = ("--step-seconds", "4", "--poll-seconds", "0.2", "--timeout", "60")


def _ctrl_c_as_in_a_terminal() -> None:
    # A runner started in the background of a non-interactive shell ignores SIGINT, and its
    # children inherit that; a user's Ctrl-C reaches a process that has the default handler.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def popen(cli: Cli, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PRODSTACK_HOME": str(cli.home)}
    return subprocess.Popen([sys.executable, "-m", "prodstack", *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=_ctrl_c_as_in_a_terminal)


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def error_lines(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if ln.startswith("prodstack: error")]


def journal(home: Path, env: str = "dev") -> dict[str, Any]:
    try:
        return json.loads((home / f"local-{env}" / "journal.json").read_text())
    except (OSError, ValueError):
        return {}


def at_step(home: Path, step: str, env: str = "dev", **detail: Any) -> Callable[[], bool]:
    def reached() -> bool:
        steps = journal(home, env).get("steps", [])
        return any(s["step"] == step and all(s.get(k) == v for k, v in detail.items())
                   for s in steps)
    return reached

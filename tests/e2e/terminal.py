"""A prodstack process at a terminal, as a person runs it: a pseudo-terminal is its
controlling terminal and its process group the terminal's foreground group, so a Ctrl-C
typed into the terminal (`ctrl_c`: the terminal's interrupt character) makes the kernel send
SIGINT to every process of that group, as a real terminal does. The tests and
`bench/interrupts.py` share it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable
from pathlib import Path

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]|\r")


def _controlling_terminal() -> None:
    # In the child, after setsid (start_new_session): the pty on stdin becomes this session's
    # controlling terminal, and this process group its foreground group.
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Terminal:
    """`prodstack ARGS` with a pseudo-terminal as its terminal; the output is collected."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path | None = None,
                 command: list[str] | None = None) -> None:
        master, slave = os.openpty()
        attrs = termios.tcgetattr(slave)
        interrupt = attrs[6][termios.VINTR]
        self.interrupt = interrupt if isinstance(interrupt, bytes) else bytes([interrupt])
        self._master = master
        self._chunks: list[bytes] = []
        self._lock = threading.Lock()
        self.proc = subprocess.Popen(
            [*(command or [sys.executable, "-m", "prodstack"]), *args], stdin=slave,
            stdout=slave, stderr=slave, env=env, cwd=cwd, start_new_session=True,
            preexec_fn=_controlling_terminal, close_fds=True)
        os.close(slave)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self._master, 4096)
            except OSError:  # the last process holding the terminal exited
                return
            if not chunk:
                return
            with self._lock:
                self._chunks.append(chunk)

    @property
    def output(self) -> str:
        """What the terminal showed so far, without the status line's escapes."""
        with self._lock:
            text = b"".join(self._chunks).decode(errors="replace")
        return _ANSI.sub("\n", text)

    def ctrl_c(self) -> None:
        """Type the terminal's interrupt character (the kernel signals the foreground group)."""
        os.write(self._master, self.interrupt)

    def wait_for(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            if self.proc.poll() is not None:
                raise AssertionError(f"prodstack exited ({self.proc.returncode}) before "
                                     f"{what}:\n{self.output[-3000:]}")
            time.sleep(0.2)
        raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}:\n"
                             f"{self.output[-3000:]}")

    def finish(self, timeout: float) -> int:
        """Wait for the exit; its code (the process is killed after `timeout`)."""
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"prodstack did not exit within {timeout:.0f} s:\n"
                                 f"{self.output[-3000:]}") from None
        self._reader.join(timeout=10)
        with contextlib.suppress(OSError):
            os.close(self._master)
        return code


def created(log: Path) -> set[str]:
    """Addresses the apply log reports created or changed."""
    out = set()
    for line in log.read_text(errors="replace").splitlines():
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        hook = msg.get("hook", {}) if isinstance(msg, dict) else {}
        if msg.get("type") == "apply_complete" and hook.get("action") in ("create", "update"):
            out.add(hook["resource"]["addr"])
    return out


def in_state(state: Path) -> set[str]:
    """Addresses the state file holds (none when it does not exist)."""
    data = json.loads(state.read_text()) if state.exists() else {}
    found = set()
    for res in data.get("resources", []):
        if res.get("mode") != "managed":
            continue
        base = f"{res['type']}.{res['name']}"
        for inst in res.get("instances", []):
            key = inst.get("index_key")
            found.add(base if key is None else f"{base}[{key}]" if isinstance(key, int)
                      else f'{base}["{key}"]')
    return found

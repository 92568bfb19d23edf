"""pytest plugin for bench/suite_times.py: each test's tier, wall time and CPU time, as JSON
lines in the file named by PRODSTACK_SUITE_TIMES (one file per xdist worker).

CPU time counts the whole process tree of the worker: its own, its reaped children's, and
that of every live descendant (Terraform, the provider, the emulator). An emulator started
by a `prodstack` subprocess outlives its parent; the worker makes itself a child subreaper
(Linux) so that such processes stay its descendants, and reaps the ones that end (never a
process the worker started itself, whose exit status a test may wait for).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import multiprocessing.process
import os
import resource
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

_PR_SET_CHILD_SUBREAPER = 36
_TICKS = os.sysconf("SC_CLK_TCK")
_started: set[int] = set()  # pids this worker started with subprocess


def _track_popen() -> None:
    original = subprocess.Popen._execute_child  # type: ignore[attr-defined]

    def execute_child(self: subprocess.Popen[Any], *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        _started.add(self.pid)

    subprocess.Popen._execute_child = execute_child  # type: ignore[attr-defined]
    start = multiprocessing.process.BaseProcess.start

    def start_process(self: multiprocessing.process.BaseProcess) -> None:
        start(self)
        if self.pid:
            _started.add(self.pid)

    multiprocessing.process.BaseProcess.start = start_process  # type: ignore[method-assign]


def _stat(pid: int) -> tuple[int, str, float] | None:
    """(parent pid, state, CPU seconds of the process and its reaped children)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    ppid, state = int(fields[1]), fields[0]
    cpu = sum(int(v) for v in fields[11:15]) / _TICKS  # utime stime cutime cstime
    return ppid, state, cpu


def _reap_adopted() -> None:
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) in _started:
            continue
        info = _stat(int(entry))
        if info and info[0] == me and info[1] == "Z":
            with contextlib.suppress(ChildProcessError):
                os.waitpid(int(entry), os.WNOHANG)


def tree_cpu() -> float:
    """CPU seconds used so far by this process and everything below it."""
    _reap_adopted()
    me = os.getpid()
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (info := _stat(int(entry))):
            parents[int(entry)], cpu[int(entry)] = info[0], info[2]
    live = 0.0
    for pid in cpu:
        up, seen = parents.get(pid), 0
        while up and up != me and seen < 64:
            up, seen = parents.get(up), seen + 1
        if up == me:
            live += cpu[pid]
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime + live


def tier(item: pytest.Item) -> str:
    names = {m.name for m in item.iter_markers()}
    return next((t for t in ("e2e", "plan", "emulator") if t in names), "fast")


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("PRODSTACK_SUITE_TIMES"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
        _track_popen()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    out = os.environ.get("PRODSTACK_SUITE_TIMES")
    if not out:
        yield
        return
    wall, cpu = time.perf_counter(), tree_cpu()
    yield
    record = {"nodeid": item.nodeid, "file": item.nodeid.split("::", 1)[0], "tier": tier(item),
              "wall": time.perf_counter() - wall, "cpu": tree_cpu() - cpu,
              "worker": os.environ.get("PYTEST_XDIST_WORKER", "main")}
    with open(f"{out}.{record['worker']}", "a") as sink:
        sink.write(json.dumps(record) + "\n")

"""Times the test suite: wall and CPU time by tier, and the ten slowest files.

Usage: python bench/suite_times.py [--workers N] [--runs N] [--json FILE] [PYTEST_ARGS...]
Runs pytest the way `make test` does (`-n N --dist loadfile`, the longest files first) with
bench/suite_plugin.py, which records each test's tier (fast, emulator, plan, e2e: its marker),
wall time and the CPU time of its whole process tree (Terraform, the provider, the emulator).
Prints, per run, the elapsed time and the CPU used, the tiers (tests, summed wall, summed CPU)
and the ten files with the most wall time; with several runs, the median elapsed time.
Extra arguments go to pytest (a folder, `-m "not e2e"`, …).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import ctypes
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TIERS = ("fast", "emulator", "plan", "e2e")


def _subreaper() -> None:
    """Processes the tests leave behind (an emulator whose parent exited) stay ours, so their
    CPU time is counted when they end (Linux; elsewhere it is not counted)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def _reap_orphans() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def run_once(workers: int, extra: list[str]) -> tuple[float, float, int, list[dict[str, Any]]]:
    """(elapsed seconds, CPU seconds of everything pytest started, exit code, records)."""
    with tempfile.TemporaryDirectory(prefix="prodstack-suite-") as scratch:
        out = Path(scratch) / "times"
        env = {**os.environ, "PRODSTACK_SUITE_TIMES": str(out),
               "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "bench"),
                                                           os.environ.get("PYTHONPATH")]))}
        args = [sys.executable, "-m", "pytest", "-p", "suite_plugin", "-q",
                "-p", "no:cacheprovider"]
        if workers > 0:
            args += ["-n", str(workers), "--dist", "loadfile", "--no-loadscope-reorder"]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        code = subprocess.run([*args, *extra], cwd=ROOT, env=env, check=False).returncode
        elapsed = time.perf_counter() - started
        _reap_orphans()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        records = [json.loads(line) for path in Path(scratch).glob("times.*")
                   for line in path.read_text().splitlines() if line.strip()]
    return elapsed, cpu, code, records


def report(elapsed: float, cpu: float, code: int, records: list[dict[str, Any]]) -> None:
    print(f"\nelapsed {elapsed:7.1f} s   CPU {cpu:7.1f} s (pytest and what it started, "
          f"reaped)   exit {code}")
    print(f"{'tier':<10}{'tests':>7}{'wall (s)':>11}{'CPU (s)':>10}")
    for tier in TIERS:
        rows = [r for r in records if r["tier"] == tier]
        print(f"{tier:<10}{len(rows):>7}{sum(r['wall'] for r in rows):>11.1f}"
              f"{sum(r['cpu'] for r in rows):>10.1f}")
    files: dict[str, list[float]] = collections.defaultdict(lambda: [0.0, 0.0, 0])
    tiers: dict[str, str] = {}
    for r in records:
        files[r["file"]][0] += r["wall"]
        files[r["file"]][1] += r["cpu"]
        files[r["file"]][2] += 1
        tiers[r["file"]] = r["tier"]
    print("\nten slowest files (summed wall time of their tests):")
    print(f"{'wall (s)':>9}{'CPU (s)':>9}{'tests':>7}  {'tier':<9}file")
    for name, (wall, used, count) in sorted(files.items(), key=lambda kv: -kv[1][0])[:10]:
        print(f"{wall:>9.1f}{used:>9.1f}{count:>7}  {tiers[name]:<9}{name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=int(os.environ.get(
        "PYTEST_WORKERS", "4")), help="pytest-xdist workers (0: none); default as make test")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write every test's record here")
    opts, extra = parser.parse_known_args()
    _subreaper()
    elapsed: list[float] = []
    for _ in range(opts.runs):
        seconds, cpu, code, records = run_once(opts.workers, extra)
        elapsed.append(seconds)
        report(seconds, cpu, code, records)
        if opts.json:
            opts.json.write_text(json.dumps(records, indent=1) + "\n")
    if opts.runs > 1:
        print(f"\nmedian elapsed over {opts.runs} runs: {statistics.median(elapsed):.1f} s")


if __name__ == "__main__":
    main()

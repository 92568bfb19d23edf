"""Times the loop on the emulator: synth, validate, up, no-op plan, verify, down.

Usage: python bench/loop.py [--rounds N] [--env ENV]
Each round deploys and purges the stack in a scratch PRODSTACK_HOME with its own emulator;
synth (as a whole process) runs five times per round. Prints the median of each step.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict


def timed(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "prodstack", *args], env=env,
                          capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if proc.returncode not in (0,):
        sys.exit(f"prodstack {' '.join(args)} failed ({proc.returncode}): "
                 f"{proc.stderr.strip()[-500:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--env", default="production")
    opts = parser.parse_args()
    times: dict[str, list[float]] = defaultdict(list)
    with tempfile.TemporaryDirectory(prefix="prodstack-bench-") as home:
        env = {**os.environ, "PRODSTACK_HOME": home}
        e = ["--env", opts.env]
        try:
            for _ in range(opts.rounds):
                for _ in range(5):
                    times["synth"].append(timed(["synth", *e], env))
                times["validate"].append(timed(["validate", *e], env))
                times["up"].append(timed(["up", *e], env))
                times["plan (no-op)"].append(timed(["plan", "--detailed-exitcode", *e], env))
                times["verify"].append(timed(["verify", *e], env))
                times["down --purge"].append(timed(["down", "--yes", "--purge", *e], env))
        finally:
            subprocess.run([sys.executable, "-m", "prodstack", "emulator", "stop"], env=env,
                           capture_output=True, check=False)
    print(f"prodstack loop, {opts.env}, {opts.rounds} round(s), medians:")
    for step, values in times.items():
        print(f"  {step:<14} {statistics.median(values):7.2f} s   (n={len(values)})")


if __name__ == "__main__":
    main()

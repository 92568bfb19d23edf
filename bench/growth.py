"""How synth and plan grow with the stack: the production stack over 2, 3 and 4 AZs.

Usage: python bench/growth.py [--rounds N]
The stacks are planned in us-east-1 (us-west-1 offers two zones to most accounts).
Synth is timed as a whole process (`prodstack synth`); plan is the offline plan of the aws
target's configuration against the emulator (`terraform plan`, empty state, no refresh), as
`prodstack audit`/`cost` run it; audit is the static rules over that plan. Prints medians and
resource counts.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

REGION = "us-east-1"


def _synth_seconds(azs: int, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "prodstack", "synth", "--set", f"azs={azs}",
                    "--set", f"region={REGION}"],
                   env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="prodstack-growth-") as home:
        os.environ["PRODSTACK_HOME"] = home
        env = {**os.environ}
        from prodstack.catalog.model import AuditInput
        from prodstack.config.load import load_settings
        from prodstack.ops.audit.engine import run as run_audit
        from prodstack.ops.offline_plan import _plan_stack_cached
        from prodstack.runtime import emulator
        from prodstack.tf.plan import load_plan

        emulator.start()
        try:
            print("azs  resources  synth (s)  plan (s)  audit (ms)")
            for azs in (2, 3, 4):
                synth = [_synth_seconds(azs, env) for _ in range(opts.rounds)]
                plans, audits, count = [], [], 0
                for _ in range(opts.rounds):
                    _plan_stack_cached.cache_clear()
                    started = time.perf_counter()
                    data = _plan_stack_cached(load_settings(overrides=[f"azs={azs}",
                                                                   f"region={REGION}"]), False)
                    plans.append(time.perf_counter() - started)
                    started = time.perf_counter()
                    run_audit(AuditInput(plan=load_plan(data, "bench")), env="production")
                    audits.append((time.perf_counter() - started) * 1000)
                    count = len(data.get("resource_changes", []))
                print(f"{azs:>3}  {count:>9}  {statistics.median(synth):9.2f}  "
                      f"{statistics.median(plans):8.1f}  {statistics.median(audits):10.1f}")
        finally:
            emulator.stop()


if __name__ == "__main__":
    main()

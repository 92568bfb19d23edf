"""How long `prodstack audit` takes on a real production plan (~150 resources), beyond process
start: the audit's imports once, then the median of repeated runs of read JSON + build the
plan reader + run every rule.

    .venv/bin/python bench/audit_speed.py [PLAN_JSON] [--runs N]

Without PLAN_JSON it plans prodstack's production stack offline first (needs terraform, the
provider mirror in PRODSTACK_PLUGIN_MIRROR and the emulator, which it starts and stops in a
scratch PRODSTACK_HOME). The target is well under 1 s; exit 1 when the median is not.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

_T0 = time.perf_counter()
from prodstack.audit.command import own_stack_input  # noqa: E402
from prodstack.audit.config import read_texts  # noqa: E402
from prodstack.audit.engine import run  # noqa: E402
from prodstack.catalog.model import AuditInput  # noqa: E402
from prodstack.settings import load_settings  # noqa: E402
from prodstack.tf.plan import load_plan  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - _T0


def _production_plan(scratch: Path) -> str:
    from prodstack import emulator

    os.environ["PRODSTACK_HOME"] = str(scratch)
    emulator.start()
    try:
        return json.dumps(own_stack_input(load_settings(env="production")).plan.data)
    finally:
        emulator.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description="median time of auditing a plan JSON")
    parser.add_argument("plan", nargs="?", help="plan JSON (terraform show -json)")
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    if args.plan:
        text = Path(args.plan).read_text()
    else:
        with tempfile.TemporaryDirectory(prefix="audit-bench-") as tmp:
            print("planning the production stack offline...", file=sys.stderr)
            text = _production_plan(Path(tmp))
    config = read_texts({})
    times: list[float] = []
    findings = resources = 0
    for _ in range(args.runs):
        start = time.perf_counter()
        plan = load_plan(json.loads(text), "bench")
        result = run(AuditInput(plan, config), env="production")
        times.append(time.perf_counter() - start)
        findings, resources = len(result.findings), result.resources
    median = statistics.median(times)
    print(f"audit of {resources} resources ({len(text) // 1024} KiB of plan JSON), "
          f"{findings} findings: median {median * 1000:.1f} ms over {args.runs} runs "
          f"(min {min(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms); "
          f"imports {IMPORT_SECONDS * 1000:.0f} ms once")
    return 0 if median < 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())

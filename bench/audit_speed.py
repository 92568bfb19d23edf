"""How long `prodstack audit` takes: on a plan JSON (the rules alone, and the whole
process), and on folders in directory mode (planning included), next to checkov on the same
folders.

    .venv/bin/python bench/audit_speed.py [PLAN_JSON] [--runs N] [--process-runs N]
    .venv/bin/python bench/audit_speed.py --folders [FOLDER...] [--folder-runs N]

Plan JSON: the audit's imports once, then the median of repeated runs of read JSON + build
the plan reader + run every rule; then `prodstack audit PLAN_JSON --format json` as a whole
process (interpreter start and imports included, with Python's bytecode cache on, as an
installed prodstack has it: one run first fills it), median of `--process-runs`. Without
PLAN_JSON it plans prodstack's production stack offline first. Targets: the rules well under
1 s, the whole process under 0.3 s; exit 1 when a median is not. The machine's load average
is printed with the figures (medians on a shared machine move with it).

Folders (default: the test fixtures shaped like terraform-aws-modules' examples, and
prodstack's own production stack synthesized into a folder): `prodstack audit FOLDER` in its
own process, with the emulator already running (its start is timed once and printed). Cold:
no scratch copy and an empty plugin cache, as on a first audit; warm: the same audit again
(scratch copy, provider links and init kept). The median of `--folder-runs` runs of each,
and of checkov on the same folder (`.venv-checkov`, made by scripts/checkov_gate.py; offline:
`--skip-download`, CKV_SKIP_PACKAGE_UPDATE_CHECK=1, BC_SKIP_MAPPING=TRUE). Needs terraform
and the provider mirror in PRODSTACK_PLUGIN_MIRROR; everything runs in a scratch
PRODSTACK_HOME, and the emulator is stopped at the end. Prints a table; no threshold.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_T0 = time.perf_counter()
from prodstack.catalog.model import AuditInput  # noqa: E402
from prodstack.config.load import load_settings  # noqa: E402
from prodstack.ops.audit.engine import run  # noqa: E402
from prodstack.ops.audit.inputs import own_stack_input  # noqa: E402
from prodstack.tf.folder import read_texts  # noqa: E402
from prodstack.tf.plan import load_plan  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - _T0
ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "audit" / "fixtures"
FOLDERS = {  # shaped like: terraform-aws-modules/...
    "vpc, registry module installed": FIXTURES / "installed",
    "vpc, flow log via a local (../../)": FIXTURES / "flow_log_local" / "examples" / "single",
    "alb, dynamic listeners (../../)": FIXTURES / "alb_module" / "examples" / "complete",
    "envs/prod + ../../modules (nested)": FIXTURES / "tree" / "envs" / "prod",
}
CHECKOV = Path(os.environ.get("CHECKOV_VENV", ROOT / ".venv-checkov")) / "bin" / "checkov"
CHECKOV_ENV = {"CKV_SKIP_PACKAGE_UPDATE_CHECK": "1", "BC_SKIP_MAPPING": "TRUE"}


def _production_plan(scratch: Path) -> str:
    from prodstack.runtime import emulator

    os.environ["PRODSTACK_HOME"] = str(scratch)
    emulator.start()
    try:
        return json.dumps(own_stack_input(load_settings(env="production")).plan.data)
    finally:
        emulator.stop()


def plan_json(args: argparse.Namespace) -> int:
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
    whole = _whole_process(text, args.process_runs)
    print(f"prodstack audit PLAN_JSON as a process: median {whole * 1000:.0f} ms over "
          f"{args.process_runs} runs (target 300 ms); load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; {os.cpu_count()} cores")
    return 0 if median < 1.0 and whole < 0.3 else 1


def _whole_process(text: str, runs: int) -> float:
    """The median wall time of `prodstack audit PLAN --format json` in a process of its own,
    with bytecode caching on (PYTHONDONTWRITEBYTECODE unset; the first run fills the cache)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory(prefix="audit-bench-") as tmp:
        plan = Path(tmp) / "plan.json"
        plan.write_text(text)
        argv = [sys.executable, "-m", "prodstack", "audit", str(plan), "--format", "json"]
        _timed(argv, env, (0, 1))
        return statistics.median(_timed(argv, env, (0, 1))[0] for _ in range(runs))


# -- folders ---------------------------------------------------------------------------------


def _timed(argv: list[str], env: dict[str, str], ok: tuple[int, ...]) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if proc.returncode not in ok:
        raise RuntimeError(f"{' '.join(argv[:3])}: exit {proc.returncode}: "
                           f"{(proc.stderr.strip().splitlines() or [''])[-1]}")
    return seconds, proc.stdout


def _audit(folder: Path, home: Path) -> tuple[float, int]:
    env = {**os.environ, "PRODSTACK_HOME": str(home)}
    seconds, out = _timed([sys.executable, "-m", "prodstack", "audit", str(folder),
                           "--format", "json"], env, (0, 1))
    return seconds, int(json.loads(out)["resources"])


def _cold(home: Path) -> None:
    for part in ("offline-plans", "plugin-cache"):
        shutil.rmtree(home / part, ignore_errors=True)


def _checkov(folder: Path) -> float:
    env = {**os.environ, **CHECKOV_ENV}
    argv = [str(CHECKOV), "-d", str(folder), "--framework", "terraform", "--skip-download",
            "--quiet", "--compact", "-o", "json"]
    return _timed(argv, env, (0, 1))[0]


def _own_stack(into: Path) -> Path:
    from prodstack.ops.offline_plan import offline_settings
    from prodstack.stack import synth

    folder = into / "own-stack"
    synth.write(offline_settings(load_settings(env="production")), folder)
    return folder


def folders(args: argparse.Namespace) -> int:
    from prodstack.runtime import emulator

    if not os.environ.get("PRODSTACK_PLUGIN_MIRROR"):
        print("note: PRODSTACK_PLUGIN_MIRROR is not set; providers come from the registry",
              file=sys.stderr)
    runs = args.folder_runs
    with tempfile.TemporaryDirectory(prefix="audit-bench-") as tmp:
        home = Path(tmp) / "home"
        os.environ["PRODSTACK_HOME"] = str(home)
        chosen = {Path(f).name: Path(f) for f in args.folder} if args.folder else {
            **FOLDERS, "prodstack's own stack (production)": _own_stack(Path(tmp))}
        start = time.perf_counter()
        emulator.start()
        started = time.perf_counter() - start
        rows = []
        try:
            for name, folder in chosen.items():
                print(f"{name}: {runs} cold, {runs} warm, {runs} checkov...", file=sys.stderr)
                cold, warm, checkov = [], [], []
                resources = 0
                for _ in range(runs):
                    _cold(home)
                    seconds, resources = _audit(folder, home)
                    cold.append(seconds)
                for _ in range(runs):
                    warm.append(_audit(folder, home)[0])
                if CHECKOV.exists():
                    checkov = [_checkov(folder) for _ in range(runs)]
                rows.append((name, resources, cold, warm, checkov))
        finally:
            emulator.stop()
    width = max(len(r[0]) for r in rows)
    print(f"prodstack audit FOLDER (directory mode, planning included), median of {runs} runs;"
          f" emulator started once in {started:.1f} s; {os.cpu_count()} cores")
    print(f"{'folder':<{width}}  resources  cold (s)  warm (s)  checkov (s)")
    for name, resources, cold, warm, checkov in rows:
        ck = f"{statistics.median(checkov):11.1f}" if checkov else "  (missing)"
        print(f"{name:<{width}}  {resources:>9}  {statistics.median(cold):8.1f}  "
              f"{statistics.median(warm):8.1f}  {ck}")
    if not CHECKOV.exists():
        print(f"checkov: not installed at {CHECKOV} (scripts/checkov_gate.py makes it)")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description="how long prodstack audit takes")
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="a plan JSON (terraform show -json); with --folders, folders")
    parser.add_argument("--runs", type=int, default=21, help="runs over a plan JSON")
    parser.add_argument("--process-runs", type=int, default=9,
                        help="whole-process audits of the plan JSON")
    parser.add_argument("--folders", action="store_true",
                        help="directory mode on folders (default: the fixtures and the stack)")
    parser.add_argument("--folder-runs", type=int, default=3, help="runs of each, per folder")
    args = parser.parse_args()
    if args.folders:
        args.folder = args.paths
        return folders(args)
    if len(args.paths) > 1:
        parser.error("one plan JSON at most")
    args.plan = args.paths[0] if args.paths else None
    return plan_json(args)


if __name__ == "__main__":
    sys.exit(main())

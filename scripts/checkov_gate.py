"""Security scan gate (FM-7.3): checkov on prodstack's production plan, offline.

    .venv/bin/python scripts/checkov_gate.py [PLAN_JSON] [--json-out FILE]
    .venv/bin/python scripts/checkov_gate.py --install-only   # create .venv-checkov, no scan

checkov ships its own `hcl2` package, which clashes with `python-hcl2`, so it lives in its own
virtual environment, `.venv-checkov` (created with `pip install checkov` on first use; set
CHECKOV_VENV to put it elsewhere). Without PLAN_JSON the production stack is planned offline
first (terraform, PRODSTACK_PLUGIN_MIRROR, the emulator in a scratch PRODSTACK_HOME, stopped
afterwards). checkov runs with `--skip-download`, CKV_SKIP_PACKAGE_UPDATE_CHECK=1 and
BC_SKIP_MAPPING=TRUE (no network); a `.checkov.yaml` at the repository root is passed as its
config file (skips with their reasons). Prints passed/failed/skipped counts and every failed
check with its resource address; exits 1 when a check failed, 2 when checkov could not run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(os.environ.get("CHECKOV_VENV", ROOT / ".venv-checkov"))
OFFLINE_ENV = {"CKV_SKIP_PACKAGE_UPDATE_CHECK": "1", "BC_SKIP_MAPPING": "TRUE"}


def ensure_checkov() -> Path:
    checkov = VENV / "bin" / "checkov"
    if checkov.exists():
        return checkov
    print(f"creating {VENV} with checkov...", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(VENV / "bin" / "pip"), "install", "--quiet", "checkov"], check=True)
    return checkov


def production_plan(out: Path) -> None:
    """Plan prodstack's production stack (aws target) offline into `out`."""
    with tempfile.TemporaryDirectory(prefix="checkov-home-") as home:
        os.environ["PRODSTACK_HOME"] = home
        from prodstack.config.load import load_settings
        from prodstack.ops.offline_plan import plan_stack
        from prodstack.runtime import emulator

        emulator.start()
        try:
            out.write_text(json.dumps(plan_stack(load_settings(env="production"))))
        finally:
            emulator.stop()


def run_checkov(checkov: Path, plan: Path) -> dict[str, Any]:
    args = [str(checkov), "-f", str(plan), "--framework", "terraform_plan", "--skip-download",
            "--output", "json", "--compact", "--quiet"]
    config = ROOT / ".checkov.yaml"
    if config.exists():
        args += ["--config-file", str(config)]
    proc = subprocess.run(args, capture_output=True, text=True, check=False,
                          env={**os.environ, **OFFLINE_ENV})
    try:
        data = json.loads(proc.stdout)
    except json.JSONDecodeError:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        raise SystemExit(f"checkov did not produce a report (exit {proc.returncode}): "
                         f"{tail[0]}") from None
    reports = data if isinstance(data, list) else [data]
    return next((r for r in reports if r.get("check_type") == "terraform_plan"), reports[0])


def summarize(report: dict[str, Any]) -> tuple[dict[str, int], list[str]]:
    summary = report.get("summary") or {}
    counts = {k: int(summary.get(k, 0)) for k in ("passed", "failed", "skipped")}
    results = report.get("results") or {}
    lines = [f"{c['check_id']}  {c['resource']}  ({c['check_name']})"
             for c in results.get("failed_checks", [])]
    lines += [f"skipped {c['check_id']}  {c['resource']}: "
              f"{(c.get('check_result') or {}).get('suppress_comment', '')}"
              for c in results.get("skipped_checks", [])]
    return counts, sorted(lines)


def _config_skips() -> list[str]:
    """Check ids under `skip-check:` in .checkov.yaml (a plain list, read without PyYAML)."""
    config = ROOT / ".checkov.yaml"
    if not config.exists():
        return []
    ids, inside = [], False
    for line in config.read_text().splitlines():
        if line.startswith("skip-check:"):
            inside = True
        elif inside and line.strip().startswith("- "):
            ids.append(line.strip()[2:].strip())
        elif inside and line and not line.startswith((" ", "#")):
            inside = False
    return ids


def main() -> int:
    parser = argparse.ArgumentParser(description="checkov gate on the production plan")
    parser.add_argument("plan", nargs="?", type=Path, help="plan JSON (default: plan it now)")
    parser.add_argument("--json-out", type=Path, help="also write checkov's JSON report here")
    parser.add_argument("--install-only", action="store_true",
                        help="only create checkov's virtual environment (make test does this "
                             "while the tests run)")
    args = parser.parse_args()
    checkov = ensure_checkov()
    if args.install_only:
        return 0
    with tempfile.TemporaryDirectory(prefix="checkov-plan-") as tmp:
        plan = args.plan
        if plan is None:
            plan = Path(tmp) / "production-plan.json"
            print("planning the production stack offline...", file=sys.stderr)
            try:
                production_plan(plan)
            except Exception as exc:  # a UserError from prodstack: one line, exit 2
                print(f"checkov gate: {' '.join(str(exc).split())}", file=sys.stderr)
                return 2
        try:
            report = run_checkov(checkov, plan)
        except SystemExit as exc:
            print(f"checkov gate: {exc}", file=sys.stderr)
            return 2
    if args.json_out:
        args.json_out.write_text(json.dumps(report, indent=2))
    counts, lines = summarize(report)
    skip_ids = _config_skips()
    print(f"checkov on the production plan: {counts['passed']} passed, {counts['failed']} "
          f"failed, {counts['skipped']} skipped in code, {len(skip_ids)} check ids skipped with "
          f"their reasons in .checkov.yaml ({', '.join(skip_ids)})")
    for line in lines:
        print(f"  {line}")
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())

"""Ctrl-C at random points of `prodstack up`, typed into a pseudo-terminal as a person does.

Usage: python bench/interrupts.py [--trials 10] [--env dev] [--seed N] [--latest S] [--twice]

Each trial starts from nothing (the emulator reset, the local state removed), runs `up` with
a pseudo-terminal as its terminal, types the interrupt character at a random moment of the
apply (sometimes twice), and then checks what the issue asks for:
- the message is true: when it says the state was saved, every resource the apply log
  reports created is in the state file (and it never says so when one is not);
- Terraform never exited without saving ("Two interrupts received");
- the next `up` converges (exit 0), and a re-plan shows no changes.
After the last trial, `down --yes --purge` must leave nothing. Prints one line per trial and a
summary; exits 1 when any trial failed. Runs in a scratch PRODSTACK_HOME with its own
emulator (stopped at the end).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.e2e.terminal import Terminal, created, in_state


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "prodstack", *args], env=env, text=True,
                          capture_output=True, check=False, timeout=1800)


def trial(n: int, env: dict[str, str], home: Path, opts: argparse.Namespace,
          rng: random.Random) -> bool:
    e = ["--env", opts.env]
    work = home / f"local-{opts.env}"
    shutil.rmtree(work, ignore_errors=True)
    run(["emulator", "reset"], env)
    logs_before = set(work.glob("logs/*-apply.log"))
    delay = rng.uniform(1.0, opts.latest)
    twice = opts.twice or rng.random() < 0.5
    term = Terminal(["up", *e], env)
    term.wait_for(lambda: bool(set(work.glob("logs/*-apply.log")) - logs_before), 600,
                  "the apply to start")
    time.sleep(delay)
    term.ctrl_c()
    if twice:
        time.sleep(rng.uniform(0.1, 2.0))
        term.ctrl_c()
    code = term.finish(900)
    text = " ".join(term.output.split())
    logs = sorted(set(work.glob("logs/*-apply.log")) - logs_before)
    missing = created(logs[-1]) - in_state(work / "terraform.tfstate") if logs else set()
    said_saved = "saved the state (read back" in text
    forced = "Two interrupts received" in (logs[-1].read_text() if logs else "")
    claim_true = (not said_saved or not missing) and (said_saved or "NOT fully saved" in text
                                                      or code == 0)
    started = time.monotonic()
    again = run(["up", *e], env)
    converge = time.monotonic() - started
    clean = run(["plan", *e, "--detailed-exitcode"], env).returncode == 0
    ok = claim_true and not forced and again.returncode == 0 and clean
    print(f"trial {n}: ^C at {delay:4.1f}s{' (twice)' if twice else '        '} exit {code}, "
          f"{'said saved' if said_saved else 'said NOT saved' if 'NOT fully' in text else '-'}"
          f", {len(missing)} created but not in state, forced={forced}, next up "
          f"{again.returncode} in {converge:.0f}s, re-plan clean={clean}: "
          f"{'ok' if ok else 'FAIL'}", flush=True)
    if not ok:  # what the person at the terminal read
        print("  terminal: " + text[-900:], flush=True)
    if again.returncode != 0:
        print("  " + again.stderr.strip().splitlines()[-1][:400], flush=True)
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--env", default="dev")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--twice", action="store_true",
                        help="always type the interrupt twice (else half of the trials)")
    parser.add_argument("--latest", type=float, default=60.0,
                        help="the latest moment of the apply for the Ctrl-C (seconds)")
    opts = parser.parse_args()
    seed = opts.seed if opts.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    print(f"seed {seed}", flush=True)
    with tempfile.TemporaryDirectory(prefix="prodstack-interrupts-") as scratch:
        home = Path(scratch)
        env = {**os.environ, "PRODSTACK_HOME": str(home)}
        run(["emulator", "start"], env)
        try:
            results = [trial(n, env, home, opts, rng) for n in range(1, opts.trials + 1)]
            purge = run(["down", "--env", opts.env, "--yes", "--purge"], env)
            left = purge.returncode == 0 and "is left" in purge.stdout
            print(f"down --purge: exit {purge.returncode}, "
                  f"{'nothing left' if left else purge.stderr.strip()[-400:]}", flush=True)
        finally:
            run(["emulator", "stop"], env)
    passed = sum(results)
    print(f"{passed}/{len(results)} trials ok; purge left nothing: {left}")
    return 0 if passed == len(results) and left else 1


if __name__ == "__main__":
    sys.exit(main())

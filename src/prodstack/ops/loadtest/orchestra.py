"""A run from the command's side: the engine process, the stack watch beside it, the report.

Starts `python -m prodstack.ops.loadtest SPEC_FILE` (the locust master, in a session of its own
so that a terminal's Ctrl-C reaches only this process, which then stops the engine cleanly),
shows its progress on the reporter (what it waits for, and a line every PROGRESS_EVERY_S),
polls the deployment while the load runs, waits for CloudWatch if asked to, and writes the
report files: report.json, report.html, locust.html, and PNG charts with the `charts` extra.
"""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prodstack.core.errors import UserError
from prodstack.core.reporting import Reporter
from prodstack.ops.loadtest import page, png
from prodstack.ops.loadtest import report as reports
from prodstack.ops.loadtest.figures import figures
from prodstack.ops.loadtest.limits import ENGINE_GRACE_S, PROGRESS_EVERY_S
from prodstack.ops.loadtest.slo import Rule
from prodstack.ops.loadtest.spec import Spec

if TYPE_CHECKING:
    from prodstack.ops.loadtest.stackwatch import StackWatch

INTERRUPT_GRACE_S = 30.0


@dataclass
class Outcome:
    report: dict[str, Any]
    interrupted: bool


class Engine:
    """The engine process and its event stream."""

    def __init__(self, spec: Spec, folder: Path, say: Reporter) -> None:
        self.spec, self.folder, self.say = spec, folder, say.say
        self.started_at: float | None = None
        self.interrupted = False
        self._last_progress = 0.0
        self._told_waiting = (-1, 0.0)

    def run(self) -> dict[str, Any]:
        spec_file = self.folder / "spec.json"
        spec_file.write_text(self.spec.dumps(), encoding="utf-8")
        log = (self.folder / "engine.log").open("wb")
        proc = subprocess.Popen([sys.executable, "-m", "prodstack.ops.loadtest", str(spec_file)],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log,
                                start_new_session=True, text=True)
        lines: queue.Queue[str | None] = queue.Queue()

        def pump() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                lines.put(line)
            lines.put(None)

        threading.Thread(target=pump, daemon=True).start()
        deadline = time.monotonic() + (self.spec.worker_wait_s + self.spec.shape.duration_s
                                       + ENGINE_GRACE_S)
        try:
            self._follow(proc, lines, deadline)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            log.close()
        if proc.returncode != 0 or not Path(self.spec.out).exists():
            tail = (self.folder / "engine.log").read_text(errors="replace").strip().splitlines()
            raise UserError(f"the load test engine failed: "
                            f"{tail[-1] if tail else f'exit {proc.returncode}'} "
                            f"(log: {self.folder / 'engine.log'})")
        return dict(json.loads(Path(self.spec.out).read_text(encoding="utf-8")))

    def _follow(self, proc: subprocess.Popen[str], lines: queue.Queue[str | None],
                deadline: float) -> None:
        limit = deadline - time.monotonic()
        while True:
            try:
                try:
                    line = lines.get(timeout=0.5)
                except queue.Empty:
                    line = ""
                if line is None:
                    return
                if line:
                    self._event(json.loads(line))
            except KeyboardInterrupt:
                self._interrupt(proc)
                deadline = min(deadline, time.monotonic() + INTERRUPT_GRACE_S)
            if time.monotonic() > deadline:
                raise UserError(f"the load test did not finish within {limit:.0f} s: "
                                "stopped it")

    def _interrupt(self, proc: subprocess.Popen[str]) -> None:
        if not self.interrupted:
            self.interrupted = True
            self.say("interrupted: stopping the load and writing the report of what ran")
            proc.send_signal(signal.SIGTERM)

    def _event(self, event: dict[str, Any]) -> None:
        kind = event["event"]
        now = time.monotonic()
        if kind == "error":
            raise UserError(event["message"], exit_code=2)
        if kind == "master":
            self._master(event)
        elif kind == "waiting":
            joined, told_at = self._told_waiting
            if event["joined"] != joined or now - told_at >= PROGRESS_EVERY_S:
                self.say(f"waiting for workers: {event['joined']} of {event['expected']} "
                         f"joined (at most {self.spec.worker_wait_s:g} s)")
                self._told_waiting = (event["joined"], now)
        elif kind == "worker":
            self.say(f"worker {event['worker']} {event['what']}"
                     + (f": {event['detail']}" if event["detail"] else ""))
        elif kind == "started":
            self.started_at = event["at"]
            self._last_progress = now
            self.say(f"load started: {self.spec.shape.describe()}")
        elif kind == "tick" and now - self._last_progress >= PROGRESS_EVERY_S:
            self._last_progress = now
            self.say(f"{event['t']:.0f} s of {self.spec.shape.duration_s:g}: {event['users']} "
                     f"users, {event['rps']:g} req/s, p95 {event['p95_ms']:g} ms, "
                     f"{event['failures']} of {event['requests']} failed")

    def _master(self, event: dict[str, Any]) -> None:
        remote = self.spec.expect_workers - self.spec.workers
        if remote > 0:
            host = event["host"]
            extra = " --locustfile FILE" if self.spec.scenario.locustfile else ""
            self.say(f"master listening on {host}:{event['port']}; start {remote} worker(s) "
                     f"elsewhere with: prodstack loadtest-worker --master "
                     f"THIS_HOST:{event['port']}{extra}")


def execute(spec: Spec, folder: Path, url: str, rules: list[Rule], watch: StackWatch | None,
            metrics_delay_s: float, want_png: bool, reporter: Reporter) -> Outcome:
    """Run the load, watch the stack, write the report files; returns the report."""
    engine = Engine(spec, folder, reporter)
    if watch is not None:
        watch.start()
    try:
        result = engine.run()
    except BaseException:
        if watch is not None:
            watch.stop()
        raise
    if watch is not None and metrics_delay_s <= 0:
        watch.stop()
    ended_at = time.time()
    stack = None
    if watch is not None:
        if metrics_delay_s > 0:
            reporter.say(f"waiting {metrics_delay_s:g} s for CloudWatch to publish the run's "
                         "last minutes (--metrics-delay)")
            time.sleep(metrics_delay_s)
            watch.stop()
        stack = watch.collect(result["started_at"], ended_at + metrics_delay_s)
    workers = {"local": spec.workers, "expected": spec.expect_workers}
    report = reports.build(url, {"kind": spec.scenario.kind,
                                 "locustfile": spec.scenario.locustfile,
                                 "expect": spec.scenario.expect},
                           spec.shape, rules, result, stack, workers)
    write_files(report, folder, want_png)
    return Outcome(report, engine.interrupted)


def write_files(report: dict[str, Any], folder: Path, want_png: bool) -> None:
    files = report["files"]
    files.update(json=str(folder / "report.json"), json_name="report.json",
                 html=str(folder / "report.html"), locust_html=str(folder / "locust.html"),
                 locust_html_name="locust.html")
    if want_png:
        paths = png.write(figures(report), folder)
        files.update(png=[str(p) for p in paths], png_names=[p.name for p in paths])
    (folder / "report.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    (folder / "report.html").write_text(page.render(report), encoding="utf-8")

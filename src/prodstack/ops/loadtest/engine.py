"""A run's locust master (locust side): `python -m prodstack.ops.loadtest SPEC_FILE`.

Runs the users itself, or as locust's master with local worker processes and any that join
from other machines (each gets the run's `Scenario` as it joins); follows the shape; samples
the statistics every TICK_S into a timeline and per-stage windows; stops at the end of the
shape, at the request cap, when every worker is lost, on SIGTERM or SIGINT, or when the
command that started it is gone; writes the result JSON and locust's own HTML report.
Progress goes to stdout as JSON lines (`{"event": ...}`) for the command to show.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections import deque
from dataclasses import asdict
from pathlib import Path
from typing import Any

import gevent
from locust import argument_parser
from locust import runners as locust_runners
from locust.env import Environment
from locust.html import get_html_report
from locust.runners import MasterRunner, Runner
from locust.shape import LoadTestShape
from locust.stats import RequestStats, stats_history

from prodstack.ops.loadtest import guard
from prodstack.ops.loadtest import scenario as users
from prodstack.ops.loadtest.histogram import Window, difference
from prodstack.ops.loadtest.limits import (
    MAX_SLO_NAMES,
    REPORT_INTERVAL_S,
    TICK_S,
    WINDOW_S,
    WORKER_QUIT_S,
)
from prodstack.ops.loadtest.shapes import Shape
from prodstack.ops.loadtest.spec import HELLO, REFUSED, SCENARIO, Spec

TOP_ERRORS = 10


class EngineError(Exception):
    """A run that cannot start, said in one line."""


class FollowShape(LoadTestShape):
    """locust's view of our shape: (users, spawn rate) each second, None at the end."""

    def __init__(self, shape: Shape) -> None:
        super().__init__()
        self.shape = shape

    def tick(self) -> tuple[int, float] | None:
        t = self.get_run_time()
        if t >= self.shape.duration_s:
            return None
        return self.shape.users_at(t), self.shape.spawn_rate


def emit(event: str, **fields: Any) -> None:
    print(json.dumps({"event": event, **fields}), flush=True)


class Sampler:
    """Snapshots of the statistics every tick: the timeline (over a trailing window) and what
    happened in each stage, for all requests and per request name."""

    def __init__(self, shape: Shape, stats: RequestStats, keep: list[str]) -> None:
        self.shape, self.stats, self.keep = shape, stats, keep
        self.stages = shape.stages()
        self.stage_all = [Window() for _ in self.stages]
        self.stage_names: list[dict[str, Window]] = [{} for _ in self.stages]
        self.last_all: Window | None = None
        self.last_names: dict[str, Window] = {}
        self.recent: deque[tuple[float, Window]] = deque()
        self.timeline: list[dict[str, Any]] = []

    def _snapshot(self) -> tuple[Window, dict[str, Window]]:
        names: dict[str, Window] = {}
        for entry in list(self.stats.entries.values()):
            names.setdefault(entry.name, Window()).add(
                Window(entry.num_requests, entry.num_failures, dict(entry.response_times)))
        total = self.stats.total
        return Window(total.num_requests, total.num_failures, dict(total.response_times)), names

    def _stage_at(self, t: float) -> int:
        for i, stage in enumerate(self.stages):
            if t < stage.end_s:
                return i
        return len(self.stages) - 1

    def sample(self, t: float, users: int, record: bool = True) -> Window:
        """Take a snapshot at run time `t`; returns the run's totals so far."""
        total, names = self._snapshot()
        delta = difference(total, self.last_all)
        self.last_all = total
        i = self._stage_at(max(0.0, t - TICK_S / 2))  # what changed happened over the tick
        self.stage_all[i].add(delta)
        for name, window in names.items():
            change = difference(window, self.last_names.get(name))
            self.last_names[name] = window
            if change.requests:
                self.stage_names[i].setdefault(name, Window()).add(change)
        if record:
            self.recent.append((t, delta))
            while self.recent and self.recent[0][0] <= t - WINDOW_S:
                self.recent.popleft()
            window = Window()
            for _, change in self.recent:
                window.add(change)
            figures = window.figures(min(WINDOW_S, t) if t > 0 else TICK_S)
            self.timeline.append({
                "t": round(t, 2), "users": users,
                "target_users": self.shape.users_at(min(t, self.shape.duration_s)),
                **{k: figures[k] for k in ("rps", "errors_per_s", "p50_ms", "p95_ms", "p99_ms")}})
        return total

    def _kept(self, names: dict[str, Window]) -> list[str]:
        busiest = sorted(names, key=lambda n: -names[n].requests)[:MAX_SLO_NAMES]
        return sorted({*busiest, *(n for n in self.keep if n in names)})

    def result(self, elapsed: float) -> dict[str, Any]:
        stages = []
        for stage, all_window, names in zip(self.stages, self.stage_all, self.stage_names,
                                            strict=True):
            seconds = stage.end_s - stage.start_s
            stages.append({**asdict(stage), "all": all_window.figures(seconds),
                           "names": {n: names[n].figures(seconds) for n in self._kept(names)}})
        total = self.last_all or Window()
        return {"stages": stages, "timeline": self.timeline,
                "run": {"all": total.figures(elapsed),
                        "names": {n: self.last_names[n].figures(elapsed)
                                  for n in self._kept(self.last_names)}}}


def parsed_options() -> Any:
    """locust's default options, with rebalancing on: a lost worker's users move to the
    others."""
    parser = argument_parser.get_empty_argument_parser()
    argument_parser.setup_parser_arguments(parser)
    options = parser.parse(args=[])
    options.enable_rebalancing = True
    return options


class Engine:
    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        try:
            classes, self.notes = users.user_classes(spec.scenario)
        except users.ScenarioError as exc:
            raise EngineError(str(exc)) from None
        guard.install(spec.scenario.allowed)
        self.env = Environment(user_classes=classes, host=spec.scenario.base,
                               shape_class=FollowShape(spec.shape),
                               parsed_options=parsed_options(),
                               locustfile=spec.scenario.locustfile)
        self.sampler = Sampler(spec.shape, self.env.stats, spec.slo_names)
        self.interrupted = False
        self.parent = os.getppid()
        self.started_at = time.time()
        self.workers: list[dict[str, Any]] = []  # worker events, wall-clock "at"
        self.labels: dict[str, str] = {}
        self.lost: set[str] = set()  # client ids seen missing or gone
        self.local: list[tuple[subprocess.Popen[bytes], Path]] = []
        self.exited: set[int] = set()

    # -- workers ------------------------------------------------------------------------
    def _worker_event(self, client_id: str, event: str, detail: str = "") -> None:
        label = self.labels.get(client_id, client_id)
        self.workers.append({"at": time.time(), "worker": label, "event": event,
                             "detail": detail})
        emit("worker", worker=label, what=event, detail=detail)

    def _listen(self, runner: MasterRunner) -> None:
        scenario = asdict(self.spec.scenario)

        def joined(client_id: str, **_: Any) -> None:
            runner.send_message(SCENARIO, scenario, client_id=client_id)

        def hello(environment: Environment, msg: Any, **_: Any) -> None:
            self.labels[msg.node_id] = f"{msg.data['host']} pid {msg.data['pid']}"
            self._worker_event(msg.node_id, "joined")

        def refused(environment: Environment, msg: Any, **_: Any) -> None:
            self._worker_event(msg.node_id, "refused", str(msg.data.get("reason", "")))

        self.env.events.worker_connect.add_listener(joined)
        runner.register_message(HELLO, hello)
        runner.register_message(REFUSED, refused)

    def _start_local_workers(self, host: str, port: int) -> None:
        connect = {"*": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
        where = f"[{connect}]:{port}" if ":" in connect else f"{connect}:{port}"
        logs = Path(self.spec.log_dir)
        logs.mkdir(parents=True, exist_ok=True)
        extra = ["--locustfile", self.spec.scenario.locustfile] if \
            self.spec.scenario.locustfile else []
        for i in range(self.spec.workers):
            with open(logs / f"worker-{i + 1}.log", "wb") as log:
                self.local.append((subprocess.Popen(
                    [sys.executable, "-m", "prodstack.ops.loadtest.worker", "--master", where,
                     "--parent", str(os.getpid()), *extra],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                    start_new_session=True), logs / f"worker-{i + 1}.log"))

    def _active(self, runner: MasterRunner) -> int:
        clients = runner.clients
        return len(clients.ready + clients.spawning + clients.running)

    def _check_local(self) -> None:
        for proc, log in self.local:
            if proc.pid not in self.exited and proc.poll() is not None:
                self.exited.add(proc.pid)
                code = proc.returncode
                how = f"killed by signal {-code}" if code < 0 else f"exit {code}"
                self.workers.append({"at": time.time(), "worker": f"local pid {proc.pid}",
                                     "event": "exited", "detail": f"{how} (log: {log})"})
                emit("worker", worker=f"local pid {proc.pid}", what="exited", detail=how)

    def _wait_for_workers(self, runner: MasterRunner) -> None:
        deadline = time.monotonic() + self.spec.worker_wait_s
        told = -1
        while (joined := self._active(runner)) < self.spec.expect_workers:
            self._check_local()
            if self.exited and len(self.exited) == len(self.local) and self.local \
                    and self.spec.expect_workers <= len(self.local):
                raise EngineError("the local workers exited before the run started (logs in "
                                  f"{self.spec.log_dir})")
            if time.monotonic() > deadline or self.interrupted:
                raise EngineError(f"only {joined} of {self.spec.expect_workers} workers joined "
                                  f"within {self.spec.worker_wait_s:g} s")
            if joined != told:
                emit("waiting", joined=joined, expected=self.spec.expect_workers)
                told = joined
            gevent.sleep(0.2)

    def _watch(self, runner: Runner) -> None:
        self._check_local()
        if isinstance(runner, MasterRunner):
            for client in runner.clients.all:
                if client.state == locust_runners.STATE_MISSING and client.id not in self.lost:
                    self.lost.add(client.id)
                    self._worker_event(client.id, "lost", "no heartbeat: its users move to "
                                                          "the other workers")
            present = {client.id for client in runner.clients.all}
            for client_id in set(self.labels) - present - self.lost:
                self.lost.add(client_id)
                self._worker_event(client_id, "left")

    # -- the run ------------------------------------------------------------------------
    def start(self) -> Runner:
        if not self.spec.distributed:
            return self.env.create_local_runner()
        locust_runners.WORKER_REPORT_INTERVAL = REPORT_INTERVAL_S
        host, port = self.spec.master_bind or ("127.0.0.1", 0)
        runner = self.env.create_master_runner(host, port)
        self._listen(runner)
        emit("master", host=host, port=runner.server.port)
        self._start_local_workers(host, runner.server.port)
        self._wait_for_workers(runner)
        return runner

    def stop_reason(self, runner: Runner, t: float, total: Window) -> str | None:
        if t >= self.spec.shape.duration_s:
            return "the shape ended"
        if total.requests >= self.spec.max_requests:
            return f"the request cap ({self.spec.max_requests}) was reached"
        if isinstance(runner, MasterRunner) and not self._active(runner):
            return "every worker was lost"
        if self.interrupted:
            return "interrupted"
        if os.getppid() != self.parent:
            return "the command that started the run is gone"
        return None

    def run(self) -> dict[str, Any]:
        try:
            return self._run()
        finally:
            self._stop_local_workers()

    def _run(self) -> dict[str, Any]:
        runner = self.start()
        gevent.spawn(stats_history, runner)
        t0 = time.monotonic()
        self.started_at = time.time()
        runner.start_shape()
        emit("started", at=self.started_at)
        tick = t0
        while True:
            tick += TICK_S
            gevent.sleep(max(0.0, tick - time.monotonic()))
            t = time.monotonic() - t0
            total = self.sampler.sample(t, runner.user_count)
            self._watch(runner)
            emit("tick", **self.sampler.timeline[-1], requests=total.requests,
                 failures=total.failures)
            reason = self.stop_reason(runner, t, total)
            if reason:
                break
        runner.quit()  # a master also tells its workers to quit and waits for their last report
        elapsed = time.monotonic() - t0
        self.sampler.sample(elapsed, 0, record=False)
        self._write_locust_html()
        return self._result(runner, reason, elapsed)

    def _write_locust_html(self) -> None:
        try:
            Path(self.spec.locust_html).write_text(
                get_html_report(self.env, show_download_link=False), encoding="utf-8")
        except Exception as exc:  # locust's report is extra: the run's own report stands
            self.notes.append(f"locust's HTML report could not be written: {exc}")

    def _stop_local_workers(self) -> None:
        """Local workers quit when the master tells them; those that do not are killed."""
        deadline = time.monotonic() + WORKER_QUIT_S
        for proc, _ in self.local:
            while proc.poll() is None and time.monotonic() < deadline:
                gevent.sleep(0.1)
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    def _result(self, runner: Runner, reason: str, elapsed: float) -> dict[str, Any]:
        errors = sorted(self.env.stats.errors.values(), key=lambda e: -e.occurrences)
        if runner.cpu_warning_emitted or getattr(runner, "worker_cpu_warning_emitted", False):
            self.notes.append("a load generator's CPU went above 90 %: latencies include its "
                              "own delay; add --workers or machines")
        return {
            "started_at": self.started_at, "duration_s": round(elapsed, 2),
            "stop_reason": reason,
            **self.sampler.result(elapsed),
            "errors": [[f"{e.method} {e.name}: {' '.join(str(e.error).split())}"[:300],
                        e.occurrences] for e in errors[:TOP_ERRORS]],
            "workers": [{**w, "t": round(w["at"] - self.started_at, 2)} for w in self.workers],
            "notes": self.notes,
        }


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m prodstack.ops.loadtest SPEC_FILE", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger("locust").setLevel(logging.ERROR)
    spec = Spec.loads(Path(argv[0]).read_text(encoding="utf-8"))
    try:
        engine = Engine(spec)

        def interrupt() -> None:
            engine.interrupted = True

        gevent.signal_handler(signal.SIGTERM, interrupt)
        gevent.signal_handler(signal.SIGINT, interrupt)
        result = engine.run()
    except EngineError as exc:
        emit("error", message=str(exc))
        return 3
    Path(spec.out).write_text(json.dumps(result), encoding="utf-8")
    emit("done", stop_reason=result["stop_reason"])
    return 0

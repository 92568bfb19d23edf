"""Distributed runs on loopback: a master with local workers, a worker started by hand that
joins through --master-bind, a worker that dies, and a locustfile with per-name SLOs whose
users may reach only the run's address. Bounded: a few seconds each, a few users."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from tests.loadtest.conftest import LAUNCH, prodstack


def test_step_load_with_two_workers_names_the_breaking_step(server, tmp_path: Path) -> None:
    # The server slows down once more than 4 requests a second arrive: the step to 5 users
    # (one request per second each) breaks the p95 SLO, the step at 2 users does not.
    server.behaviour.slow_above_rps = 4
    server.behaviour.slow_s = 0.15
    started = time.monotonic()
    proc = prodstack("loadtest", server.url, "--shape", "step", "--start", "2", "--step", "3",
                     "--every", "2", "--users", "8", "--workers", "2", "--p95-ms", "100",
                     "--report", str(tmp_path))
    assert time.monotonic() - started < 40  # stopped on its own (6 s of load)
    assert proc.returncode == 1, proc.stderr
    assert "waiting for workers: 0 of 2 joined" in proc.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["workers"]["expected"] == 2
    assert [e["event"] for e in report["workers"]["events"]] == ["joined", "joined"]
    assert [(s["users_from"], s["start_s"]) for s in report["stages"]] == [(2, 0), (5, 2),
                                                                          (8, 4)]
    first = report["slo"]["first_broken"]
    assert first["stage"] == 1 and first["users_from"] == 5, report["stages"]
    assert report["stages"][0]["slo_misses"] == []
    assert "SLO first broken at stage 2: 5 users" in proc.stdout
    html = (tmp_path / "report.html").read_text()
    assert html.count("<svg") == 3  # load, latency, against load
    assert "SLO p95 all requests" in html and "SLO first broken at stage 2" in html
    assert (tmp_path / "locust.html").exists()


def test_a_worker_from_elsewhere_joins_the_run(server, tmp_path: Path) -> None:
    with subprocess.Popen([sys.executable, "-c", LAUNCH, "loadtest", server.url, "--users",
                           "4", "--duration", "2", "--master-bind", "127.0.0.1:0",
                           # about joining, not latency: a busy machine must not fail it
                           "--p95-ms", "10000",
                           "--expect-workers", "1", "--worker-wait", "30", "--report",
                           str(tmp_path), "--format", "json"], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as master:
        assert master.stderr is not None
        line = ""
        while "loadtest-worker --master" not in line:
            line = master.stderr.readline()
            assert line, "the master never said where to join"
        port = line.rsplit(":", 1)[1].split()[0]
        worker = prodstack("loadtest-worker", "--master", f"127.0.0.1:{port}", timeout=60)
        out, err = master.communicate(timeout=60)
    assert master.returncode == 0, err
    assert worker.returncode == 0, worker.stderr
    assert "in the run against http://127.0.0.1:" in worker.stderr
    report = json.loads(out)
    assert report["passed"] and report["totals"]["requests"] >= 4
    assert report["workers"]["events"][0]["event"] == "joined"


LOCUSTFILE = '''
import os, signal

import gevent
from locust import FastHttpUser, constant, task


class Shopper(FastHttpUser):
    wait_time = constant(0.25)

    @task(3)
    def fast(self):
        self.client.get("/fast")

    @task
    def slow(self):
        self.client.get("/slow/item")

    @task
    def elsewhere(self):
        self.client.get(os.environ["ELSEWHERE"], name="elsewhere")

    def on_start(self):
        if os.environ.get("DIE") and self.environment.runner.worker_index == 1:
            gevent.spawn_later(1.0, os.kill, os.getpid(), signal.SIGKILL)
'''


def run_locustfile(tmp_path: Path, server, other, *args: str, die: bool = False
                   ) -> subprocess.CompletedProcess[str]:
    locustfile = tmp_path / "shop.py"
    locustfile.write_text(LOCUSTFILE)
    env = {"ELSEWHERE": other.url, "PATH": "/usr/bin:/bin", **({"DIE": "1"} if die else {})}
    return subprocess.run([sys.executable, "-c", LAUNCH, "loadtest", server.url,
                           "--locustfile", str(locustfile), "--report", str(tmp_path / "r"),
                           "--max-error-rate", "1", *args], capture_output=True, text=True,
                          timeout=90, check=False, env=env)


def test_locustfile_slos_per_name_and_only_the_target(server, other_server,
                                                      tmp_path: Path) -> None:
    server.behaviour.slow_paths = ("/slow",)
    server.behaviour.delay_s = 0.12
    proc = run_locustfile(tmp_path, server, other_server, "--users", "4", "--duration", "2.5",
                          "--slo", "/fast:p95=80", "--slo", "/slow/item:p95=80",
                          "--slo", "/missing:p95=80")
    assert proc.returncode == 1, proc.stderr
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    overall = report["slo"]["overall"]
    assert any(m.startswith("p95 of /slow/item") for m in overall), overall
    assert not any("of /fast" in m for m in overall), overall
    assert any("no request named '/missing'" in m for m in overall), overall
    assert report["requests"]["/fast"]["failures"] == 0
    # The guard refused every request to the other loopback server: none arrived.
    assert report["requests"]["elsewhere"]["error_rate"] == 1.0
    assert other_server.behaviour.requests == 0
    assert any("refused" in message and "not the load test's target" in message
               for message, _ in report["errors"]), report["errors"]


def test_a_worker_that_dies_is_named_and_the_run_goes_on(server, other_server,
                                                         tmp_path: Path) -> None:
    proc = run_locustfile(tmp_path, server, other_server, "--users", "4", "--duration", "7",
                          "--workers", "2", die=True)
    assert proc.returncode == 0, proc.stderr
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    events = {e["event"]: e for e in report["workers"]["events"]}
    assert "killed by signal 9" in events["exited"]["detail"]
    died = events["exited"]["t"]
    assert 0.5 < died < 4
    assert died < events["lost"]["t"] < 6.5  # the master noticed the missing heartbeat
    after = [p for p in report["timeline"] if p["t"] > died + 1]
    assert after and all(p["rps"] > 0 for p in after)  # the other worker carried on
    assert report["timeline"][-1]["users"] == 4  # the lost users moved to the worker left
    assert report["stop_reason"] == "the shape ended"
    assert "exited at" in proc.stdout

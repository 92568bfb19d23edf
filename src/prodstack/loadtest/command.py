"""The `prodstack loadtest` and `prodstack loadtest-worker` commands: options, validation of
every input before any load (one line, exit 2, for bad input), the deployment's outputs when
--env/--target are given, then the run (`orchestra`) and the verdict (exit 1 when an SLO
broke). Never imports locust: the load runs in processes of its own.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from prodstack.errors import UserError, read_input
from prodstack.loadtest import orchestra, png
from prodstack.loadtest.address import (
    Target,
    bind_is_loopback,
    check_allowed,
    deployment_targets,
    parse_bind,
    parse_url,
    probe,
)
from prodstack.loadtest.limits import (
    DEFAULT_MAX_ERROR_RATE,
    DEFAULT_MAX_REQUESTS,
    DEFAULT_P95_MS,
    DEFAULT_USERS,
    DEFAULT_WORKER_WAIT_S,
    MAX_DURATION_S,
    MAX_REQUESTS,
    MAX_USERS,
)
from prodstack.loadtest.shapes import KINDS, make_shape
from prodstack.loadtest.slo import rules_from
from prodstack.loadtest.spec import Scenario, Spec, sha256_of
from prodstack.options import stack_options
from prodstack.paths import private_dir, work_root
from prodstack.reporting import StderrReporter
from prodstack.settings import Settings

DEPLOYMENT_OPTIONS = ("env", "target", "config_file", "overrides")
DEFAULT_METRICS_DELAY_S = 120.0  # CloudWatch publishes a minute's load balancer data late
MAX_METRICS_DELAY_S = 900.0
MAX_WORKER_WAIT_S = 900.0


def _deployment_given() -> bool:
    ctx = click.get_current_context()
    return any(ctx.get_parameter_source(name) in (ParameterSource.COMMANDLINE,
                                                  ParameterSource.ENVIRONMENT)
               for name in DEPLOYMENT_OPTIONS)


def _workers(workers: int, expect_workers: int | None, master_bind: str | None,
             deployment: bool) -> tuple[int, tuple[str, int] | None]:
    """Validated (workers to wait for, the master's bind address)."""
    cpus = os.cpu_count() or 1
    if not 0 <= workers <= cpus:
        raise UserError(f"--workers must be from 0 to {cpus} (this machine's CPUs), not "
                        f"{workers}: start more on other machines with `prodstack "
                        "loadtest-worker`", exit_code=2)
    expected = workers if expect_workers is None else expect_workers
    if expected < workers:
        raise UserError(f"--expect-workers ({expected}) counts the local --workers ({workers})"
                        "; it cannot be fewer", exit_code=2)
    if expected > workers and master_bind is None:
        raise UserError("workers from other machines need --master-bind HOST:PORT to join",
                        exit_code=2)
    bind = parse_bind(master_bind) if master_bind is not None else None
    if bind is not None and expected == 0:
        raise UserError("--master-bind needs --expect-workers N: how many workers to wait for",
                        exit_code=2)
    if bind is not None and not bind_is_loopback(bind[0]) and not deployment:
        raise UserError("a loopback URL is loaded from this machine only: --master-bind on "
                        "another interface needs --env/--target (the deployment's URL)",
                        exit_code=2)
    return expected, bind


def _deployment(settings: Settings) -> tuple[dict[str, Any], Any, bool]:
    """The deployed stack's outputs, a client factory, and whether its URL answers HTTP."""
    from prodstack.workflow import Workspace, outputs

    ws = Workspace(settings, show_progress=False)
    return outputs(ws), ws.clients(), ws.target.serves_http


def _report_folder(given: Path | None) -> Path:
    """The folder the user named (created, its mode left alone), or a private one in the
    working folder."""
    if given is None:
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        return private_dir(work_root() / "loadtest" / stamp)
    try:
        given.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"--report {given}: cannot create it ({exc.strerror or exc})",
                        exit_code=2) from None
    return given


def _url(url: str | None, values: dict[str, Any] | None, serves_http: bool) -> Target:
    if url is not None:
        return parse_url(url)
    if values is None:
        raise UserError("give the URL to load, or --env/--target to load the deployment's own "
                        "URL", exit_code=2)
    if not serves_http:
        raise UserError("nothing answers HTTP at the deployment's address on this target (the "
                        "emulator); give a loopback URL to load, and the deployment's metrics "
                        "are read all the same", exit_code=2)
    return parse_url(values["url"])


@click.command("loadtest")
@click.argument("url", required=False)
@click.option("--locustfile", type=click.Path(dir_okay=False, path_type=Path),
              help="Your locust user classes (scenarios, weights, think time, logins); URL is "
                   "their host. Without it each user GETs URL once a second.")
@click.option("--shape", type=click.Choice(KINDS), default="steady", show_default=True,
              help="steady: --users throughout; step: --start users, --step more every "
                   "--every s; ramp: linear from --start to --users.")
@click.option("--users", type=int, default=DEFAULT_USERS, show_default=True,
              help=f"steady: the users; step and ramp: the ceiling (at most {MAX_USERS}).")
@click.option("--start", type=int, help="step and ramp: users at the start.")
@click.option("--step", type=int, help="step: users added at each step [default: a fifth].")
@click.option("--every", type=float, metavar="SECONDS",
              help="step: seconds per step [30]; ramp: seconds per reported stage.")
@click.option("--duration", type=float, metavar="SECONDS",
              help=f"How long the load runs (at most {MAX_DURATION_S:g}) [steady, ramp: 30; "
                   "step: until one step at the ceiling].")
@click.option("--max-requests", type=int, default=DEFAULT_MAX_REQUESTS, show_default=True,
              help=f"Stop after this many requests (at most {MAX_REQUESTS}).")
@click.option("--p95-ms", "p95_ms", type=float, default=DEFAULT_P95_MS, show_default=True,
              metavar="MS", help="SLO of all requests: the 95th percentile latency.")
@click.option("--max-error-rate", type=float, default=DEFAULT_MAX_ERROR_RATE,
              show_default=True, metavar="FRACTION",
              help="SLO of all requests: the fraction of failed requests.")
@click.option("--slo", "slos", multiple=True, metavar="NAME:p95=MS,errors=F",
              help="SLO of the requests named NAME (p50, p95, p99 in ms; errors); repeatable.")
@click.option("--expect", default=None, metavar="TEXT",
              help="URL scenario: count a successful response whose body lacks TEXT as failed.")
@click.option("--workers", type=int, default=0, show_default=True,
              help="Local worker processes (0: one process sends the load).")
@click.option("--master-bind", metavar="HOST:PORT",
              help="Where workers from other machines join (prodstack loadtest-worker).")
@click.option("--expect-workers", type=int,
              help="Workers to wait for before the load starts, local ones included.")
@click.option("--worker-wait", type=float, default=DEFAULT_WORKER_WAIT_S, show_default=True,
              metavar="SECONDS", help="How long to wait for them.")
@click.option("--metrics-delay", type=float, metavar="SECONDS",
              help="With a deployment: wait this long after the load for CloudWatch "
                   f"[{DEFAULT_METRICS_DELAY_S:g} where the deployment serves HTTP, else 0].")
@click.option("--report", "report_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for report.html, report.json, locust.html "
                   "[default: .prodstack/loadtest/<time>].")
@click.option("--png", "want_png", is_flag=True,
              help="Also write the charts as PNG (needs the charts extra: matplotlib).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@stack_options(remembered=False)  # the deployment is read only when --env/--target say so
def loadtest_cmd(settings: Settings, url: str | None, locustfile: Path | None, shape: str,
                 users: int, start: int | None, step: int | None, every: float | None,
                 duration: float | None, max_requests: int, p95_ms: float,
                 max_error_rate: float, slos: tuple[str, ...], expect: str | None,
                 workers: int, master_bind: str | None, expect_workers: int | None,
                 worker_wait: float, metrics_delay: float | None, report_dir: Path | None,
                 want_png: bool, fmt: str) -> None:
    """Load URL (or the deployment's URL) and judge latency and errors against SLOs (FM-7.2).

    With --env/--target the run also records the deployed stack: the live colour's scaling
    events and instances, target response time, 5xx, unhealthy hosts, database CPU and
    connections. Load goes to loopback or to the deployment's own address only. Exits 1 when
    an SLO broke (in any stage), 2 on bad input, 130 when interrupted.
    """
    load_shape = make_shape(shape, users, duration, start, step, every)
    rules = rules_from(p95_ms, max_error_rate, slos)
    if not 1 <= max_requests <= MAX_REQUESTS:
        raise UserError(f"--max-requests must be from 1 to {MAX_REQUESTS}, not {max_requests}",
                        exit_code=2)
    if locustfile is not None and expect:
        raise UserError("--expect applies to the URL scenario; check bodies in your locustfile",
                        exit_code=2)
    if not 0 < worker_wait <= MAX_WORKER_WAIT_S:
        raise UserError(f"--worker-wait must be more than 0 and at most {MAX_WORKER_WAIT_S:g}",
                        exit_code=2)
    if metrics_delay is not None and not 0 <= metrics_delay <= MAX_METRICS_DELAY_S:
        raise UserError(f"--metrics-delay must be from 0 to {MAX_METRICS_DELAY_S:g} seconds",
                        exit_code=2)
    if want_png:
        png.require()
    if locustfile is not None:
        read_input(locustfile)
        locustfile = locustfile.resolve()
    deployment = _deployment_given()
    expected, bind = _workers(workers, expect_workers, master_bind, deployment)
    values, clients, serves_http = _deployment(settings) if deployment else (None, None, False)
    target = _url(url, values, serves_http)
    allowed = check_allowed(target, deployment_targets(values) if values is not None else None)
    probe(target)
    folder = _report_folder(report_dir)
    scenario = Scenario(base=target.base, path=target.path, allowed=allowed,
                        expect=expect or None,
                        locustfile=str(locustfile) if locustfile else None,
                        locustfile_sha256=sha256_of(locustfile) if locustfile else None)
    spec = Spec(scenario=scenario, shape=load_shape, max_requests=max_requests,
                out=str(folder / "result.json"), locust_html=str(folder / "locust.html"),
                log_dir=str(folder / "logs"), workers=workers, expect_workers=expected,
                master_bind=bind, worker_wait_s=worker_wait if expected else 0.0,
                slo_names=[r.name for r in rules if r.name is not None])
    watch = None
    if values is not None:
        from prodstack.loadtest.stackwatch import StackWatch

        watch = StackWatch(values, clients)
    delay = metrics_delay if metrics_delay is not None else (
        DEFAULT_METRICS_DELAY_S if values is not None and serves_http else 0.0)
    outcome = orchestra.execute(spec, folder, target.url, rules, watch, delay, want_png,
                                StderrReporter())
    from prodstack.loadtest.report import render_text

    click.echo(json.dumps(outcome.report, indent=2) if fmt == "json"
               else render_text(outcome.report))
    if outcome.interrupted:
        sys.exit(130)
    if not outcome.report["passed"]:
        sys.exit(1)


@click.command("loadtest-worker")
@click.option("--master", required=True, metavar="HOST:PORT",
              help="The master's address (`prodstack loadtest --master-bind`).")
@click.option("--locustfile", type=click.Path(dir_okay=False, path_type=Path),
              help="The master's locustfile (the same file, byte for byte), when it has one.")
def worker_cmd(master: str, locustfile: Path | None) -> None:
    """Send a distributed load test's load from this machine, as the master says.

    The master hands over the run's URL, scenario and bounds as the worker joins; the worker
    quits when the run ends.
    """
    parse_bind(master, "--master")
    args = ["--master", master]
    if locustfile is not None:
        read_input(locustfile)
        args += ["--locustfile", str(locustfile.resolve())]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-m", "prodstack.loadtest.worker", *args])

"""A load worker (locust side): `python -m prodstack.ops.loadtest.worker --master HOST:PORT`.

Joins a run's master, on this machine (`prodstack loadtest --workers N` starts N of them) or
from another one (`prodstack loadtest-worker`, which runs this). The master hands it the
run's scenario as it joins; the worker refuses one it cannot run as the master does (a
locustfile that differs from its own, or the URL scenario when it was given a locustfile),
lets its users connect only to the run's addresses (`guard`), and sends its statistics every
REPORT_INTERVAL_S. It quits when the master says so, on SIGTERM or SIGINT, when the master
is silent for a minute (locust's own limit), or when `--parent` (the local master) is gone.
"""

# isort: off
import locust  # noqa: F401  first of all: locust patches the standard library for gevent on import

# isort: on
import argparse
import logging
import os
import signal
import socket
import sys
from pathlib import Path
from typing import Any

import gevent
from locust import runners as locust_runners
from locust.env import Environment
from locust.runners import WorkerRunner

from prodstack.core.errors import UserError
from prodstack.ops.loadtest import guard
from prodstack.ops.loadtest import scenario as users
from prodstack.ops.loadtest.address import parse_bind
from prodstack.ops.loadtest.limits import DEFAULT_WORKER_WAIT_S, REPORT_INTERVAL_S
from prodstack.ops.loadtest.spec import HELLO, REFUSED, SCENARIO, Scenario, sha256_of

CONNECT_FAILED = 3
REFUSED_EXIT = 4


def mismatch(scenario: Scenario, locustfile: Path | None) -> str | None:
    """Why this worker cannot run `scenario` as the master does (None: it can)."""
    if scenario.locustfile is None and locustfile is not None:
        return ("the run sends GETs of one URL; start this worker without --locustfile")
    if scenario.locustfile is not None and locustfile is None:
        return (f"the run's users come from the master's locustfile "
                f"({Path(scenario.locustfile).name}); start this worker with --locustfile")
    if locustfile is not None and sha256_of(locustfile) != scenario.locustfile_sha256:
        return f"--locustfile {locustfile} differs from the master's locustfile"
    return None


class Worker(WorkerRunner):
    """locust's worker, listening for the run's scenario before it first greets the master
    (the master sends the scenario right after its acknowledgement)."""

    def __init__(self, environment: Environment, master_host: str, master_port: int,
                 locustfile: Path | None) -> None:
        self.locustfile = locustfile
        self.refused: str | None = None
        super().__init__(environment, master_host, master_port)

    def connect_to_master(self) -> None:
        if SCENARIO not in self.custom_messages:
            self.register_message(SCENARIO, self.on_scenario)
        super().connect_to_master()

    def leave(self) -> None:
        """Tell the master this worker goes (locust's quitting event does), then quit."""
        self.environment.events.quitting.fire(environment=self.environment)
        self.quit()

    def on_scenario(self, environment: Environment, msg: Any, **_: Any) -> None:
        scenario = Scenario.from_dict(msg.data)
        self.refused = mismatch(scenario, self.locustfile)
        if self.refused:
            self.send_message(REFUSED, {"reason": self.refused})
            gevent.spawn_later(0.2, self.leave)
            return
        guard.install(scenario.allowed)
        users.configure(scenario)
        self.send_message(HELLO, {"host": socket.gethostname(), "pid": os.getpid()})
        print(f"worker: in the run against {scenario.base}", file=sys.stderr, flush=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m prodstack.ops.loadtest.worker")
    parser.add_argument("--master", required=True, help="HOST:PORT of the run's master")
    parser.add_argument("--locustfile", type=Path, help="the same locustfile as the master's")
    parser.add_argument("--parent", type=int, help="quit when this process is gone")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("locust").setLevel(logging.WARNING)
    try:
        host, port = parse_bind(args.master, "--master")
        classes = (users.load_users(args.locustfile)[0] if args.locustfile
                   else [users.Visitor])
    except (UserError, users.ScenarioError) as exc:
        print(f"prodstack: error: {exc}", file=sys.stderr)
        return 2
    locust_runners.WORKER_REPORT_INTERVAL = REPORT_INTERVAL_S
    locust_runners.CONNECT_RETRY_COUNT = int(DEFAULT_WORKER_WAIT_S / locust_runners.CONNECT_TIMEOUT)
    env = Environment(user_classes=classes)
    print(f"worker: joining the master at {args.master} (waiting up to "
          f"{DEFAULT_WORKER_WAIT_S:g} s for it)", file=sys.stderr, flush=True)
    try:
        runner = env.runner = Worker(env, host, port, args.locustfile)
    except ConnectionError:
        print(f"prodstack: error: no master answered at {args.master}", file=sys.stderr)
        return CONNECT_FAILED
    gevent.signal_handler(signal.SIGTERM, runner.leave)
    gevent.signal_handler(signal.SIGINT, runner.leave)
    if args.parent:
        def watch_parent() -> None:
            while os.getppid() == args.parent:
                gevent.sleep(1)
            runner.leave()

        gevent.spawn(watch_parent)
    runner.greenlet.join()
    if runner.refused:
        print(f"prodstack: error: {runner.refused}", file=sys.stderr)
        return REFUSED_EXIT
    print("worker: the run is over", file=sys.stderr)
    return 0


if __name__ == "__main__":
    code = main(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # nothing left to write; gevent's teardown only costs a second

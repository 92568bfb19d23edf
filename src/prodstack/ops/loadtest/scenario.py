"""The simulated users of a run (locust side): the URL scenario's visitor, or a locustfile's
user classes.

The URL scenario's `Visitor` GETs one page at a steady pace (USER_RATE requests per second,
each user shifted in phase from the others), and counts a 2xx answer without the expected
text as a failure. Its page and text come from the run's `Scenario`, which the master hands
to every worker as it joins (`configure`), so the class itself is the same in every process.
"""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import Any

import gevent
from locust import FastHttpUser, User, task
from locust.util.load_locustfile import load_locustfile

from prodstack.ops.loadtest.limits import REQUEST_TIMEOUT_S, USER_RATE
from prodstack.ops.loadtest.spec import Scenario, sha256_of

GOLDEN = 0.6180339887498949  # phases k·φ mod 1 stay evenly spread for any number of users
_page: dict[str, Any] = {"path": "/", "expect": None}
_phases = itertools.count()


class ScenarioError(Exception):
    """A locustfile that cannot be used, said in one line."""


class Visitor(FastHttpUser):
    network_timeout = REQUEST_TIMEOUT_S
    connection_timeout = REQUEST_TIMEOUT_S

    def on_start(self) -> None:
        period = 1 / USER_RATE
        gevent.sleep(next(_phases) * GOLDEN % 1.0 * period)
        self._due = time.perf_counter()

    def wait_time(self) -> float:
        # Like locust's constant_throughput (no catching up when behind), keeping the phase.
        now = time.perf_counter()
        self._due = max(self._due + 1 / USER_RATE, now)
        return self._due - now

    @task
    def visit(self) -> None:
        path, expect = _page["path"], _page["expect"]
        with self.client.get(path, name=path, catch_response=True) as response:
            if (expect is not None and 200 <= (response.status_code or 0) < 300
                    and expect not in (response.text or "")):
                response.failure(f"body lacks {expect!r}")


def configure(scenario: Scenario) -> None:
    """Set the URL scenario's page and expected text in this process."""
    _page.update(path=scenario.path, expect=scenario.expect)


def user_classes(scenario: Scenario) -> tuple[list[type[User]], list[str]]:
    """The user classes of the scenario (the visitor, or the locustfile's, which must be the
    file the scenario names, byte for byte) and notes about them."""
    if scenario.locustfile is None:
        configure(scenario)
        return [Visitor], []
    return load_users(Path(scenario.locustfile), scenario.locustfile_sha256)


def load_users(path: Path, sha256: str | None = None
               ) -> tuple[list[type[User]], list[str]]:
    where = f"--locustfile {path}"
    try:
        if sha256 is not None and sha256_of(path) != sha256:
            raise ScenarioError(f"{where}: differs from the master's locustfile")
        classes, shapes = load_locustfile(str(path))
    except ScenarioError:
        raise
    except OSError as exc:
        raise ScenarioError(f"{where}: cannot read it ({exc.strerror or exc})") from None
    except SyntaxError as exc:
        raise ScenarioError(f"{where}: syntax error on line {exc.lineno}: {exc.msg}") from None
    except BaseException as exc:  # a locustfile runs arbitrary code on import
        raise ScenarioError(f"{where}: importing it failed: {type(exc).__name__}: "
                            f"{' '.join(str(exc).split())}") from None
    if not classes:
        raise ScenarioError(f"{where}: defines no locust User class")
    notes = [f"the locustfile's load shape ({type(shapes[0]).__name__}) is not used: the run "
             "follows --shape"] if shapes else []
    return list(classes.values()), notes

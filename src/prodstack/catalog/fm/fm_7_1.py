"""FM-7.1: tests check that resources exist, not that they work."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from typing import Any

from prodstack.catalog.contract import Result, VerifyContext
from prodstack.catalog.model import Cases, Entry, LiveCheck
from prodstack.catalog.world import World
from prodstack.config.application import matches
from prodstack.config.userdata import PAGE_MARKER

NOT_SERVED = "the target's instances answer no HTTP (the emulator boots none)"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _redirects(http_url: str) -> str | None:
    """None when plain HTTP answers with a redirect to HTTPS, else the problem."""
    try:
        urllib.request.build_opener(_NoRedirect).open(http_url, timeout=10)
        return "HTTP answered without redirecting"
    except urllib.error.HTTPError as exc:
        if exc.code in (301, 302, 308) and exc.headers.get("Location", "").startswith(
                "https://"):
            return None
        return f"HTTP answered {exc.code}"
    except OSError as exc:
        return f"HTTP failed: {exc}"


def _health(url: str, matcher: str, marker: str) -> str | None:
    """None when the health check URL answers as the target groups expect (and, with the demo
    page, shows its marker), else the problem."""
    try:
        with urllib.request.urlopen(url, timeout=15) as resp:
            code, body = resp.status, resp.read(65536).decode(errors="replace")
    except urllib.error.HTTPError as exc:
        code, body = exc.code, ""
    except OSError as exc:
        return f"HTTPS failed: {exc}"
    if not matches(code, matcher):
        return f"{url} answered {code}, the health check expects {matcher}"
    if marker and marker not in body:
        return f"the page does not contain {marker!r}"
    return None


def live(ctx: VerifyContext) -> Result:
    if not ctx.serves_http:
        return Result.na(NOT_SERVED)
    # The stack's outputs say what to expect; a stack deployed before they existed serves
    # the demo page at its URL.
    url = ctx.outputs.get("health_check_url") or ctx.outputs["url"]
    marker = ctx.outputs.get("page_marker", PAGE_MARKER)
    problems = [p for p in (_redirects(ctx.outputs["http_url"]),
                            _health(url, ctx.settings.health_check_matcher, marker)) if p]
    db_host, _, port = ctx.outputs["db_endpoint"].rpartition(":")
    try:
        with socket.create_connection((db_host, int(port or 5432)), timeout=3):
            problems.append("the database port answers from outside")
    except OSError:
        pass
    serves = f"serves {marker!r}" if marker else "answers its health check"
    return Result.expect(not problems, f"{url} {serves}; database port closed",
                         "; ".join(problems))


cases = Cases()


@cases.live("pass", serves_http=True)
def site_answers(world: World) -> dict[str, Any]:
    return world.site().outputs


@cases.live("fail", serves_http=True)
def http_not_redirected(world: World) -> dict[str, Any]:
    return world.site(redirect=False).outputs


@cases.live("fail", serves_http=True)
def page_without_marker(world: World) -> dict[str, Any]:
    return world.site(body="It works!").outputs


@cases.live("fail", serves_http=True)
def database_port_open(world: World) -> dict[str, Any]:
    return world.site(db_port_open=True).outputs


@cases.live("pass", serves_http=True, sets=("app_port=8080", "health_check_path=/healthz"))
def application_answers_its_health_check(world: World) -> dict[str, Any]:
    return world.site(body="ok", page_marker="", health_path="/healthz").outputs


@cases.live("fail", serves_http=True, sets=("app_port=8080", "health_check_path=/healthz"))
def application_health_check_unreachable(world: World) -> dict[str, Any]:
    return world.site(body="ok", page_marker="", health_path="/healthz",
                      health_answers=False).outputs


@cases.live("fail", serves_http=True, sets=("app_port=8080", "health_check_matcher=204"))
def application_answers_another_code(world: World) -> dict[str, Any]:
    return world.site(body="ok", page_marker="", health_path="/healthz").outputs


@cases.live("n/a")
def emulator_serves_nothing(world: World) -> dict[str, Any]:
    return world.outputs


ENTRY = Entry(
    id="FM-7.1", title="Tests check existence, not function",
    failure="tests assert that resources exist, not that HTTPS answers, alarms notify or the "
            "database is private",
    fix="live checks of each fix and of connectivity (`prodstack verify`): the application's "
        "health check through the load balancer (the demo page's marker when it runs)",
    live=LiveCheck(live, cases=cases.lives),
    exercised=("every live check has a passing and a failing live state "
               "(tests/catalog/test_live_checks.py)",),
)

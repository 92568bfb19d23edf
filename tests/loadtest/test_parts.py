"""The load test's pure parts: shapes and stages, SLO rules and verdicts, window statistics,
scaling events from AWS's activity causes, the charts, and where load may go."""

from __future__ import annotations

import pytest

from prodstack.core.errors import UserError
from prodstack.ops.loadtest.address import check_allowed, parse_url
from prodstack.ops.loadtest.figures import Figure, Series
from prodstack.ops.loadtest.histogram import Window, difference
from prodstack.ops.loadtest.shapes import make_shape
from prodstack.ops.loadtest.slo import Rule, judge, parse_rule
from prodstack.ops.loadtest.stackwatch import scaling_events
from prodstack.ops.loadtest.svg import nice_ticks, render


def test_steady_shape_is_one_stage() -> None:
    shape = make_shape("steady", 50, None, None, None, None)
    assert shape.duration_s == 30 and shape.users_at(17) == 50
    assert [(s.start_s, s.end_s, s.users_from) for s in shape.stages()] == [(0, 30, 50)]


def test_step_shape_climbs_to_its_ceiling_and_holds() -> None:
    shape = make_shape("step", 100, None, None, 30, 60)
    assert (shape.start, shape.duration_s) == (30, 4 * 60)  # 30, 60, 90, 100
    assert [shape.users_at(t) for t in (0, 59.9, 60, 150, 180, 239)] == [30, 30, 60, 90, 100,
                                                                          100]
    assert [(s.start_s, s.users_from) for s in shape.stages()] == [(0, 30), (60, 60),
                                                                   (120, 90), (180, 100)]
    held = make_shape("step", 20, 100, 10, 10, 10).stages()
    assert [(s.start_s, s.end_s, s.users_from) for s in held] == [(0, 10, 10), (10, 100, 20)]
    assert shape.spawn_rate == 30


def test_ramp_shape_is_linear_and_reported_in_stages() -> None:
    shape = make_shape("ramp", 101, 100, 1, None, None)
    assert [shape.users_at(t) for t in (0, 50, 100, 120)] == [1, 51, 101, 101]
    stages = shape.stages()
    assert len(stages) == 10 and stages[3].users_from == 31 and stages[3].users_to == 41
    assert stages[-1].end_s == 100


@pytest.mark.parametrize(("args", "fragment"), [
    (("steady", 10, None, 2, None, None), "--start applies"),
    (("ramp", 10, None, None, 2, None), "--step applies"),
    (("step", 10, None, 0, 2, 5), "--start"),
    (("step", 10, 4000, 1, 2, 5), "--duration"),
    (("wave", 10, None, None, None, None), "--shape"),
])
def test_shape_bad_input(args: tuple, fragment: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(UserError, match=fragment) as err:
        make_shape(*args)
    assert err.value.exit_code == 2


def test_slo_rules_parse() -> None:
    assert parse_rule("/api/cart:p95=300ms,errors=0.5%") == Rule("/api/cart", p95_ms=300,
                                                                 max_error_rate=0.005)
    assert parse_rule("GET http://x:80/a:p99=900") == Rule("GET http://x:80/a", p99_ms=900)
    assert parse_rule("p50=20").name is None and parse_rule("*:p50=20").name is None


def _figures(requests: int, failures: int, p95: float) -> dict:  # type: ignore[type-arg]
    return {"requests": requests, "failures": failures, "rps": requests / 10.0,
            "errors_per_s": failures / 10.0,
            "error_rate": failures / requests if requests else 0.0, "p50_ms": p95 / 2,
            "p95_ms": p95, "p99_ms": p95 * 1.2}


def _stage(i: int, users: int, all_p95: float, names: dict) -> dict:  # type: ignore[type-arg]
    return {"index": i, "start_s": i * 10.0, "end_s": i * 10.0 + 10, "users_from": users,
            "users_to": users, "all": _figures(100, 0, all_p95), "names": names}


def test_slo_per_name_breaks_in_the_stage_it_breaks() -> None:
    rules = [Rule(None, p95_ms=500, max_error_rate=0.01), Rule("/login", p95_ms=300)]
    stages = [_stage(0, 10, 100, {"/login": _figures(10, 0, 250)}),
              _stage(1, 20, 200, {"/login": _figures(10, 0, 320)}),
              _stage(2, 30, 600, {})]
    run = {"all": _figures(300, 0, 400), "names": {"/login": _figures(20, 0, 310)}}
    verdict = judge(rules, stages, run)
    assert verdict["stages"] == [[], ["p95 of /login 320 ms above 300 ms"],
                                 ["p95 of all requests 600 ms above 500 ms"]]
    assert verdict["first_broken"]["stage"] == 1 and verdict["first_broken"]["users_from"] == 20
    assert verdict["overall"] == ["p95 of /login 310 ms above 300 ms"]
    assert verdict["passed"] is False
    held = judge([Rule(None, p95_ms=700)], stages, run)
    assert held["passed"] is True and held["first_broken"] is None


def test_slo_at_the_thresholds() -> None:
    rule = Rule(None, p95_ms=100, max_error_rate=0.01)
    assert rule.misses(_figures(100, 1, 100)) == []
    assert rule.misses(_figures(100, 2, 100)) == ["error rate of all requests 2.00% above 1.00%"]
    assert rule.misses(_figures(100, 0, 101)) == ["p95 of all requests 101 ms above 100 ms"]


def test_window_percentiles_as_locust_counts_them() -> None:
    # 100 requests: the p95 is the time 95 of them finished within (locust's definition,
    # not the test process's: locust never loads here, it would patch this process).
    window = Window(100, 3, {10: 50, 20: 45, 100: 4, 500: 1})
    assert [window.percentile(p) for p in (0.5, 0.95, 0.99)] == [20, 100, 500]
    assert window.figures(10)["rps"] == 10 and window.figures(10)["error_rate"] == 0.03
    later = Window(103, 4, {10: 50, 20: 45, 100: 4, 500: 1, 9000: 3})
    assert difference(later, window) == Window(3, 1, {9000: 3})
    assert difference(Window(2, 0, {1: 2}), later) == Window(2, 0, {1: 2})  # stats reset


def test_scaling_events_from_causes_and_polling() -> None:
    cause = ("At 2026-12-01T10:00:05Z a monitor alarm TargetTracking-x-AlarmHigh in state "
             "ALARM triggered policy p changing the desired capacity from 2 to 4.  At "
             "2026-12-01T10:00:10Z an instance was started …")
    t0 = 1796119200.0  # 2026-12-01T10:00:00Z
    activities = [{"at": t0 + 10, "cause": cause}, {"at": t0 + 11, "cause": cause},
                  {"at": t0 + 90, "cause": "an instance was taken out of service"}]
    samples = [{"at": t0, "desired": 2}, {"at": t0 + 10, "desired": 4},
               {"at": t0 + 100, "desired": 4}, {"at": t0 + 110, "desired": 3}]
    events = scaling_events(activities, samples, 10)
    assert [(e["at"] - t0, e["from"], e["to"], e["source"], e["activities"]) for e in events] == [
        (5, 2, 4, "scaling activity", 2), (110, 4, 3, "polling", 0)]
    assert events[0]["why"].startswith("a monitor alarm TargetTracking-x-AlarmHigh")


def test_chart_draws_series_markers_and_limits() -> None:
    assert nice_ticks(0, 87) == [0, 20, 40, 60, 80, 100]
    figure = Figure("latency", "Latency <ms>", "seconds", "ms",
                    [Series("p95", [(0, 10), (1, 30), (2, 80)], "#f00"),
                     Series("users", [(0, 1), (2, 5)], "#000", step=True)],
                    markers=[(1.5, "scaling 2→4")], limits=[(50, "SLO p95")], bands=[1.0])
    svg = render(figure)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "Latency &lt;ms&gt;" in svg and "scaling 2→4" in svg and "SLO p95" in svg
    assert svg.count("<polyline") == 2 and 'stroke-dasharray="6 4"' in svg


def test_load_goes_to_loopback_or_the_deployment_only() -> None:
    assert check_allowed(parse_url("http://localhost:8080/x"), None) == [("localhost", 8080)]
    with pytest.raises(UserError, match="not on this machine"):
        check_allowed(parse_url("https://192.0.2.10/"), None)
    deployment = [parse_url("https://192.0.2.10/"), parse_url("http://192.0.2.10/")]
    assert check_allowed(parse_url("https://192.0.2.10/cart"), deployment) == [
        ("192.0.2.10", 80), ("192.0.2.10", 443)]
    with pytest.raises(UserError, match="neither on this machine nor the deployment's"):
        check_allowed(parse_url("https://198.51.100.1/"), deployment)


def test_png_charts_are_the_pages_figures(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from prodstack.ops.loadtest import png
    from prodstack.ops.loadtest.figures import figures

    stage = _stage(0, 5, 40, {})
    report = {"timeline": [{"t": 0.5, "users": 5, "rps": 4.0, "errors_per_s": 0.0,
                            "p50_ms": 3, "p95_ms": 9, "p99_ms": 12}],
              "stages": [stage, _stage(1, 10, 60, {})],
              "slo": {"rules": [{"label": "all requests", "p95_ms": 50}]},
              "stack": {"asg": "web-blue", "samples": [{"t": 0, "desired": 2, "in_service": 2}],
                        "events": [{"t": 0.5, "from": 2, "to": 4, "load": {"users": 5}}],
                        "metrics": {"db_cpu": {"label": "database CPU", "unit": "%",
                                               "period_s": 60, "points": [[0, 12.5]]}}}}
    found = figures(report)
    assert [f.name for f in found] == ["load", "latency", "against-load", "instances",
                                       "metric-db_cpu"]
    paths = png.write(found, tmp_path)
    assert [p.name for p in paths] == [f"{f.name}.png" for f in found]
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in paths)


def test_an_activity_within_the_causes_second_dates_the_event() -> None:
    """The cause names its second only; a request's activities start within it."""
    cause = ("At 2026-12-01T10:00:05Z a user request explicitly set group desired capacity "
             "changing the desired capacity from 2 to 4.")
    t0 = 1796119200.0
    activities = [{"at": t0 + 5.7, "cause": cause}, {"at": t0 + 5.4, "cause": cause}]
    [event] = scaling_events(activities, [], 10)
    assert event["at"] - t0 == pytest.approx(5.4) and event["activities"] == 2

"""`prodstack loadtest URL` in one process against a local server: SLO verdicts, --expect,
the report files, and bad input. Every run goes through `prodstack.cli.main` in a subprocess,
the way a user meets it; all traffic goes to 127.0.0.1."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from prodstack.cli import cli
from tests.loadtest.conftest import prodstack

REPORT_KEYS = {"url", "scenario", "shape", "started_at", "duration_s", "stop_reason", "workers",
               "totals", "requests", "errors", "timeline", "stages", "slo", "stack", "notes",
               "files", "passed"}


def run_json(*args: str) -> tuple[int, dict[str, Any]]:
    proc = prodstack("loadtest", *args, "--format", "json")
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads(proc.stdout)
    assert set(report) == REPORT_KEYS
    return proc.returncode, report


def test_passing_slo_writes_the_report(server, tmp_path: Path) -> None:
    code, report = run_json(server.url, "--duration", "2", "--users", "20",
                            "--expect", "Production Server", "--report", str(tmp_path / "r"))
    assert code == 0 and report["passed"] is True, (report["slo"], report["totals"])
    assert report["url"] == server.url and report["stop_reason"] == "the shape ended"
    t = report["totals"]
    assert 0.6 * 40 <= t["requests"] <= 1.3 * 40  # 20 users at one request per second, 2 s
    assert t["requests"] <= server.behaviour.requests
    assert t["error_rate"] == 0 and 0 <= t["p50_ms"] <= t["p95_ms"] <= t["p99_ms"] < 500
    assert [r["label"] for r in report["slo"]["rules"]] == ["all requests"]
    folder = tmp_path / "r"
    html = (folder / "report.html").read_text()
    assert html.count("<svg") == 2  # load and latency: one stage, no stack
    assert "PASSED" in html and json.loads((folder / "report.json").read_text())["passed"]
    assert "<html" in (folder / "locust.html").read_text()[:200].lower()


def test_slow_server_misses_p95(server, tmp_path: Path) -> None:
    server.behaviour.delay_s = 0.25
    proc = prodstack("loadtest", server.url, "--duration", "2", "--users", "10",
                     "--p95-ms", "100", "--report", str(tmp_path))
    assert proc.returncode == 1, proc.stderr
    assert "FAILED: p95 of all requests" in proc.stdout and "above 100 ms" in proc.stdout
    assert "0 failed (0.00%)" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_erroring_server_misses_error_rate(server, tmp_path: Path) -> None:
    server.behaviour.fail_fraction = 0.3
    code, report = run_json(server.url, "--duration", "2", "--users", "20",
                            "--max-error-rate", "0.1", "--report", str(tmp_path))
    assert code == 1 and report["passed"] is False
    assert 0.2 <= report["totals"]["error_rate"] <= 0.4
    assert report["totals"]["p95_ms"] < 500  # only the error-rate SLO is missed
    assert any("500" in message for message, _ in report["errors"])


def test_expect_mismatch_counts_as_failure(server, tmp_path: Path) -> None:
    code, report = run_json(server.url, "--duration", "1.5", "--users", "10",
                            "--expect", "Staging Server", "--report", str(tmp_path))
    assert code == 1 and report["passed"] is False
    assert report["totals"]["requests"] > 0 and report["totals"]["error_rate"] == 1.0


def refused_url() -> str:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@pytest.mark.parametrize(("args", "fragment"), [
    (["not-a-url"], "malformed URL"),
    (["ftp://127.0.0.1/"], "http:// or https://"),
    (["http:///index.html"], "names no host"),
    (["http://127.0.0.1:99999/"], "port"),
    (["http://127.0.0.1 /"], "spaces"),
    ([], "give the URL to load"),
    (["http://192.0.2.1/"], "not on this machine"),
    (["{server}", "--duration", "0"], "--duration"),
    (["{server}", "--duration", "3601"], "--duration"),
    (["{server}", "--users", "0"], "--users"),
    (["{server}", "--users", "20001"], "--users"),
    (["{server}", "--step", "2"], "--step applies to --shape step"),
    (["{server}", "--shape", "step", "--users", "10", "--step", "11"], "--step"),
    (["{server}", "--shape", "step", "--every", "0.2"], "--every"),
    (["{server}", "--shape", "step", "--users", "100", "--step", "1", "--every", "600"],
     "more than 3600"),
    (["{server}", "--shape", "ramp", "--start", "30", "--users", "20"], "--start"),
    (["{server}", "--max-error-rate", "1.5"], "--max-error-rate"),
    (["{server}", "--p95-ms", "0"], "--p95-ms"),
    (["{server}", "--slo", "/login:p95"], "--slo"),
    (["{server}", "--slo", "/login:p97=3"], "--slo"),
    (["{server}", "--slo", "/login:errors=2"], "errors is a fraction"),
    (["{server}", "--max-requests", "0"], "--max-requests"),
    (["{server}", "--workers", "999"], "--workers"),
    (["{server}", "--expect-workers", "2"], "--master-bind"),
    (["{server}", "--master-bind", "0.0.0.0:5557", "--expect-workers", "1"],
     "needs --env/--target"),
    (["{server}", "--master-bind", "nonsense"], "HOST:PORT"),
    (["{server}", "--locustfile", "/nonexistent/locustfile.py"], "no such file"),
    (["{server}", "--locustfile", "{tests}/test_loadtest.py", "--expect", "x"], "--expect"),
    (["{refused}"], "refuses connections"),
])
def test_bad_input_is_one_line(server, args: list[str], fragment: str, tmp_path: Path,
                               monkeypatch) -> None:
    """In the CLI's process (click's runner through the same group that turns errors into
    one line): no load starts, nothing reaches the server."""
    monkeypatch.setenv("PRODSTACK_HOME", str(tmp_path))
    args = [a.format(server=server.url, refused=refused_url(), tests=Path(__file__).parent)
            for a in args]
    result = CliRunner().invoke(cli, ["loadtest", *args])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("prodstack: error: ") and fragment in lines[0]
    assert server.behaviour.requests == 0
    assert not (tmp_path / "loadtest").exists()


def test_bad_url_through_main_is_one_line() -> None:
    """The same, the way a user meets it: a process of its own, no traceback."""
    proc = prodstack("loadtest", "ftp://127.0.0.1/")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == ("prodstack: error: malformed URL 'ftp://127.0.0.1/': it must start "
                           "with http:// or https://\n")


def test_no_note_of_a_remembered_environment(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A URL's load test reads no deployment unless --env/--target say so: the folder's
    remembered environment is neither used nor announced."""
    monkeypatch.setenv("PRODSTACK_HOME", str(tmp_path))
    (tmp_path / "last.json").write_text('{"env": "staging", "target": "local"}\n')
    proc = prodstack("loadtest", "ftp://127.0.0.1/")
    assert proc.returncode == 2 and "note:" not in proc.stderr, proc.stderr


def test_bad_locustfile_is_one_line(server, tmp_path: Path) -> None:
    broken = tmp_path / "locustfile.py"
    broken.write_text("from locust import HttpUser\n\nclass Shop(HttpUser:\n    pass\n")
    proc = prodstack("loadtest", server.url, "--locustfile", str(broken), "--duration", "1",
                     "--report", str(tmp_path / "r"))
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.splitlines()[-1].startswith(
        f"prodstack: error: --locustfile {broken}: syntax error on line 3: ")
    assert len(proc.stderr.splitlines()) == 1, proc.stderr
    assert server.behaviour.requests == 0


def test_png_without_matplotlib_names_the_extra(server) -> None:
    launch = "import sys\nsys.modules['matplotlib'] = None\n"
    import subprocess
    import sys

    from tests.loadtest.conftest import LAUNCH
    proc = subprocess.run([sys.executable, "-c", launch + LAUNCH, "loadtest", server.url,
                           "--png"], capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip() == ("prodstack: error: --png needs matplotlib: pip install "
                                   "'prodstack[charts]'")


def test_nothing_deployed_is_one_line(server, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PRODSTACK_HOME", str(tmp_path))
    proc = prodstack("loadtest", server.url, "--env", "staging")
    assert proc.returncode == 1
    assert proc.stderr.strip() == (
        f"prodstack: error: nothing deployed for staging on local (working folder {tmp_path}); "
        "nothing is deployed there: run `prodstack up --env staging`")
    assert server.behaviour.requests == 0

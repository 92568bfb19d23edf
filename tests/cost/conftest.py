"""Helpers for the cost tests: fixtures on disk, the command through CliRunner, estimates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from prodstack.cli import cli
from prodstack.ops.cost import assumptions, prices
from prodstack.ops.cost.estimate import Estimate, Item, estimate
from prodstack.tf.plan import load_plan

FIXTURES = Path(__file__).parent / "fixtures"


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, ["cost", *args])


def invoke_json(*args: str) -> dict[str, Any]:
    result = invoke(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def assert_one_line_error(result: Result, fragment: str, exit_code: int = 2) -> None:
    assert result.exit_code == exit_code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("prodstack: error: ")
    assert fragment in lines[0], lines[0]
    assert result.stdout == ""


def load_fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def estimate_data(data: Any, region: str | None = None, **assume: float) -> Estimate:
    return estimate(load_plan(data, "fixture", state=True), prices.load(),
                    assumptions.resolve(extra=assume), region)


def estimate_of(name: str, **assume: float) -> Estimate:
    return estimate_data(load_fixture(name), **assume)


def item(est: Estimate, address: str) -> Item:
    found = [i for i in est.items if i.address == address]
    assert len(found) == 1, [i.address for i in est.items]
    return found[0]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """PRODSTACK_HOME in a temporary folder (no emulator of another test is found)."""
    monkeypatch.setenv("PRODSTACK_HOME", str(tmp_path / "home"))
    return tmp_path / "home"

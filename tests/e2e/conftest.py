"""End-to-end fixtures: one emulator per test session, reset between suites, torn down at end.

Every prodstack call goes through the real CLI (`python -m prodstack`) with PRODSTACK_HOME
pointing at this session's folder, so the tests see exactly what a user sees.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from prodstack.config.load import load_settings
from prodstack.runtime import emulator
from prodstack.runtime.clients import client


class Cli:
    def __init__(self, home: Path) -> None:
        self.home = home

    def __call__(self, *args: str, check: bool = True, timeout: int = 900,
                 env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """`env`: more environment (the CI identity's keys: tests/e2e/ci_identity.py)."""
        full = {**os.environ, "PRODSTACK_HOME": str(self.home), **(env or {})}
        proc = subprocess.run([sys.executable, "-m", "prodstack", *args], capture_output=True,
                              text=True, env=full, timeout=timeout, check=False)
        if check and proc.returncode != 0:
            raise AssertionError(f"prodstack {' '.join(args)} exited {proc.returncode}:\n"
                                 f"{proc.stderr[-3000:]}")
        return proc


@pytest.fixture(scope="session")
def e2e_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("prodstack-home")
    old = os.environ.get("PRODSTACK_HOME")
    os.environ["PRODSTACK_HOME"] = str(home)
    yield home
    emulator.stop()
    if old is None:
        os.environ.pop("PRODSTACK_HOME", None)
    else:
        os.environ["PRODSTACK_HOME"] = old


@pytest.fixture(scope="session")
def emulator_url(e2e_home: Path) -> str:
    info, _ = emulator.start()
    return info.url


@pytest.fixture(scope="module")
def fresh_emulator(emulator_url: str) -> str:
    """Each suite starts from an empty emulator."""
    emulator.reset(emulator_url)
    return emulator_url


@pytest.fixture(scope="session")
def cli(e2e_home: Path) -> Cli:
    return Cli(e2e_home)


def boto(service: str, url: str) -> Any:
    """A boto3 client for the emulator."""
    return client(service, load_settings(), endpoint=url)

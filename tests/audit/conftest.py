"""Fixtures for the audit tests that plan real Terraform against the emulator."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from prodstack.runtime import emulator


@pytest.fixture(scope="module")
def audit_home(tmp_path_factory: pytest.TempPathFactory,
               monkeypatch_module: pytest.MonkeyPatch) -> Iterator[Path]:
    """A scratch PRODSTACK_HOME with a running emulator, both gone after the module."""
    home = tmp_path_factory.mktemp("audit-home")
    monkeypatch_module.setenv("PRODSTACK_HOME", str(home))
    emulator.start()
    yield home
    emulator.stop()

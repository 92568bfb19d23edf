"""The emulator's two modes: strict (the default: refuses what AWS refuses) and permissive
(moto as it is); a command whose settings ask for the other mode than the running one's stops
in one line, before anything runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from prodstack.config.load import load_settings
from prodstack.config.settings import STRICT_ENV
from prodstack.core.errors import SettingError

pytestmark = pytest.mark.emulator


def _prodstack(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "prodstack", *args],
                          env={**os.environ, "PRODSTACK_HOME": str(home), **env},
                          capture_output=True, text=True, timeout=120, check=False)


def test_a_permissive_emulator_is_named_and_a_strict_run_refused(tmp_path: Path):
    try:
        started = _prodstack(tmp_path, "emulator", "start", "--permissive")
        assert started.returncode == 0 and "permissive" in started.stdout, started.stderr
        assert json.loads((tmp_path / "emulator.json").read_text())["strict"] is False
        again = _prodstack(tmp_path, "emulator", "start", "--strict")
        assert again.returncode != 0 and "Traceback" not in again.stderr
        [line] = again.stderr.strip().splitlines()
        assert "runs permissive" in line and "emulator_strict" in line
        refused = _prodstack(tmp_path, "plan", "--env", "dev")
        assert refused.returncode != 0
        assert "runs permissive, but the settings ask for a strict one" in refused.stderr
        assert not (tmp_path / "local-dev" / "terraform.tfstate").exists()
    finally:
        _prodstack(tmp_path, "emulator", "stop")


def test_the_mode_comes_from_the_setting_or_the_environment(monkeypatch):
    assert load_settings().emulator_strict is True
    assert load_settings(overrides=["emulator_strict=false"]).emulator_strict is False
    monkeypatch.setenv(STRICT_ENV, "0")
    assert load_settings().emulator_strict is False
    monkeypatch.setenv(STRICT_ENV, "maybe")
    with pytest.raises(SettingError, match="emulator_strict"):
        load_settings()

"""The synthesized files, byte for byte, for every profile on both targets.

`fixtures/synth/<target>-<env>/` holds what `prodstack synth --env ENV --target TARGET` wrote
(the aws target with `tests.conftest.AWS_SETS` as `--set`), from an empty folder and no
settings file. A change that moves code must leave them unchanged; a deliberate change of the
stack refreshes them with `PRODSTACK_UPDATE_BASELINE=1 pytest tests/unit/test_synth_baseline.py`
(and the diff is reviewed with the change).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from prodstack.stack.synth import render
from tests.conftest import settings_for

BASELINES = Path(__file__).parent / "fixtures" / "synth"
ENVS = ("production", "staging", "dev")
TARGETS = ("local", "aws")


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("env", ENVS)
def test_synth_is_byte_identical_to_its_baseline(env: str, target: str) -> None:
    files = render(settings_for(env, target))
    folder = BASELINES / f"{target}-{env}"
    if os.environ.get("PRODSTACK_UPDATE_BASELINE"):
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.iterdir():
            stale.unlink()
        for name, content in files.items():
            (folder / name).write_text(content)
    expected = {p.name: p.read_bytes() for p in sorted(folder.iterdir())}
    assert sorted(files) == sorted(expected)
    for name, content in files.items():
        assert content.encode() == expected[name], f"{target}-{env}/{name}: not its baseline"

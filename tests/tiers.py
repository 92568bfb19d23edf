"""The test tiers, enforced: what a test may start depends on its marker.

| tier | marker | may start |
| --- | --- | --- |
| fast | none | neither Terraform (but `terraform version`) nor the emulator's server |
| emulator | `emulator` | the emulator's server, not Terraform |
| plan | `plan` | Terraform (init, validate, plan) and the emulator |
| e2e | `e2e` | anything: deploys to the emulator |

`make test-fast` runs the first two. A test that starts what its tier forbids fails, naming
what it started: Terraform is found on PATH, so a fast or emulator test runs with a
`terraform` first on PATH that records the call and refuses (subprocesses included); the
emulator's server is refused where it is started (`subprocess.Popen` in the test process).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

TIERS = ("fast", "emulator", "plan", "e2e")
# The lowest tier that may start each kind of process.
MAY_START = {"terraform": "plan", "the emulator's server": "emulator"}
EMULATOR_MODULE = "prodstack.runtime.emulator_server"
_REFUSED_EXIT = 97

_current = {"tier": "e2e", "test": ""}  # outside a test (collection, the session): anything
_started: list[str] = []


def tier_of(item: pytest.Item) -> str:
    names = {m.name for m in item.iter_markers()}
    return next((t for t in reversed(TIERS) if t in names), "fast")


def _allowed(what: str) -> bool:
    return TIERS.index(_current["tier"]) >= TIERS.index(MAY_START[what])


def _refuse(what: str) -> str:
    message = (f"{_current['test']}: a {_current['tier']} test started {what} (mark it "
               f"`{MAY_START[what]}` or higher, or keep it from starting {what})")
    _started.append(message)
    return message


_popen_init = subprocess.Popen.__init__


def _guarded_popen(self: subprocess.Popen[Any], args: Any, *rest: Any, **kwargs: Any) -> None:
    argv = [str(a) for a in args] if isinstance(args, list | tuple) else [str(args)]
    if EMULATOR_MODULE in argv and not _allowed("the emulator's server"):
        raise RuntimeError(_refuse("the emulator's server"))
    _popen_init(self, args, *rest, **kwargs)


subprocess.Popen.__init__ = _guarded_popen  # type: ignore[method-assign]


def _fake_terraform(folder: Path, record: Path) -> Path:
    """A `terraform` that writes its arguments to `record` and fails; `terraform version`
    (no provider, a few milliseconds) runs the real one."""
    real = shutil.which("terraform")
    script = folder / "terraform"
    version = (f'case "$1" in version|-version|--version) exec "{real}" "$@";; esac\n'
               if real else "")
    script.write_text("#!/bin/sh\n" + version +
                      f'echo "terraform $*" >> "{record}"\n'
                      'echo "refused: this test tier may not start terraform" >&2\n'
                      f"exit {_REFUSED_EXIT}\n")
    script.chmod(0o755)
    return folder


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    _current.update(tier=tier_of(item), test=item.nodeid)
    folder, _record = item.session.config._tier_bin  # type: ignore[attr-defined]
    path = os.environ.get("PATH", "")
    if not _allowed("terraform"):
        os.environ["PATH"] = f"{folder}{os.pathsep}{path}"
    try:
        yield
    finally:
        os.environ["PATH"] = path
        _current.update(tier="e2e", test="")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    _folder, record = item.session.config._tier_bin  # type: ignore[attr-defined]
    calls = record.read_text().splitlines() if record.exists() else []
    if calls:
        record.unlink()
        _started.append(f"{item.nodeid}: a {tier_of(item)} test started terraform "
                        f"({calls[0]}); mark it `plan` or higher")
    if _started:
        if not report.failed:
            report.outcome = "failed"
            report.longrepr = "\n".join(_started)
        _started.clear()


def pytest_configure(config: pytest.Config) -> None:
    folder = Path(tempfile.mkdtemp(prefix="prodstack-tier-bin-"))
    record = folder / "terraform-calls"
    config._tier_bin = (_fake_terraform(folder, record), record)  # type: ignore[attr-defined]


def pytest_unconfigure(config: pytest.Config) -> None:
    folder, _ = config._tier_bin  # type: ignore[attr-defined]
    shutil.rmtree(folder, ignore_errors=True)

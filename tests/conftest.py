"""Shared fixtures: synthesized documents (cached per profile and target) and settings; the
longest test files collected first; the tiers enforced (`tests/tiers.py`)."""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from prodstack.config.load import load_settings
from prodstack.config.settings import Settings
from prodstack.runtime import emulator
from prodstack.stack.synth import build_document
from tests.tiers import (  # noqa: F401  (hooks, found here by name)
    pytest_configure,
    pytest_runtest_makereport,
    pytest_runtest_protocol,
    pytest_unconfigure,
)

# The longest files (minutes of deploys each), longest first: collected first, so that with
# `--dist loadfile --no-loadscope-reorder` (make test) each starts on a worker of its own at
# once and the short files fill the workers around them.
LONGEST_FIRST = ("tests/e2e/test_lifecycle.py", "tests/e2e/test_faults.py",
                 "tests/e2e/test_faults_emulator.py", "tests/e2e/test_terminal.py",
                 "tests/e2e/test_app.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)
    items.sort(key=rank)  # stable: the order inside a file, and of the other files, is kept


@pytest.fixture(scope="session", autouse=True)
def _result_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Offline plans and validate results of prodstack's own stack, computed once per session
    and shared by every worker (`prodstack.tf.result_cache`: keyed by all they depend on).
    `make test` gives its own folder, shared with the checkov gate; never the user's cache."""
    if not os.environ.get("PRODSTACK_CACHE_DIR"):
        base = tmp_path_factory.getbasetemp()
        shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
        os.environ["PRODSTACK_CACHE_DIR"] = str(shared / "prodstack-cache")


@contextlib.contextmanager
def prodstack_home(path: Path) -> Iterator[None]:
    """PRODSTACK_HOME set to `path` for the duration only (other suites may use their own)."""
    old = os.environ.get("PRODSTACK_HOME")
    os.environ["PRODSTACK_HOME"] = str(path)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("PRODSTACK_HOME", None)
        else:
            os.environ["PRODSTACK_HOME"] = old


@contextlib.contextmanager
def running_emulator(home: Path) -> Iterator[str]:
    """An emulator of its own in `home` (PRODSTACK_HOME while it runs): its URL."""
    with prodstack_home(home):
        info, _ = emulator.start()
        try:
            yield info.url
        finally:
            emulator.stop()


AWS_SETS = ("state_bucket=acme-tf-state", "domain=shop.acme.io", "hosted_zone_id=Z0123456789ABC",
            "alarm_emails=oncall@acme.io")


def settings_for(env: str = "production", target: str = "local", *extra: str) -> Settings:
    overrides = (*AWS_SETS, *extra) if target == "aws" else extra
    return load_settings(env=env, target=target, overrides=overrides)


@functools.cache
def _doc(env: str, target: str, extra: tuple[str, ...]) -> dict[str, Any]:
    return build_document(settings_for(env, target, *extra)).to_dict()


@pytest.fixture
def synth():
    """`synth(env, target, *sets)` -> the Terraform JSON as a dict (cached)."""

    def make(env: str = "production", target: str = "local", *extra: str) -> dict[str, Any]:
        return _doc(env, target, tuple(extra))

    return make


def resources(doc: dict[str, Any], type_: str) -> dict[str, dict[str, Any]]:
    return doc.get("resource", {}).get(type_, {})


def count(doc: dict[str, Any], type_: str) -> int:
    return len(resources(doc, type_))


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()

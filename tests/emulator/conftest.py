"""The emulator alone: one real emulator server per test session, and unpatched moto in-process.

Every patch in `prodstack.runtime.moto_patches` has two tests: one against the emulator (a server
process started by `prodstack.runtime.emulator.start()`, in a temporary PRODSTACK_HOME), which fails
without the patch; and one "still needed" test, which runs the same probe against unpatched
moto in-process (`moto.mock_aws`) and fails once moto itself behaves like AWS, naming the
patch to remove.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import moto
import pytest

from prodstack.runtime import emulator
from tests.conftest import prodstack_home

REGION = "us-west-1"
Client = Callable[[str], Any]


def client_factory(endpoint: str | None) -> Client:
    def make(service: str) -> Any:
        return boto3.client(service, region_name=REGION, endpoint_url=endpoint,
                            aws_access_key_id="test", aws_secret_access_key="test")
    return make


@pytest.fixture(scope="session")
def emulator_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("emulator-home")
    with prodstack_home(home):
        emulator.start()
    yield home
    with prodstack_home(home):
        emulator.stop()


@pytest.fixture(scope="session")
def emulator_url(emulator_home: Path) -> str:
    with prodstack_home(emulator_home):
        info = emulator.running()
    assert info is not None, f"the emulator is not running; see {emulator_home}/emulator.log"
    return info.url


@pytest.fixture(scope="session")
def aws(emulator_url: str) -> Client:
    """boto3 clients for the (patched) emulator, shared by the session: names are unique."""
    return client_factory(emulator_url)


@pytest.fixture
def unpatched() -> Iterator[Client]:
    """boto3 clients for moto itself, in-process, without prodstack's patches."""
    with moto.mock_aws():
        yield client_factory(None)


def still_needed(broken: bool, patch: str, behaviour: str) -> None:
    """Fail when unpatched moto no longer shows the defect that `patch` corrects."""
    if not broken:
        pytest.fail(f"moto {moto.__version__} fixes {behaviour}: remove "
                    f"prodstack.runtime.moto_patches.{patch}", pytrace=False)

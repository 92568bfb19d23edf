"""The checks on a restored instance's description, without an emulator: versions,
encryption, and the wait loop's timeout. (The data checks: test_probe.py, test_runcommand.py.)"""

from __future__ import annotations

import pytest

from prodstack.ops.backup import verify
from prodstack.ops.backup.checks import engine_checks, major_version

RESTORED = {"Engine": "postgres", "EngineVersion": "16.4", "StorageEncrypted": True,
            "DBName": "productiondb", "DBInstanceStatus": "available",
            "Endpoint": {"Address": "db-restore.internal", "Port": 5432}}


@pytest.mark.parametrize(("engine", "version", "major"), [
    ("postgres", "16.3", "16"), ("postgres", "9.6.24", "9.6"), ("mysql", "8.0.35", "8.0"),
    ("aurora-postgresql", "15.4", "15"),
])
def test_major_version(engine, version, major):
    assert major_version(engine, version) == major


def test_engine_checks_compare_major_versions_and_encryption():
    source = {"Engine": "postgres", "EngineVersion": "16.3"}
    assert {c.status for c in engine_checks(source, RESTORED)} == {"passed"}
    by_id = {c.id: c for c in engine_checks(source, {**RESTORED, "EngineVersion": "15.7",
                                                     "StorageEncrypted": False})}
    assert by_id["engine_version"].status == "failed"
    assert by_id["encryption"].status == "failed"
    assert by_id["engine"].status == "passed"


def test_wait_gives_up_after_the_timeout():
    said: list[str] = []
    item = verify._wait(lambda: {"DBInstanceStatus": "creating"}, "instance", "db-restore-1",
                        poll_interval=0, timeout=0.05, progress=said.append)
    assert item["DBInstanceStatus"] == "creating"
    assert said == ["  instance db-restore-1: creating (0s)"]

"""Idempotency of the staging profile (production: test_lifecycle; dev: test_faults).

up → `plan --detailed-exitcode` exits 0 → verify passes, the accepted single-AZ trade
reported as n/a with its reason → down --purge leaves nothing.
"""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import Cli, boto

pytestmark = pytest.mark.e2e


def test_staging_up_replan_verify_down(cli: Cli, fresh_emulator: str):
    try:
        cli("up", "--env", "staging")
        assert cli("plan", "--env", "staging", "--detailed-exitcode",
                   check=False).returncode == 0
        checks = {c["id"]: c for c in json.loads(
            cli("verify", "--env", "staging", "--format", "json").stdout)["checks"]}
        assert checks["FM-3.1"]["status"] == "n/a" and "staging" in checks["FM-3.1"]["detail"]
        assert checks["FM-3.2"]["status"] == "pass"
    finally:
        down = cli("down", "--yes", "--purge", "--env", "staging", check=False)
    assert down.returncode == 0, down.stderr[-3000:]
    assert boto("rds", fresh_emulator).describe_db_instances()["DBInstances"] == []
    assert boto("s3", fresh_emulator).list_buckets()["Buckets"] == []

"""`prodstack bootstrap` on the emulator: creates the state bucket; a second run changes nothing."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Cli, boto

pytestmark = pytest.mark.e2e


def test_bootstrap_twice(cli: Cli, fresh_emulator: str):
    first = cli("bootstrap", "--set", "state_bucket=acme-tf-state")
    assert "state bucket: acme-tf-state" in first.stdout
    assert "use_lockfile = true" in first.stdout
    s3 = boto("s3", fresh_emulator)
    assert s3.get_bucket_versioning(Bucket="acme-tf-state")["Status"] == "Enabled"
    second = cli("bootstrap", "--set", "state_bucket=acme-tf-state")
    assert "(no changes)" in second.stdout

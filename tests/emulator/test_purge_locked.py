"""`down --purge` and an audit bucket under compliance retention (production's Object Lock
mode): AWS lets no one delete those objects before their retention ends, so purge deletes the
rest, keeps that bucket and the key that encrypts it, and says until when. Against the
emulator, which refuses a compliance-locked delete as S3 does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from prodstack.config.load import load_settings
from prodstack.ops.purge import purge_leftovers
from prodstack.ops.workflow import Workspace
from prodstack.runtime.targets import Connection
from tests.emulator.conftest import REGION, Client

pytestmark = pytest.mark.emulator
ACCOUNT = "123456789012"


def policy(bucket: str) -> str:
    return ('{"Version":"2012-10-17","Statement":[{"Sid":"Owner","Effect":"Allow",'
            f'"Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}},"Action":"s3:GetObject",'
            f'"Resource":"arn:aws:s3:::{bucket}/*"}}]}}')


def _workspace(url: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch,
               project: str) -> Workspace:
    monkeypatch.setenv("PRODSTACK_HOME", str(tmp_path))
    ws = Workspace(load_settings(env="production", overrides=[f"project={project}"]))
    ws.connection = Connection(url)
    return ws


def _bucket(aws: Client, name: str, mode: str | None) -> None:
    s3 = aws("s3")
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION},
                     ObjectLockEnabledForBucket=mode is not None)
    if mode:
        s3.put_object_lock_configuration(Bucket=name, ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": mode, "Days": 365}}})
    if mode == "COMPLIANCE":  # the first keys' own retention ends sooner than the default's
        soon = datetime.now(UTC) + timedelta(days=10)
        for n in range(25):
            s3.put_object(Bucket=name, Key=f"AWSLogs/2025/{n:02}.json.gz", Body=b"{}",
                          ObjectLockMode="COMPLIANCE", ObjectLockRetainUntilDate=soon)
        s3.put_bucket_policy(Bucket=name, Policy=policy(name))
    s3.put_object(Bucket=name, Key="AWSLogs/trail.json.gz", Body=b"{}")


@pytest.mark.parametrize("mode", ["COMPLIANCE", "GOVERNANCE"])
def test_purge_keeps_only_what_compliance_retention_holds(aws: Client, emulator_url: str,
                                                          tmp_path, monkeypatch, mode: str):
    ws = _workspace(emulator_url, tmp_path, monkeypatch, f"lock{mode[0].lower()}")
    names = ws.settings.names
    audit, logs = names.bucket("audit", ACCOUNT), names.bucket("logs", ACCOUNT)
    _bucket(aws, audit, mode)
    _bucket(aws, logs, None)
    kms = aws("kms")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName=names.alias("logs"), TargetKeyId=key)
    locked: list[str] = []
    purged = purge_leftovers(ws, ACCOUNT, locked)
    buckets = {b["Name"] for b in aws("s3").list_buckets()["Buckets"]}
    state = kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"]
    assert f"bucket {logs}" in purged and logs not in buckets
    if mode == "COMPLIANCE":
        [line] = locked
        assert line.startswith(f"bucket {audit}: 26 object version(s) under Object Lock "
                               "retention until ")
        # the latest date (the newest object's default retention), not the first keys'
        year = (datetime.now(UTC) + timedelta(days=365)).strftime("%Y-%m-%d")
        assert year in line, line
        assert aws("s3").get_bucket_policy(Bucket=audit)["Policy"] == policy(audit)  # kept
        assert audit in buckets and state == "Enabled"  # its key stays: the logs stay readable
    else:
        assert locked == [] and audit not in buckets and state == "PendingDeletion"

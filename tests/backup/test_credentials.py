"""The restored instance's master password is made the secret's current one when the secret
changed after the snapshot, and only then; the password goes to RDS, never into the SSM
command (fake RDS, Secrets Manager, SSM and Auto Scaling clients)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from prodstack.ops.backup.credentials import align_password
from prodstack.ops.backup.runcommand import database_checks
from tests.backup.test_runcommand import (
    BLUE,
    GOOD_OUTPUT,
    OUTPUTS,
    RESTORED,
    SOURCE,
    FakeAutoScaling,
    FakeSSM,
    instance,
)

SNAPSHOT = datetime(2025, 5, 1, 5, 0, tzinfo=UTC)
PASSWORD = "rotated-pw-7f3a"
SECRET = OUTPUTS["db_secret_arn"]


class FakeSecrets:
    def __init__(self, changed: datetime | None, error: str | None = None) -> None:
        self.changed = changed
        self.error = error
        self.reads = 0

    def describe_secret(self, SecretId: str) -> dict[str, Any]:
        assert SecretId == SECRET
        if self.error:
            raise ClientError({"Error": {"Code": self.error, "Message": "no"}}, "DescribeSecret")
        created = datetime(2025, 1, 1, tzinfo=UTC)
        return {"CreatedDate": created, **({"LastRotatedDate": self.changed}
                                           if self.changed else {})}

    def get_secret_value(self, SecretId: str) -> dict[str, Any]:
        self.reads += 1
        return {"SecretString": json.dumps({"username": "dbadmin", "password": PASSWORD})}


class FakeRDS:
    def __init__(self, pending_polls: int = 2) -> None:
        self.modified: list[dict[str, Any]] = []
        self.pending_polls = pending_polls
        self.polls = 0

    def modify_db_instance(self, **kwargs: Any) -> dict[str, Any]:
        self.modified.append(kwargs)
        return {}

    def describe_db_instances(self, DBInstanceIdentifier: str) -> dict[str, Any]:
        self.polls += 1
        pending = self.polls <= self.pending_polls
        return {"DBInstances": [{
            "DBInstanceIdentifier": DBInstanceIdentifier,
            "DBInstanceStatus": "resetting-master-credentials" if pending else "available",
            "PendingModifiedValues": {"MasterUserPassword": "****"} if pending else {}}]}


def align(rds: FakeRDS, secrets: FakeSecrets, timeout: float = 5.0) -> Any:
    return align_password(rds, secrets, "db-restore-1", SECRET, SNAPSHOT, poll_interval=0,
                          progress=lambda _: None, timeout=timeout)


def test_a_secret_unchanged_since_the_snapshot_leaves_the_password_alone():
    rds, secrets = FakeRDS(), FakeSecrets(SNAPSHOT - timedelta(days=2))
    check = align(rds, secrets)
    assert check.status == "passed" and "has not changed since the snapshot" in check.detail
    assert rds.modified == [] and secrets.reads == 0


def test_a_secret_rotated_after_the_snapshot_sets_the_restored_password_and_waits():
    rds, secrets = FakeRDS(pending_polls=2), FakeSecrets(SNAPSHOT + timedelta(days=3))
    check = align(rds, secrets)
    assert check.status == "passed", check.detail
    assert "2025-05-04T05:00:00Z, after the snapshot of 2025-05-01T05:00:00Z" in check.detail
    assert rds.modified == [{"DBInstanceIdentifier": "db-restore-1",
                             "MasterUserPassword": PASSWORD, "ApplyImmediately": True}]
    assert rds.polls == 3  # waited while the change was pending
    assert PASSWORD not in check.detail


def test_a_password_change_that_does_not_apply_in_time_fails():
    check = align(FakeRDS(pending_polls=10**6), FakeSecrets(SNAPSHOT + timedelta(days=1)),
                  timeout=0.05)
    assert check.status == "failed" and "still resetting-master-credentials" in check.detail


def test_a_secret_that_cannot_be_described_fails_with_the_error():
    check = align(FakeRDS(), FakeSecrets(None, error="AccessDeniedException"))
    assert check.status == "failed" and "AccessDeniedException" in check.detail


def test_the_password_reaches_rds_but_never_the_ssm_command():
    """End to end on the aws path: credentials first, then the data checks on an instance."""
    rds, secrets = FakeRDS(pending_polls=1), FakeSecrets(SNAPSHOT + timedelta(days=3))
    ssm = FakeSSM([{"Status": "Success", "StandardOutputContent": GOOD_OUTPUT}])
    clients = {"rds": rds, "secretsmanager": secrets, "ssm": ssm,
               "autoscaling": FakeAutoScaling({BLUE: [instance("i-1")]})}
    result = database_checks(OUTPUTS, clients.__getitem__, SOURCE, RESTORED,
                             {"SnapshotCreateTime": SNAPSHOT}, (), 0, lambda _: None)
    assert [(c.id, c.status) for c in result] == [
        ("credentials", "passed"), ("answers", "passed"), ("tables", "passed")]
    assert rds.modified[0]["MasterUserPassword"] == PASSWORD
    assert PASSWORD not in json.dumps(ssm.sent)


def test_failed_credentials_stop_before_any_command_is_sent():
    ssm = FakeSSM([])
    clients = {"rds": FakeRDS(), "secretsmanager": FakeSecrets(None, error="AccessDenied"),
               "ssm": ssm, "autoscaling": FakeAutoScaling({BLUE: [instance("i-1")]})}
    result = database_checks(OUTPUTS, clients.__getitem__, SOURCE, RESTORED,
                             {"SnapshotCreateTime": SNAPSHOT}, (), 0, lambda _: None)
    assert [(c.id, c.status) for c in result] == [("credentials", "failed")]
    assert ssm.sent == []

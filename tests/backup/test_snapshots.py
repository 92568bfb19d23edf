"""AWS Backup's snapshots count: listed, measured in the RPO, taken by `--snapshot latest`,
and restored by ARN; and the vault's newest recovery point (fake RDS and AWS Backup clients).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from prodstack.core.errors import UserError
from prodstack.ops.backup.snapshots import available_snapshots, given_snapshot, recovery_point_age
from prodstack.ops.backup.vault import newest_recovery_point, snapshot_behind
from prodstack.ops.backup.verify import restore_source

DB = "prodstack-production-db"
ARN = "arn:aws:rds:us-west-1:123456789012"
NOW = datetime.now(UTC)


def snap(kind: str, name: str, hours_ago: float, status: str = "available") -> dict[str, Any]:
    return {"DBSnapshotIdentifier": name, "DBSnapshotArn": f"{ARN}:snapshot:{name}",
            "DBInstanceIdentifier": DB, "SnapshotType": kind, "Status": status,
            "SnapshotCreateTime": NOW - timedelta(hours=hours_ago)}


SNAPSHOTS = [snap("automated", "rds:db-2025", 20), snap("manual", "before-upgrade", 50),
             snap("awsbackup", "awsbackup:job-new", 2), snap("awsbackup", "awsbackup:job-copying",
                                                             1, status="creating")]


class Pages:
    def __init__(self, pages: list[dict[str, Any]]) -> None:
        self.pages = pages

    def paginate(self, **_: Any) -> list[dict[str, Any]]:
        return self.pages


class FakeRDS:
    def __init__(self) -> None:
        self.asked: list[dict[str, Any]] = []

    def get_paginator(self, name: str) -> Any:
        assert name == "describe_db_snapshots"
        rds = self

        class Paginator:
            def paginate(self, DBInstanceIdentifier: str, SnapshotType: str) -> list[Any]:
                rds.asked.append({"SnapshotType": SnapshotType})
                return [{"DBSnapshots": [s for s in SNAPSHOTS
                                         if s["SnapshotType"] == SnapshotType]}]

        return Paginator()

    def describe_db_snapshots(self, DBSnapshotIdentifier: str,
                              SnapshotType: str | None = None) -> dict[str, Any]:
        self.asked.append({"id": DBSnapshotIdentifier, "SnapshotType": SnapshotType})
        return {"DBSnapshots": [s for s in SNAPSHOTS if s["DBSnapshotIdentifier"] ==
                                DBSnapshotIdentifier and SnapshotType in (None,
                                                                          s["SnapshotType"])]}


def test_aws_backup_snapshots_are_listed_and_latest_is_the_newest_of_all_kinds():
    found = available_snapshots(FakeRDS(), DB)
    assert [s["DBSnapshotIdentifier"] for s in found] == \
        ["before-upgrade", "rds:db-2025", "awsbackup:job-new"]
    assert found[-1]["SnapshotType"] == "awsbackup"  # what --snapshot latest takes


def test_the_rpo_counts_aws_backup_snapshots():
    age, what = recovery_point_age(available_snapshots(FakeRDS(), DB), {})
    since_import = (datetime.now(UTC) - NOW).total_seconds()  # NOW is fixed when tests load
    assert what is not None and what.startswith("awsbackup snapshot awsbackup:job-new")
    assert 2 * 3600 <= age <= 2 * 3600 + since_import + 1


def test_a_given_aws_backup_snapshot_is_looked_up_under_its_type():
    rds = FakeRDS()
    found = given_snapshot(rds, "awsbackup:job-new", DB)
    assert found["SnapshotType"] == "awsbackup"
    assert rds.asked == [{"id": "awsbackup:job-new", "SnapshotType": "awsbackup"}]


def test_aws_backup_snapshots_are_restored_by_arn_others_by_id():
    assert restore_source(SNAPSHOTS[2]) == f"{ARN}:snapshot:awsbackup:job-new"
    assert restore_source(SNAPSHOTS[0]) == "rds:db-2025"


class FakeBackup:
    def __init__(self, points: list[dict[str, Any]] | None = None,
                 error: str | None = None) -> None:
        self.points = points or []
        self.error = error
        self.asked: dict[str, Any] = {}

    def get_paginator(self, name: str) -> Any:
        assert name == "list_recovery_points_by_backup_vault"
        backup = self

        class Paginator:
            def paginate(self, **kwargs: Any) -> list[dict[str, Any]]:
                backup.asked = kwargs
                if backup.error:
                    raise ClientError({"Error": {"Code": backup.error, "Message": "x"}},
                                      "ListRecoveryPointsByBackupVault")
                return [{"RecoveryPoints": backup.points[:1]}, {"RecoveryPoints":
                                                                backup.points[1:]}]

        return Paginator()


def point(name: str, hours_ago: float, status: str = "COMPLETED") -> dict[str, Any]:
    return {"RecoveryPointArn": f"{ARN}:snapshot:{name}", "Status": status,
            "ResourceType": "RDS", "CreationDate": NOW - timedelta(hours=hours_ago)}


def test_the_vaults_newest_completed_recovery_point_of_the_database_is_chosen():
    backup = FakeBackup([point("awsbackup:job-old", 26), point("awsbackup:job-new", 2),
                         point("awsbackup:job-running", 0.5, status="CREATING")])
    chosen = newest_recovery_point(backup, "prodstack-production-vault",
                                   f"{ARN}:db:{DB}", DB)
    assert chosen["RecoveryPointArn"].endswith("job-new")
    assert backup.asked == {"BackupVaultName": "prodstack-production-vault",
                            "ByResourceArn": f"{ARN}:db:{DB}"}
    behind = snapshot_behind(chosen, available_snapshots(FakeRDS(), DB), "v")
    assert behind["DBSnapshotIdentifier"] == "awsbackup:job-new"


def test_an_available_recovery_point_counts_as_finished():
    """The status enum has COMPLETED and AVAILABLE; DescribeRecoveryPoint calls AVAILABLE the
    state of a point ready for use."""
    backup = FakeBackup([point("awsbackup:job-old", 26), point("awsbackup:job-new", 2,
                                                               status="AVAILABLE")])
    chosen = newest_recovery_point(backup, "v", f"{ARN}:db:{DB}", DB)
    assert chosen["RecoveryPointArn"].endswith("job-new")


@pytest.mark.parametrize(("backup", "fragment"), [
    (FakeBackup(error="ResourceNotFoundException"), "backup vault v does not exist"),
    (FakeBackup(error="AccessDeniedException"), "cannot list the recovery points of vault v"),
    (FakeBackup([point("awsbackup:job-1", 1, status="CREATING")]),
     "holds no completed recovery point of prodstack-production-db yet (1 not completed"),
    (FakeBackup([]), "holds no completed recovery point"),
])
def test_no_usable_recovery_point_is_a_one_line_error(backup, fragment):
    with pytest.raises(UserError, match=fragment.replace("(", r"\(")) as caught:
        newest_recovery_point(backup, "v", f"{ARN}:db:{DB}", DB)
    assert "\n" not in str(caught.value)


def test_a_recovery_point_without_an_available_snapshot_is_a_one_line_error():
    with pytest.raises(UserError, match="has no available RDS snapshot behind it"):
        snapshot_behind(point("awsbackup:job-copying", 1), available_snapshots(FakeRDS(), DB),
                        "v")

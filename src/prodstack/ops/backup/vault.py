"""`backup verify --snapshot vault`: the newest recovery point of the stack's AWS Backup vault.

The stack's backup plan (stack/operations.py) keeps the database's backups as recovery points
in its vault (`Names.vault`). For an RDS instance a recovery point is an RDS snapshot of type
`awsbackup`, and the recovery point's ARN is that snapshot's ARN (AWS Backup developer guide,
"Restore an Amazon RDS database"; RDS API reference, DescribeDBSnapshots, `SnapshotType`). The
newest recovery point is found with ListRecoveryPointsByBackupVault filtered `ByResourceArn`
(AWS Backup API reference): only finished ones count, COMPLETED or AVAILABLE (the API's
status enum has both; DescribeRecoveryPoint calls AVAILABLE the state of a point "successfully
created ... now ready for use").

Why the drill restores the snapshot behind the recovery point with RDS's own
RestoreDBInstanceFromDBSnapshot, not AWS Backup's StartRestoreJob:
- every `--snapshot` mode then restores the same way, next to the source (its subnet group,
  security groups and parameter group; private, single-AZ, tagged as this run's, journaled
  before it is created), is checked and cleaned up by the same code, and its RTO is measured
  the same way, from the restore call to `available`;
- StartRestoreJob would need restore metadata and a role for AWS Backup to pass (the caller
  would need `iam:PassRole`), and names the instance itself;
- AWS Backup's own restore path is tested in the account anyway, weekly, by the stack's
  restore testing plan (`aws_backup_restore_testing_plan`, stack/operations.py).
The recovery point and its snapshot are never deleted: this run did not create them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from prodstack.core.errors import UserError, aws_error

FINISHED = ("COMPLETED", "AVAILABLE")  # the recovery point statuses a restore may use


def newest_recovery_point(backup: Any, vault: str, resource_arn: str,
                          db_id: str) -> dict[str, Any]:
    """The newest finished recovery point of `resource_arn` in `vault`; a `UserError` when
    the vault is missing or holds none yet."""
    try:
        pages = backup.get_paginator("list_recovery_points_by_backup_vault").paginate(
            BackupVaultName=vault, ByResourceArn=resource_arn)
        points = [p for page in pages for p in page.get("RecoveryPoints", [])]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            raise UserError(f"backup vault {vault} does not exist (deploy the stack with "
                            "`prodstack up`)") from None
        raise UserError(f"cannot list the recovery points of vault {vault}: "
                        f"{aws_error(exc)}") from None
    except BotoCoreError as exc:
        raise UserError(f"cannot list the recovery points of vault {vault}: "
                        f"{aws_error(exc)}") from None
    done = [p for p in points if p.get("Status") in FINISHED and p.get("CreationDate")]
    if not done:
        others = sorted({str(p.get("Status")) for p in points})
        extra = f" ({len(points)} not completed: {', '.join(others)})" if points else ""
        raise UserError(f"vault {vault} holds no completed recovery point of {db_id} yet"
                        f"{extra}; the backup plan makes one a day (or use --snapshot new)")
    return max(done, key=lambda p: p["CreationDate"])


def snapshot_behind(point: dict[str, Any], snapshots: list[dict[str, Any]],
                    vault: str) -> dict[str, Any]:
    """The available RDS snapshot whose ARN is the recovery point's ARN."""
    arn = point["RecoveryPointArn"]
    for snap in snapshots:
        if snap.get("DBSnapshotArn") == arn:
            return snap
    raise UserError(f"recovery point {arn} of vault {vault} has no available RDS snapshot "
                    "behind it (is it still being copied, or not an RDS instance's?)")


def describe_point(point: dict[str, Any], vault: str) -> str:
    """`<arn> (vault <name>, created <time>)`, for the report."""
    when = point.get("CreationDate")
    at = f", created {when.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}" \
        if isinstance(when, datetime) else ""
    return f"{point['RecoveryPointArn']} (vault {vault}{at})"

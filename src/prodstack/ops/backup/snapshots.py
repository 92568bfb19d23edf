"""Which snapshot `backup verify` restores, and the recovery point objective.

A database has three kinds of snapshots (RDS API reference, DescribeDBSnapshots,
`SnapshotType`): `automated` (RDS's daily backups, kept `backup_retention_period` days),
`manual`, and `awsbackup`, the snapshots AWS Backup's jobs take for the stack's backup plan
(its recovery points in the vault, kept as long as the plan's lifecycle says: 35 days in
production). DescribeDBSnapshots without a type returns only the first two, so each kind is
listed on its own. A given snapshot id must exist, be available and belong to the stack's
database; `latest` is the newest available snapshot of any kind. The RPO is the age of the
newest recovery point before the run: the newest available snapshot of any kind, or the
source's `LatestRestorableTime` (point in time recovery) when that is newer.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from prodstack.core.errors import UserError, aws_error


def given_snapshot(rds: Any, snapshot_id: str, db_id: str) -> dict[str, Any]:
    """The snapshot `--snapshot ID` names; a `UserError` unless it is usable for `db_id`."""
    # AWS Backup's snapshots are named `awsbackup:job-…` and listed under their own type.
    kind = {"SnapshotType": "awsbackup"} if snapshot_id.startswith("awsbackup:") else {}
    try:
        found = rds.describe_db_snapshots(DBSnapshotIdentifier=snapshot_id, **kind)["DBSnapshots"]
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if "NotFound" in code:
            raise UserError(f"no snapshot {snapshot_id!r} (try --snapshot latest)") from None
        raise UserError(f"snapshot {snapshot_id!r}: {aws_error(exc)}") from None
    except BotoCoreError as exc:
        raise UserError(f"snapshot {snapshot_id!r}: {aws_error(exc)}") from None
    if not found:
        raise UserError(f"no snapshot {snapshot_id!r} (try --snapshot latest)")
    snap = dict(found[0])
    if snap.get("DBInstanceIdentifier") != db_id:
        raise UserError(f"snapshot {snapshot_id} is of {snap.get('DBInstanceIdentifier')}, "
                        f"not of the stack's database {db_id}")
    if snap.get("Status") != "available":
        raise UserError(f"snapshot {snapshot_id} is {snap.get('Status')}, not available")
    return snap


SNAPSHOT_TYPES = ("automated", "manual", "awsbackup")


def available_snapshots(rds: Any, db_id: str) -> list[dict[str, Any]]:
    """The database's available snapshots of every kind (`SNAPSHOT_TYPES`), oldest first."""
    found: list[dict[str, Any]] = []
    for snapshot_type in SNAPSHOT_TYPES:
        pages = rds.get_paginator("describe_db_snapshots").paginate(
            DBInstanceIdentifier=db_id, SnapshotType=snapshot_type)
        found += [s for page in pages for s in page["DBSnapshots"]
                  if s.get("Status") == "available" and s.get("SnapshotCreateTime")]
    return sorted(found, key=lambda s: s["SnapshotCreateTime"])


def recovery_point_age(snapshots: list[dict[str, Any]],
                       source: dict[str, Any]) -> tuple[float | None, str | None]:
    """Age of the newest recovery point: the newest snapshot or the latest restorable time."""
    points: list[tuple[datetime, str]] = [
        (s["SnapshotCreateTime"], f"{s.get('SnapshotType', '')} snapshot "
                                  f"{s['DBSnapshotIdentifier']}") for s in snapshots]
    if source.get("LatestRestorableTime"):
        points.append((source["LatestRestorableTime"], "latest restorable time (PITR)"))
    if not points:
        return None, None
    newest, what = max(points, key=lambda p: p[0])
    age = max(0.0, (datetime.now(UTC) - newest).total_seconds())
    return round(age, 1), f"{what} at {newest.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"


def describe_snapshot(rds: Any, snapshot_id: str) -> dict[str, Any]:
    return dict(rds.describe_db_snapshots(DBSnapshotIdentifier=snapshot_id)["DBSnapshots"][0])


def snapshot_detail(snap: dict[str, Any], created: str | None) -> str:
    kind = "taken now" if created else f"{snap.get('SnapshotType', 'existing')} snapshot"
    when = snap.get("SnapshotCreateTime")
    at = f" of {when.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}" if isinstance(when, datetime) else ""
    return (f"{snap['DBSnapshotIdentifier']} ({kind}{at}, "
            f"{snap.get('Engine', '?')} {snap.get('EngineVersion', '?')})")

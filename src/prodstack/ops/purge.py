"""What `down --purge` deletes beyond Terraform's destroy, and its check that nothing is left:
what a plain `down` keeps (stack/parts/kept.py: the final snapshots, the vault's recovery points and
the vault, the role AWS Backup manages them with, the buckets, then the keys that encrypted
them), and what the AWS APIs still list of the deployment (`leftovers`). A bucket whose
objects are under compliance retention stays, with its key and its policy, and is named with
the date its retention ends.
"""

from __future__ import annotations

import contextlib
import time
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from prodstack.core.errors import UserError
from prodstack.ops import leftovers
from prodstack.ops.workflow import Workspace, forget_kept
from prodstack.stack.parts.kept import KEPT_BUCKETS, KEPT_KEYS, KEPT_ROLE, KEY_OF_BUCKET
from prodstack.tf.progress import fmt_seconds

VAULT_EMPTY_TIMEOUT_SECONDS = 600.0
VAULT_POLL_SECONDS = 10.0


def _quiet(call: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return call(*args, **kwargs)
    except (ClientError, BotoCoreError):
        return None

class BucketLocked(Exception):
    """Objects under an Object Lock retention that no one may lift (COMPLIANCE mode)."""

    def __init__(self, bucket: str, count: int, until: datetime | None) -> None:
        self.bucket, self.count, self.until = bucket, count, until
        when = f"until {until:%Y-%m-%d}" if until else "for their retention period"
        super().__init__(f"bucket {bucket}: {count} object version(s) under Object Lock "
                         f"retention {when}; AWS lets no one delete them before, so purge "
                         "keeps the bucket (and the key that encrypts them): run it again "
                         "after that date")


def _object_locked(error: dict[str, Any]) -> bool:
    return error.get("Code") == "AccessDenied" and "lock" in str(error.get("Message", "")).lower()


def _retained_until(s3: Any, bucket: str) -> datetime | None:
    """The latest retain-until date in the bucket: the newest versions' (listing order is by
    key, so a sample of the first locked batch would give the oldest), and the default
    retention counted from the newest version (Object Lock applies it at each write)."""
    newest: list[dict[str, Any]] = []
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        newest = sorted(newest + page.get("Versions", []), key=lambda v: v["LastModified"],
                        reverse=True)[:20]
    dates = []
    for version in newest:
        head = _quiet(s3.head_object, Bucket=bucket, Key=version["Key"],
                      VersionId=version["VersionId"]) or {}
        if isinstance(until := head.get("ObjectLockRetainUntilDate"), datetime):
            dates.append(until)
    config = _quiet(s3.get_object_lock_configuration, Bucket=bucket) or {}
    default = config.get("ObjectLockConfiguration", {}).get("Rule", {}).get(
        "DefaultRetention", {})
    if newest and (default.get("Days") or default.get("Years")):
        days = int(default.get("Days") or 0) + 365 * int(default.get("Years") or 0)
        dates.append(newest[0]["LastModified"] + timedelta(days=days))
    return max(dates) if dates else None


def empty_bucket(ws: Workspace, bucket: str) -> int:
    """Delete every object version and delete marker (purge only).

    The bucket policy goes first: its TLS-only deny would refuse the emulator's plain-HTTP
    calls, and the bucket is about to be deleted anyway; a bucket that compliance retention
    keeps (`BucketLocked`) gets its policy back. Governance retention is bypassed.
    """
    s3 = ws.clients()("s3")
    removed = 0
    policy = (_quiet(s3.get_bucket_policy, Bucket=bucket) or {}).get("Policy")
    try:
        s3.delete_bucket_policy(Bucket=bucket)
        pages = s3.get_paginator("list_object_versions").paginate(Bucket=bucket)
        for page in pages:
            objects = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                       for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
            for start in range(0, len(objects), 1000):
                batch = objects[start:start + 1000]
                result = s3.delete_objects(Bucket=bucket, Delete={"Objects": batch,
                                                                  "Quiet": True},
                                           BypassGovernanceRetention=True)
                errors = result.get("Errors") or []
                locked = [e for e in errors if _object_locked(e)]
                if errors and len(locked) == len(errors):
                    if policy:
                        _quiet(s3.put_bucket_policy, Bucket=bucket, Policy=policy)
                    raise BucketLocked(bucket, len(locked), _retained_until(s3, bucket))
                if errors:
                    first = errors[0]
                    raise UserError(f"could not empty bucket {bucket}: {first.get('Code')} on "
                                    f"{first.get('Key')} ({len(errors)} objects)")
                removed += len(batch)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "NoSuchBucket":
            raise UserError(f"could not empty bucket {bucket}: {exc}") from None
    return removed


def delete_bucket(ws: Workspace, bucket: str, attempts: int = 5) -> bool:
    """Empty and delete a bucket; retried, because access logs may still arrive. True if gone."""
    s3 = ws.clients()("s3")
    for _ in range(attempts):
        if _quiet(s3.head_bucket, Bucket=bucket) is None:
            return True
        empty_bucket(ws, bucket)
        try:
            s3.delete_bucket(Bucket=bucket)
            return True
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "NoSuchBucket":
                return True
            time.sleep(1)
    raise UserError(f"bucket {bucket} could not be emptied and deleted; run the purge again")


def purge_leftovers(ws: Workspace, account: str, locked: list[str] | None = None,
                    held: set[str] | None = None) -> list[str]:
    """Remove what a plain `down` keeps (stack/parts/kept.py): the final snapshots, the vault's
    recovery points and the vault, the buckets (sources before the log bucket), then the keys
    that encrypted them. A bucket whose objects are under compliance retention stays, with its
    key; `locked` gets a line for each, `held` their names and ids."""
    locked = [] if locked is None else locked
    held = set() if held is None else held
    names, clients = ws.settings.names, ws.clients()
    removed: list[str] = []
    rds = clients("rds")
    snaps: list[dict[str, Any]] = []
    with contextlib.suppress(ClientError, BotoCoreError):  # every page: a key goes after
        for page in rds.get_paginator("describe_db_snapshots").paginate(SnapshotType="manual"):
            snaps += page.get("DBSnapshots", [])
    for snap in snaps:
        if snap["DBSnapshotIdentifier"].startswith(names.regional("db-")):
            _quiet(rds.delete_db_snapshot, DBSnapshotIdentifier=snap["DBSnapshotIdentifier"])
            removed.append(f"snapshot {snap['DBSnapshotIdentifier']}")
    removed += purge_vault(ws, names.vault)
    removed += purge_role(ws, names.service_role(KEPT_ROLE))
    s3 = clients("s3")
    keys = set(KEPT_KEYS)
    for role in KEPT_BUCKETS:
        bucket = names.bucket(role, account)
        if _quiet(s3.head_bucket, Bucket=bucket) is None:
            continue
        try:
            delete_bucket(ws, bucket)
        except BucketLocked as exc:
            locked.append(str(exc))
            held.add(bucket)
            keys -= set(KEY_OF_BUCKET.get(role, ()))  # its objects stay readable
            continue
        removed.append(f"bucket {bucket}")
    kms = clients("kms")
    aliases = _quiet(kms.list_aliases) or {"Aliases": []}
    wanted = {names.alias(key) for key in keys}
    held |= {a["TargetKeyId"] for a in aliases["Aliases"] if a.get("TargetKeyId") and
             a["AliasName"] in {names.alias(key) for key in set(KEPT_KEYS) - keys}}
    for alias in aliases["Aliases"]:
        if alias["AliasName"] in wanted and alias.get("TargetKeyId"):
            _quiet(kms.delete_alias, AliasName=alias["AliasName"])
            _quiet(kms.schedule_key_deletion, KeyId=alias["TargetKeyId"], PendingWindowInDays=7)
            removed.append(f"key {alias['TargetKeyId']} (scheduled for deletion in 7 days)")
    forget_kept(ws)
    return removed


def check_nothing_left(ws: Workspace, held: set[str]) -> list[str]:
    """After a purge: what of this deployment is still there, through the AWS APIs (by tags
    and names, `leftovers`); what stands alone is deleted, the rest named."""
    clients = ws.clients()
    found = leftovers.find(clients, ws.settings, held)
    if found:
        ws.say(f"{len(found)} resource(s) of {ws.settings.env} are still there after the "
               "destroy (not in Terraform's state); removing those that stand alone")
        leftovers.remove(clients, found, lambda bucket: delete_bucket(ws, bucket))
        found = leftovers.find(clients, ws.settings, held)
    return [str(item) for item in found]


VAULT_EMPTY_TIMEOUT_SECONDS = 600.0
VAULT_POLL_SECONDS = 10.0


def purge_vault(ws: Workspace, vault: str) -> list[str]:
    """Delete the vault's recovery points, wait until the vault lists none in any status
    (AWS Backup deletes asynchronously: a point stays DELETING while RDS removes its snapshot),
    then the vault, retried while AWS Backup still counts a point ("A vault can be deleted only
    if it is empty": DeleteBackupVault). A point that turns EXPIRED was refused to AWS Backup's
    role (DeleteRecoveryPoint: the caller then needs iam:CreateServiceLinkedRole): named at
    once. A vault that does not exist is nothing to do."""
    backup = ws.clients()("backup")
    try:
        points = _recovery_points(backup, vault)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return []
        raise UserError(f"could not list the recovery points of vault {vault}: {exc}") from None
    deadline = time.monotonic() + VAULT_EMPTY_TIMEOUT_SECONDS
    asked: set[str] = set()
    if points:
        ws.say(f"deleting {len(points)} recovery point(s) of backup vault {vault}")
    while True:
        for arn, status in points.items():
            if status == "EXPIRED" and arn in asked:
                raise UserError(
                    f"recovery point {arn} of vault {vault} is EXPIRED: AWS Backup could not "
                    "delete it with the role that made it; give this identity "
                    "iam:CreateServiceLinkedRole and run the purge again (AWS Backup then "
                    "deletes it with its service-linked role)")
            if status != "DELETING" and arn not in asked:
                _quiet(backup.delete_recovery_point, BackupVaultName=vault, RecoveryPointArn=arn)
                asked.add(arn)
        if not points and _vault_deleted(backup, vault):
            return [f"{len(asked)} recovery point(s) and backup vault {vault}"]
        if time.monotonic() > deadline:
            raise UserError(f"backup vault {vault} still holds recovery points after "
                            f"{fmt_seconds(VAULT_EMPTY_TIMEOUT_SECONDS)}; run the purge again")
        ws.say(f"waiting for AWS Backup to delete the {len(points) or 'last'} recovery "
               f"point(s) of {vault}")
        time.sleep(VAULT_POLL_SECONDS)
        points = _recovery_points(backup, vault)


def purge_role(ws: Workspace, role: str) -> list[str]:
    """Delete the role a plain `down` kept for AWS Backup (after the vault): its managed
    policies detached first, as IAM requires. A role that does not exist is nothing to do."""
    iam = ws.clients()("iam")
    try:
        attached = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
        for policy in attached:
            iam.detach_role_policy(RoleName=role, PolicyArn=policy["PolicyArn"])
        iam.delete_role(RoleName=role)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "NoSuchEntity":
            return []
        raise UserError(f"could not delete role {role}: {exc}") from None
    return [f"role {role}"]


def _vault_deleted(backup: Any, vault: str) -> bool:
    """Delete the vault; False while AWS Backup still counts a recovery point in it."""
    try:
        backup.delete_backup_vault(BackupVaultName=vault)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "InvalidRequestException" and \
                "recovery points" in str(exc):
            return False
        raise UserError(f"could not delete backup vault {vault}: {exc}") from None
    return True


def _recovery_points(backup: Any, vault: str) -> dict[str, str]:
    """Every recovery point of the vault, in any status: ARN -> status."""
    pages = backup.get_paginator("list_recovery_points_by_backup_vault").paginate(
        BackupVaultName=vault)
    return {p["RecoveryPointArn"]: str(p.get("Status", ""))
            for page in pages for p in page.get("RecoveryPoints", [])}

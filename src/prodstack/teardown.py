"""Ordered teardown (FM-6.3): `prodstack down` never fails half-way and never loses audit data.

First the state lock (prodstack's, the one Terraform takes): while anyone else holds it,
`down` changes nothing and says who holds it. Then, under the lock and recorded in the
journal: stop the trail and the Config recorder; lift deletion protection of the database
and the load balancer (the database still leaves its final snapshot in production); destroy
everything but what a plain `down` keeps (stack/kept.py: the buckets, the keys that encrypt
what they and the snapshots hold, the backup vault with its recovery points: a targeted
destroy, so that a destroy that cannot start leaves the state as it was); then those leave
Terraform's state and are recorded in `kept.json`, so that the next `up` imports them again.
With `--purge` they are deleted too (snapshots and recovery points first, Object Lock
governance bypassed, the keys last), with what an earlier `down` kept.
A destroy that cannot start puts the protection back and starts the trail and the recorder
again; one cut off half-way leaves its journal, and the next command says so.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from prodstack import leftovers
from prodstack.errors import UserError
from prodstack.journal import Journal
from prodstack.locking import state_lock
from prodstack.stack.kept import KEPT_BUCKETS, KEPT_KEYS, KEY_OF_BUCKET, kept
from prodstack.tf import state as tfstate
from prodstack.tf.progress import fmt_seconds
from prodstack.tf.runner import Terraform, TerraformError
from prodstack.workflow import KEPT_FILE, Workspace, apply_plan, forget_kept


@dataclass
class DownReport:
    destroyed: int = 0
    kept: list[str] = field(default_factory=list)
    purged: list[str] = field(default_factory=list)
    final_snapshot: str | None = None
    seconds: float = 0.0
    locked: list[str] = field(default_factory=list)  # what purge could not delete, and why
    held: set[str] = field(default_factory=set)  # bucket names and key ids it kept for that
    left: list[str] = field(default_factory=list)  # what purge found still there after all


def kept_addresses(addresses: list[str]) -> list[str]:
    """State addresses that a plain `down` keeps (stack/kept.py: buckets, keys, vault)."""
    return [address for address in addresses if kept(address)]


def _quiet(call: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return call(*args, **kwargs)
    except (ClientError, BotoCoreError):
        return None


def stop_audit(ws: Workspace) -> None:
    names = ws.settings.names
    clients = ws.clients()
    _quiet(clients("cloudtrail").stop_logging, Name=names.trail)
    _quiet(clients("config").stop_configuration_recorder,
           ConfigurationRecorderName=names.recorder)


def start_audit(ws: Workspace) -> None:
    names = ws.settings.names
    clients = ws.clients()
    _quiet(clients("cloudtrail").start_logging, Name=names.trail)
    _quiet(clients("config").start_configuration_recorder,
           ConfigurationRecorderName=names.recorder)


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


def _account_id(ws: Workspace) -> str:
    ident = _quiet(ws.clients()("sts").get_caller_identity)
    if not ident:
        raise UserError("cannot read the account id (are the credentials valid?)")
    return str(ident["Account"])


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
    """Remove what a plain `down` keeps (stack/kept.py): the final snapshots, the vault's
    recovery points and the vault, the buckets (sources before the log bucket), then the keys
    that encrypted them. A bucket whose objects are under compliance retention stays, with its
    key; `locked` gets a line for each, `held` their names and ids."""
    locked = [] if locked is None else locked
    held = set() if held is None else held
    names, clients = ws.settings.names, ws.clients()
    removed: list[str] = []
    rds = clients("rds")
    snaps = _quiet(rds.describe_db_snapshots, SnapshotType="manual") or {"DBSnapshots": []}
    for snap in snaps["DBSnapshots"]:
        if snap["DBSnapshotIdentifier"].startswith(names.regional("db-")):
            _quiet(rds.delete_db_snapshot, DBSnapshotIdentifier=snap["DBSnapshotIdentifier"])
            removed.append(f"snapshot {snap['DBSnapshotIdentifier']}")
    removed += purge_vault(ws, names.vault)
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


def down(ws: Workspace, purge: bool, reset_state: bool = False) -> DownReport:
    started = time.monotonic()
    report = DownReport()
    tf = ws.prepare(reset_state=reset_state)
    addresses = [a for a in tf.state_list() if not a.startswith("data.") and ".data." not in a]
    account = _account_id(ws)
    if addresses:
        with state_lock(ws, "down") as lock:
            tf.lock = False  # prodstack holds the lock for the whole teardown
            _destroy(ws, tf, addresses, purge, report, lock)
    if purge:
        report.purged = purge_leftovers(ws, account, report.locked, report.held)
        report.final_snapshot = None
        report.left = check_nothing_left(ws, report.held)
    report.seconds = time.monotonic() - started
    ws.say(f"down finished in {fmt_seconds(report.seconds)}")
    return report


def _destroy(ws: Workspace, tf: Terraform, addresses: list[str], purge: bool,
             report: DownReport, lock: str) -> None:
    state = tf.state_pull()
    keep = kept_addresses(addresses)
    journal = Journal.open(ws.workdir, "down", purge=purge, lock=lock)
    journal.begin("stop-audit")
    stop_audit(ws)
    journal.done()
    journal.begin("lift-protection")
    report.final_snapshot, lifted = lift_protection(ws, state)
    journal.done(lifted=lifted)
    remove_leftover_restores(ws, state)
    targets = [a for a in addresses if a not in keep]

    def replan() -> Any:
        return tf.plan(destroy=True, targets=targets)

    try:
        result = replan()
        journal.begin("destroy", planned=len(result.planned))
        if result.changes:
            report.destroyed = apply_plan(ws, tf, len(result.planned), destroy=True,
                                          replan=replan).done
        journal.done()
    except TerraformError as exc:
        if exc.done:  # half-way: the journal stays, and the next command names it
            raise ws.explain(UserError(f"{exc} — {exc.done} resources were destroyed; run "
                                       "`prodstack down --yes` again to finish",
                                       exit_code=exc.exit_code)) from None
        undone = undo(ws, lifted)
        journal.close()
        raise ws.explain(UserError(f"down did not start the destroy: {exc}; {undone}",
                                   exit_code=exc.exit_code)) from None
    # The kept resources leave Terraform's hands: a plain down keeps them for the next up;
    # --purge deletes them next, when nothing writes access logs into them any more.
    journal.begin("forget-kept")
    (ws.workdir / KEPT_FILE).write_text(json.dumps(tfstate.resource_ids(state, keep), indent=2))
    tf.state_rm(keep)
    journal.done()
    if not purge:
        report.kept = keep
    ws.target.after_destroy(ws.settings, ws.clients())
    delete_release_template(ws)
    journal.close()


def remove_leftover_restores(ws: Workspace, state: dict[str, Any]) -> None:
    """A restore an earlier `backup verify` left in the database subnets would keep the
    subnet group (and the destroy) waiting: name it and delete it first."""
    from prodstack.backup.verify import cleanup, leftover_restores

    rds = ws.clients()("rds")
    for _, attrs in tfstate.instances(state, "aws_db_instance"):
        found = leftover_restores(rds, str(attrs.get("identifier")))
        if found:
            ws.say(f"found {len(found)} restore(s) an earlier `backup verify` left: "
                   f"{', '.join(found)}; deleting them before the destroy")
            cleanup(rds, found, None, 5.0, ws.say, ws.connection.endpoint)


def undo(ws: Workspace, lifted: dict[str, Any]) -> str:
    """Put back what a down changed before a destroy that did not start."""
    restore_protection(ws, lifted)
    start_audit(ws)
    return ("undone: the trail and the recorder run again"
            + (", deletion protection is back on" if lifted.get("db") or lifted.get("lb")
               else ""))


def delete_release_template(ws: Workspace) -> None:
    """The launch template `prodstack deploy` made for new images is not in Terraform's state."""
    _quiet(ws.clients()("ec2").delete_launch_template,
           LaunchTemplateName=ws.settings.names.release_template)


def lift_protection(ws: Workspace, state: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """Turn deletion protection off (only here, in a confirmed down). Returns the final
    snapshot's name and what was lifted ({"db": [ids], "lb": [arns]}, for `undo`)."""
    final_snapshot = None
    clients = ws.clients()
    lifted: dict[str, list[str]] = {"db": [], "lb": []}
    for _, attrs in tfstate.instances(state, "aws_db_instance"):
        if attrs.get("deletion_protection"):
            _quiet(clients("rds").modify_db_instance, DBInstanceIdentifier=attrs["identifier"],
                   DeletionProtection=False, ApplyImmediately=True)
            lifted["db"].append(attrs["identifier"])
        if not attrs.get("skip_final_snapshot"):
            final_snapshot = attrs.get("final_snapshot_identifier")
    for _, attrs in tfstate.instances(state, "aws_lb"):
        if attrs.get("enable_deletion_protection"):
            _lb_protection(ws, attrs["arn"], on=False)
            lifted["lb"].append(attrs["arn"])
    return final_snapshot, lifted


def restore_protection(ws: Workspace, lifted: dict[str, Any]) -> None:
    clients = ws.clients()
    for identifier in lifted.get("db", []):
        _quiet(clients("rds").modify_db_instance, DBInstanceIdentifier=identifier,
               DeletionProtection=True, ApplyImmediately=True)
    for arn in lifted.get("lb", []):
        _lb_protection(ws, arn, on=True)


def _lb_protection(ws: Workspace, arn: str, on: bool) -> None:
    _quiet(ws.clients()("elbv2").modify_load_balancer_attributes, LoadBalancerArn=arn,
           Attributes=[{"Key": "deletion_protection.enabled", "Value": str(on).lower()}])

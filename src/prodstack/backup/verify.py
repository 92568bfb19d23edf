"""The steps of `backup verify`: snapshot, restore, wait, check, measure, clean up.

`verify_backup` takes the stack's outputs, the target's client factory and whether the
target's databases answer SQL (`Target.runs_sql`) as arguments, so it runs against any
database the outputs name. Bad input (no such database, no such snapshot) raises `UserError`
before anything is created; a failure after that is a failed check in the report. The
temporary instance and the snapshot this run took are deleted in a `finally`, on errors and
on Ctrl-C too.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from prodstack.backup.checks import FAILED, PASSED, Check, answers_emulator, answers_sql
from prodstack.backup.checks import engine_checks as run_engine_checks
from prodstack.backup.snapshots import (
    available_snapshots,
    aws_error,
    describe_snapshot,
    given_snapshot,
    recovery_point_age,
    snapshot_detail,
)
from prodstack.errors import UserError
from prodstack.targets.base import ClientFactory
from prodstack.tf.progress import fmt_seconds

MODES = ("new", "latest")
TAGS = [{"Key": "prodstack:purpose", "Value": "backup-verify"}]
# Statuses of a snapshot or an instance that will not become available: stop waiting.
GAVE_UP = {"failed", "incompatible-restore", "incompatible-network", "incompatible-parameters",
           "inaccessible-encryption-credentials", "restore-error", "storage-full"}
CLEANUP_SECONDS = 600  # how long cleanup retries a delete the instance's state refuses
PROGRESS_EVERY = 60.0

Progress = Callable[[str], None]


@dataclass
class Report:
    source: str
    snapshot_id: str | None = None
    snapshot_mode: str = "new"
    restored_instance: str | None = None
    restore_seconds: float | None = None
    rpo_seconds: float | None = None
    recovery_point: str | None = None
    checks: list[Check] = field(default_factory=list)
    cleaned_up: bool = False

    @property
    def status(self) -> str:
        ok = bool(self.checks) and all(c.status != FAILED for c in self.checks) and self.cleaned_up
        return "passed" if ok else "failed"

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "snapshot_id": self.snapshot_id,
                "restore_seconds": self.restore_seconds, "rpo_seconds": self.rpo_seconds,
                "checks": [c.to_dict() for c in self.checks], "cleaned_up": self.cleaned_up,
                "source": self.source, "snapshot_mode": self.snapshot_mode,
                "restored_instance": self.restored_instance,
                "recovery_point": self.recovery_point}


def verify_backup(outputs: dict[str, Any], clients: ClientFactory, *,
                  runs_sql: bool, snapshot: str = "new", instance_class: str | None = None,
                  poll_interval: float = 15.0, timeout: float = 3600.0,
                  progress: Progress = lambda _: None) -> Report:
    """Restore a snapshot of the stack's database to a temporary instance and check it."""
    db_id = outputs.get("db_identifier")
    if not db_id:
        raise UserError("the deployed stack has no db_identifier output (run `prodstack up`)")
    rds = clients("rds")
    source = _source_instance(rds, db_id)
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    chosen = None if snapshot in MODES else given_snapshot(rds, snapshot, db_id)
    try:
        existing = available_snapshots(rds, db_id)
    except (ClientError, BotoCoreError) as exc:
        raise UserError(f"cannot list the snapshots of {db_id}: {aws_error(exc)}") from None
    report = Report(source=db_id, snapshot_mode=snapshot if snapshot in MODES else "given")
    report.rpo_seconds, report.recovery_point = recovery_point_age(existing, source)
    if snapshot == "latest":
        if not existing:
            raise UserError(f"database {db_id} has no available snapshot yet; "
                            "use --snapshot new to take one")
        chosen = existing[-1]
    created: str | None = None
    restored: str | None = None
    step = "snapshot"
    try:
        try:
            if chosen is None:
                created = _identifier(db_id, "verify", stamp, 255)
                progress(f"taking snapshot {created} of {db_id}…")
                rds.create_db_snapshot(DBInstanceIdentifier=db_id, DBSnapshotIdentifier=created,
                                       Tags=TAGS)
                chosen = _wait(lambda: describe_snapshot(rds, created), "snapshot", created,
                               poll_interval, timeout, progress)
                if chosen.get("Status") != "available":
                    report.snapshot_id = created
                    raise _StepFailed(f"snapshot {created} is {chosen.get('Status')} after "
                                      f"{fmt_seconds(timeout)}")
            report.snapshot_id = chosen["DBSnapshotIdentifier"]
            report.checks.append(Check("snapshot", PASSED, snapshot_detail(chosen, created)))
            step = "restore"
            restored = report.restored_instance = _identifier(db_id, "restore", stamp, 63)
            progress(f"restoring {report.snapshot_id} to {restored}…")
            started = time.monotonic()
            restore_instance(rds, report.snapshot_id, restored, source,
                             instance_class or source["DBInstanceClass"])
            instance = _wait(lambda: _describe_instance(rds, restored), "instance", restored,
                             poll_interval, timeout, progress)
            status = instance.get("DBInstanceStatus")
            if status != "available":
                raise _StepFailed(f"{restored} is {status} after "
                                  f"{fmt_seconds(time.monotonic() - started)}")
            report.restore_seconds = round(time.monotonic() - started, 1)
            report.checks.append(Check("restore", PASSED, f"{restored} available after "
                                       f"{fmt_seconds(report.restore_seconds)}"))
            step = "checks"
            report.checks += run_engine_checks(source, instance)
            if runs_sql:
                secrets = clients("secretsmanager")
                report.checks.append(answers_sql(instance, outputs.get("db_secret_arn"), secrets))
            else:
                report.checks.append(answers_emulator(instance))
        except _StepFailed as exc:
            report.checks.append(Check(step, FAILED, str(exc)))
        except (ClientError, BotoCoreError) as exc:
            report.checks.append(Check(step, FAILED, aws_error(exc)))
    finally:
        report.checks.append(cleanup(rds, restored, created, poll_interval, progress))
        report.cleaned_up = report.checks[-1].status == PASSED
    return report


def restore_instance(rds: Any, snapshot_id: str, identifier: str, source: dict[str, Any],
                     instance_class: str) -> dict[str, Any]:
    """Restore next to the source: its subnet group, security groups and parameter group;
    private, single-AZ, no deletion protection."""
    params: dict[str, Any] = {
        "DBInstanceIdentifier": identifier, "DBSnapshotIdentifier": snapshot_id,
        "DBInstanceClass": instance_class, "PubliclyAccessible": False, "MultiAZ": False,
        "DeletionProtection": False, "Tags": TAGS,
        "VpcSecurityGroupIds": [g["VpcSecurityGroupId"]
                                for g in source.get("VpcSecurityGroups", [])],
    }
    subnet_group = (source.get("DBSubnetGroup") or {}).get("DBSubnetGroupName")
    if subnet_group:
        params["DBSubnetGroupName"] = subnet_group
    groups = [g["DBParameterGroupName"] for g in source.get("DBParameterGroups", [])]
    if groups and not groups[0].startswith("default."):
        params["DBParameterGroupName"] = groups[0]
    return dict(rds.restore_db_instance_from_db_snapshot(**params)["DBInstance"])


def cleanup(rds: Any, instance_id: str | None, snapshot_id: str | None, poll_interval: float,
            progress: Progress) -> Check:
    """Delete the temporary instance (no final snapshot) and the snapshot this run took."""
    done: list[str] = []
    left: list[str] = []
    jobs = []
    if instance_id:
        jobs.append((f"instance {instance_id}", "InvalidDBInstanceState",
                     lambda: rds.delete_db_instance(DBInstanceIdentifier=instance_id,
                                                    SkipFinalSnapshot=True,
                                                    DeleteAutomatedBackups=True),
                     f"aws rds delete-db-instance --db-instance-identifier {instance_id} "
                     "--skip-final-snapshot"))
    if snapshot_id:
        jobs.append((f"snapshot {snapshot_id}", "InvalidDBSnapshotState",
                     lambda: rds.delete_db_snapshot(DBSnapshotIdentifier=snapshot_id),
                     f"aws rds delete-db-snapshot --db-snapshot-identifier {snapshot_id}"))
    for index, (what, busy_code, delete, manual) in enumerate(jobs):
        try:
            deleted, problem = _delete(delete, busy_code, poll_interval)
        except KeyboardInterrupt:
            for _, _, _, command in jobs[index:]:
                progress(f"cleanup interrupted; remove it with: {command}")
            raise
        if problem:
            left.append(f"{what} ({problem}; remove it with: {manual})")
        else:
            done.append(f"deleted {what}" if deleted else f"{what} was not there")
    if left:
        return Check("cleanup", FAILED, "left behind: " + "; ".join(left))
    if done:
        progress("cleaned up: " + ", ".join(done))
    return Check("cleanup", PASSED, ", ".join(done) or "nothing to delete")


class _StepFailed(Exception):
    pass


def _delete(call: Callable[[], Any], busy_code: str,
            poll_interval: float) -> tuple[bool, str | None]:
    """Run a delete, retrying while the resource is busy: (deleted now, problem)."""
    deadline = time.monotonic() + CLEANUP_SECONDS
    while True:
        try:
            call()
            return True, None
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if "NotFound" in code:
                return False, None
            if code != busy_code or time.monotonic() >= deadline:
                return False, aws_error(exc)
        except BotoCoreError as exc:
            return False, aws_error(exc)
        time.sleep(max(poll_interval, 1.0))


def _wait(describe: Callable[[], dict[str, Any]], kind: str, name: str, poll_interval: float,
          timeout: float, progress: Progress) -> dict[str, Any]:
    """Poll until available, failed or timed out; returns the last description."""
    started = time.monotonic()
    last_status, last_said = "", started
    while True:
        item = describe()
        status = item.get("DBInstanceStatus" if kind == "instance" else "Status", "")
        if status == "available" or status in GAVE_UP:
            return item
        now = time.monotonic()
        if now - started >= timeout:
            return item
        if status != last_status or now - last_said >= PROGRESS_EVERY:
            percent = item.get("PercentProgress")
            extra = f" {percent}%" if kind == "snapshot" and percent is not None else ""
            progress(f"  {kind} {name}: {status}{extra} ({fmt_seconds(now - started)})")
            last_status, last_said = status, now
        time.sleep(poll_interval)


def _source_instance(rds: Any, db_id: str) -> dict[str, Any]:
    try:
        return dict(rds.describe_db_instances(DBInstanceIdentifier=db_id)["DBInstances"][0])
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "DBInstanceNotFound":
            raise UserError(f"database {db_id} (from the stack's outputs) does not exist; "
                            "redeploy with `prodstack up`") from None
        raise UserError(f"cannot describe database {db_id}: {aws_error(exc)}") from None
    except BotoCoreError as exc:
        raise UserError(f"cannot reach RDS: {aws_error(exc)}") from None


def _describe_instance(rds: Any, instance_id: str) -> dict[str, Any]:
    return dict(rds.describe_db_instances(DBInstanceIdentifier=instance_id)["DBInstances"][0])


def _identifier(db_id: str, word: str, stamp: str, limit: int) -> str:
    """`<db>-<word>-<stamp>`, the database part shortened to fit RDS's length limit."""
    base = db_id.replace(":", "-")[: limit - len(word) - len(stamp) - 2].rstrip("-")
    return f"{base}-{word}-{stamp}"

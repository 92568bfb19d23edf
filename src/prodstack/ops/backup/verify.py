"""The steps of `backup verify`: snapshot, restore, wait, check, measure, clean up.

`verify_backup` takes the stack's outputs, the target's client factory and whether the
target's databases answer SQL (`Target.runs_sql`) as arguments, so it runs against any
database the outputs name. The snapshot is taken now (`new`), the newest of any kind
(`latest`, `snapshots.py`), the one behind the vault's newest recovery point (`vault`,
`vault.py`) or a given one. Bad input (no such database, no such snapshot) raises `UserError`
before anything is created; a failure after that is a failed check in the report. Where the
database answers SQL, its data is checked from a web instance (`runcommand.py`, `probe.py`),
after its master password is made the secret's current one (`credentials.py`). The temporary
instance and the snapshot this run took are deleted in a `finally`, on errors and on Ctrl-C
too; nothing this run did not create is ever deleted.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from prodstack.core.errors import UserError, aws_error
from prodstack.core.journal import Journal
from prodstack.core.signals import held_signals
from prodstack.ops.backup.checks import FAILED, PASSED, Check, answers_emulator
from prodstack.ops.backup.checks import engine_checks as run_engine_checks
from prodstack.ops.backup.runcommand import database_checks
from prodstack.ops.backup.snapshots import (
    available_snapshots,
    describe_snapshot,
    given_snapshot,
    recovery_point_age,
    snapshot_detail,
)
from prodstack.ops.backup.vault import describe_point, newest_recovery_point, snapshot_behind
from prodstack.runtime import emulator
from prodstack.runtime.targets import ClientFactory
from prodstack.tf.progress import fmt_seconds

MODES = ("new", "latest", "vault")
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
    vault_recovery_point: str | None = None  # `--snapshot vault`: the one restored
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
                "recovery_point": self.recovery_point,
                "vault_recovery_point": self.vault_recovery_point}


def verify_backup(outputs: dict[str, Any], clients: ClientFactory, *,
                  runs_sql: bool, snapshot: str = "new", instance_class: str | None = None,
                  poll_interval: float = 15.0, timeout: float = 3600.0,
                  progress: Progress = lambda _: None, journal: Journal | None = None,
                  endpoint: str | None = None, vault: str | None = None,
                  queries: tuple[str, ...] = ()) -> Report:
    """Restore a snapshot of the stack's database to a temporary instance and check it.

    `journal` records each object before it is created, so that a run cut off where it
    could not clean up leaves their names for `prodstack resume`; `endpoint` (the emulator's)
    goes into the commands suggested for removing what could not be deleted; `vault` is the
    backup vault `--snapshot vault` reads; `queries` run on both databases (`--sql`)."""
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
    elif snapshot == "vault":
        if not vault:
            raise UserError("--snapshot vault needs the stack's backup vault name")
        point = newest_recovery_point(clients("backup"), vault, source["DBInstanceArn"], db_id)
        chosen = snapshot_behind(point, existing, vault)
        report.vault_recovery_point = point["RecoveryPointArn"]
        progress(f"newest recovery point: {describe_point(point, vault)}")
    created: str | None = None
    restored: str | None = None
    leftovers = leftover_restores(rds, db_id)
    if leftovers:
        progress(f"found {len(leftovers)} restore(s) an earlier run left behind: "
                 f"{', '.join(leftovers)}; they are deleted with this run's")
    step = "snapshot"
    gone: str | None = None  # the emulator's URL if it stopped under this run
    try:
        try:
            if chosen is None:
                created = _identifier(db_id, "verify", stamp, 255)
                if journal:
                    journal.begin("snapshot", id=created)
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
            behind = f", behind vault {vault}'s newest recovery point" \
                if report.vault_recovery_point else ""
            report.checks.append(Check("snapshot", PASSED,
                                       snapshot_detail(chosen, created) + behind))
            step = "restore"
            restored = report.restored_instance = _identifier(db_id, "restore", stamp, 63)
            if journal:
                journal.begin("restore", id=restored)
            progress(f"restoring {report.snapshot_id} to {restored}…")
            started = time.monotonic()
            restore_instance(rds, restore_source(chosen), restored, source,
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
                report.checks += database_checks(outputs, clients, source, instance, chosen,
                                                 queries, poll_interval, progress)
            else:
                report.checks.append(answers_emulator(instance))
        except _StepFailed as exc:
            report.checks.append(Check(step, FAILED, str(exc)))
        except (ClientError, BotoCoreError) as exc:
            gone = emulator.gone(exc)
            report.checks.append(Check(step, FAILED, aws_error(exc)))
    finally:
        # A signal here must not stop the cleanup: it is what the signal asks for.
        with held_signals():
            report.checks.append(cleanup(rds, [*leftovers, *([restored] if restored else [])],
                                         created, poll_interval, progress, endpoint))
        report.cleaned_up = report.checks[-1].status == PASSED
        if journal and report.cleaned_up:
            journal.close()
    if gone:
        raise UserError(f"backup verify stopped at its {step} step: "
                        f"{emulator.stopped_message(gone)}")
    return report


def leftover_restores(rds: Any, db_id: str) -> list[str]:
    """Temporary instances an earlier run left (named after the database, tagged ours)."""
    prefix = _identifier(db_id, "restore", "", 63).rstrip("-")
    found = []
    try:
        for page in rds.get_paginator("describe_db_instances").paginate():
            for instance in page["DBInstances"]:
                name = instance["DBInstanceIdentifier"]
                tags = {t["Key"]: t["Value"] for t in instance.get("TagList", [])}
                if name.startswith(prefix) and tags.get(TAGS[0]["Key"]) == TAGS[0]["Value"]:
                    found.append(name)
    except (ClientError, BotoCoreError):
        return []
    return found


def resume(clients: ClientFactory, journal: Journal, say: Progress) -> str:
    """Delete what a cut-off run created (its journal names them)."""
    created = (journal.last("snapshot") or {}).get("id")
    restored = (journal.last("restore") or {}).get("id")
    rds = clients("rds")
    with held_signals():
        result = cleanup(rds, [restored] if restored else [], created, 5.0, say)
    if result.status != PASSED:
        return f"cleanup incomplete: {result.detail}"
    journal.close()
    return f"cleaned up what the cut-off backup verify left: {result.detail}"


def restore_source(snap: dict[str, Any]) -> str:
    """What RestoreDBInstanceFromDBSnapshot is given as `DBSnapshotIdentifier`: the id, or for
    AWS Backup's snapshots (ids `awsbackup:job-…`, listed under their own type) the ARN, which
    is also the recovery point's ARN (RDS API reference: the parameter takes an ARN, as it
    must for a snapshot shared from another account)."""
    if snap.get("SnapshotType") == "awsbackup" and snap.get("DBSnapshotArn"):
        return str(snap["DBSnapshotArn"])
    return str(snap["DBSnapshotIdentifier"])


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


def cleanup(rds: Any, instances: list[str], snapshot_id: str | None, poll_interval: float,
            progress: Progress, endpoint: str | None = None) -> Check:
    """Delete the temporary instances (deletion protection lifted first, no final snapshot)
    and the snapshot this run took; say how to remove by hand what could not be deleted
    (with the emulator's endpoint on the local target)."""
    done: list[str] = []
    left: list[str] = []
    jobs = []
    where = f" --endpoint-url {endpoint}" if endpoint else ""
    for instance_id in instances:
        _unprotect(rds, instance_id)
        jobs.append((f"instance {instance_id}", "InvalidDBInstanceState",
                     lambda name=instance_id: rds.delete_db_instance(
                         DBInstanceIdentifier=name, SkipFinalSnapshot=True,
                         DeleteAutomatedBackups=True),
                     f"aws rds delete-db-instance{where} --db-instance-identifier "
                     f"{instance_id} --skip-final-snapshot"))
    if snapshot_id:
        jobs.append((f"snapshot {snapshot_id}", "InvalidDBSnapshotState",
                     lambda: rds.delete_db_snapshot(DBSnapshotIdentifier=snapshot_id),
                     f"aws rds delete-db-snapshot{where} --db-snapshot-identifier "
                     f"{snapshot_id}"))
    for index, (what, busy_code, delete, manual) in enumerate(jobs):
        try:
            deleted, problem = _delete(delete, busy_code, poll_interval, what, progress)
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


def _unprotect(rds: Any, instance_id: str) -> None:
    """A restore may inherit deletion protection; this run created it, so it may lift it."""
    try:
        found = rds.describe_db_instances(DBInstanceIdentifier=instance_id)["DBInstances"]
        if found and found[0].get("DeletionProtection"):
            rds.modify_db_instance(DBInstanceIdentifier=instance_id, DeletionProtection=False,
                                   ApplyImmediately=True)
    except (ClientError, BotoCoreError):
        pass  # the delete then says what is wrong


class _StepFailed(Exception):
    pass


def _delete(call: Callable[[], Any], busy_code: str, poll_interval: float, what: str = "",
            progress: Progress = lambda _: None) -> tuple[bool, str | None]:
    """Run a delete, retrying while the resource is busy: (deleted now, problem)."""
    started = time.monotonic()
    deadline, said = started + CLEANUP_SECONDS, started
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
            busy = aws_error(exc)
        except BotoCoreError as exc:
            if url := emulator.gone(exc):
                return False, f"the emulator at {url} stopped: what it held is gone with it"
            return False, aws_error(exc)
        if time.monotonic() - said >= PROGRESS_EVERY:
            said = time.monotonic()
            progress(f"  waiting for {what} to accept its deletion ({busy}; "
                     f"{fmt_seconds(said - started)} of at most {fmt_seconds(CLEANUP_SECONDS)})")
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

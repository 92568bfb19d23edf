"""The restored instance's master password, made the secret's current one before the data
checks log in (aws target).

A restored instance has the master password of the moment its snapshot was taken, and RDS
does not manage a restored PostgreSQL instance's password in Secrets Manager (RDS API
reference, RestoreDBInstanceFromDBSnapshot: `ManageMasterUserPassword` "applies to RDS for
Oracle only"). The source's RDS-managed secret rotates, every seven days by default (RDS user
guide, "Password management with Amazon RDS and AWS Secrets Manager"), so a snapshot older
than the last rotation holds a password the secret no longer has, and the data checks, which
log in with the secret, would fail for a reason that says nothing about the backup.

So when the secret changed after the snapshot was taken (DescribeSecret: the newest of
`LastRotatedDate`, `LastChangedDate` and `CreatedDate`), the temporary instance's master
password is set to the secret's current one (ModifyDBInstance `MasterUserPassword`, applied at
once; CloudTrail records that parameter as hidden) and the run waits until no password change
is pending. The password goes from Secrets Manager to RDS through their APIs only: never into
the SSM command, never printed. Only the instance this run restored is modified.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from prodstack.core.errors import aws_error
from prodstack.ops.backup.checks import FAILED, PASSED, Check
from prodstack.tf.progress import fmt_seconds

WAIT_SECONDS = 900.0
PROGRESS_EVERY = 60.0
_DATES = ("LastRotatedDate", "LastChangedDate", "CreatedDate")


def secret_changed(secrets: Any, secret_arn: str) -> datetime | None:
    """When the secret last changed (None when it tells no date)."""
    meta = secrets.describe_secret(SecretId=secret_arn)
    dates = [meta[k] for k in _DATES if isinstance(meta.get(k), datetime)]
    return max(dates) if dates else None


def align_password(rds: Any, secrets: Any, instance_id: str, secret_arn: str,
                   snapshot_time: datetime | None, *, poll_interval: float,
                   progress: Callable[[str], None],
                   timeout: float = WAIT_SECONDS) -> Check:
    """Make `instance_id`'s master password the secret's current one when the secret changed
    after `snapshot_time`; a `credentials` check says what was done."""
    try:
        changed = secret_changed(secrets, secret_arn)
    except (ClientError, BotoCoreError) as exc:
        return Check("credentials", FAILED, f"cannot describe the database secret: "
                                            f"{aws_error(exc)}")
    if changed is not None and snapshot_time is not None and changed <= snapshot_time:
        return Check("credentials", PASSED, f"the secret has not changed since the snapshot "
                                            f"(last changed {_at(changed)}): its password is "
                                            "the restored one")
    why = (f"the secret changed at {_at(changed)}, after the snapshot of {_at(snapshot_time)}"
           if changed and snapshot_time else "the secret's or the snapshot's date is unknown")
    try:
        password = json.loads(
            secrets.get_secret_value(SecretId=secret_arn)["SecretString"])["password"]
    except (ClientError, BotoCoreError) as exc:
        return Check("credentials", FAILED, f"{why}, and the secret cannot be read to set the "
                                            f"restored password: {aws_error(exc)}")
    except (KeyError, TypeError, ValueError):
        return Check("credentials", FAILED, f"{why}, and the secret holds no password field")
    progress(f"setting {instance_id}'s master password to the secret's current one ({why})…")
    try:
        rds.modify_db_instance(DBInstanceIdentifier=instance_id, MasterUserPassword=password,
                               ApplyImmediately=True)
    except (ClientError, BotoCoreError) as exc:
        return Check("credentials", FAILED, f"{why}; setting the restored password failed: "
                                            f"{aws_error(exc)}")
    problem = _wait_applied(rds, instance_id, poll_interval, timeout, progress)
    if problem:
        return Check("credentials", FAILED, f"{why}; {problem}")
    return Check("credentials", PASSED, f"master password of {instance_id} set to the secret's "
                                        f"current one ({why})")


def _wait_applied(rds: Any, instance_id: str, poll_interval: float, timeout: float,
                  progress: Callable[[str], None]) -> str | None:
    """Wait until the instance is available with no password change pending."""
    started = said = time.monotonic()
    while True:
        found = rds.describe_db_instances(DBInstanceIdentifier=instance_id)["DBInstances"][0]
        status = found.get("DBInstanceStatus")
        pending = "MasterUserPassword" in (found.get("PendingModifiedValues") or {})
        if status == "available" and not pending:
            return None
        now = time.monotonic()
        if now - started >= timeout:
            return (f"{instance_id} is still {status} (password change "
                    f"{'pending' if pending else 'applied'}) after {fmt_seconds(now - started)}")
        if now - said >= PROGRESS_EVERY:
            said = now
            progress(f"  waiting for {instance_id} to apply its new master password: {status} "
                     f"({fmt_seconds(now - started)} of at most {fmt_seconds(timeout)})")
        time.sleep(poll_interval)


def _at(when: datetime | None) -> str:
    return f"{when.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}" if when else "?"

"""Terraform's own state lock, taken by prodstack around what it changes beside Terraform.

`down` (its steps before the destroy), `deploy` and `backup verify` change resources through
the AWS APIs. They first take the same lock Terraform takes, so that while one of them works
no Terraform run writes the state, and while a Terraform run holds it they change nothing
and say who holds it, in the words `up` uses:

- local state: the POSIX record lock Terraform itself puts on `terraform.tfstate`, with its
  `.terraform.tfstate.lock.info` beside it (Terraform reads that file to say who holds it);
- the S3 backend with `use_lockfile`: the `<key>.tflock` object, created only if absent
  (`If-None-Match: *`), as Terraform creates it.

The OS drops a record lock when the process dies; an S3 lock object outlives it. The
operation's journal records the id of the lock it holds, so a lock left by a prodstack
operation that was cut off is recognised: the command that resolves it (`resume`, or the
`down` that finishes a cut-off `down`) takes it over, and any other is refused with the
command that resolves it, never with `force-unlock`. A lock of anyone else's is named in the
words of `tf.lockinfo`: a local one with waiting only, a remote one also with `force-unlock`
for a run that died.
"""

from __future__ import annotations

import contextlib
import fcntl
import getpass
import json
import socket
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from botocore.exceptions import ClientError

from prodstack.core.errors import UserError
from prodstack.core.journal import Journal
from prodstack.ops.workflow import Workspace
from prodstack.tf.lockinfo import locked

LOCK_INFO = ".terraform.tfstate.lock.info"


def _info(operation: str, path: str) -> dict[str, str]:
    return {"ID": str(uuid.uuid4()), "Operation": f"OperationTypeProdstack {operation}",
            "Info": f"prodstack {operation}", "Who": f"{getpass.getuser()}@{socket.gethostname()}",
            "Version": "prodstack", "Path": path,
            "Created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")}


@contextlib.contextmanager
def _local(ws: Workspace, operation: str) -> Iterator[str]:
    path = ws.state_file
    info = _info(operation, str(path))
    if not path.exists():  # nothing deployed: nothing to protect
        yield info["ID"]
        return
    handle: IO[str] = path.open("r+")
    info_file = path.with_name(LOCK_INFO)
    try:
        try:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise UserError(f"{operation} refused: {_holder(info_file, ws)}") from None
        info_file.write_text(json.dumps(info))
        try:
            yield info["ID"]
        finally:
            info_file.unlink(missing_ok=True)
            fcntl.lockf(handle, fcntl.LOCK_UN)
    finally:
        handle.close()


def _holder(info_file: Path, ws: Workspace) -> str:
    try:
        info = json.loads(info_file.read_text())
    except (OSError, ValueError):
        info = {}
    return locked(info if isinstance(info, dict) else {}, ws.workdir, local=True)


def _left_by_cut_off(ws: Workspace, operation: str, held: dict[str, Any]) -> bool:
    """True when `held` is the lock of a prodstack operation that was cut off and `operation`
    resolves it (take it over); refuses when another command would have to."""
    journal = Journal.load(ws.workdir)
    if journal is None or journal.running or not held.get("ID") or \
            journal.data.get("lock") != held["ID"]:
        return False
    if journal.resolved_by(operation):
        ws.say(f"taking over the lock that the cut-off `prodstack {journal.operation}` left")
        return True
    raise UserError(f"{operation} refused: {journal.describe()}; run `prodstack resume` first "
                    "to finish or undo it", exit_code=2)


@contextlib.contextmanager
def _s3(ws: Workspace, operation: str, backend: dict[str, Any]) -> Iterator[str]:
    s3 = ws.clients()("s3")
    bucket, key = backend["bucket"], backend["key"] + ".tflock"
    info = _info(operation, f"{bucket}/{backend['key']}")
    try:
        s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(info).encode(), IfNoneMatch="*")
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in ("PreconditionFailed", "412"):
            raise
        try:
            held = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        except (ClientError, ValueError):
            held = {}
        if not isinstance(held, dict):
            held = {}
        if not _left_by_cut_off(ws, operation, held):
            raise UserError(f"{operation} refused: {locked(held, ws.workdir, local=False)}"
                            ) from None
        info = held
    try:
        yield info["ID"]
    finally:
        with contextlib.suppress(ClientError):
            s3.delete_object(Bucket=bucket, Key=key)


@contextlib.contextmanager
def state_lock(ws: Workspace, operation: str) -> Iterator[str]:
    """Hold the stack's state lock for `operation` (yielding its id, for the journal), or
    refuse in one line when it is held."""
    backend = ws.stack.doc.terraform.get("backend", {}).get("s3") if ws.stack else None
    if backend and backend.get("use_lockfile"):
        with _s3(ws, operation, backend) as lock_id:
            yield lock_id
    else:
        with _local(ws, operation) as lock_id:
            yield lock_id


def holder(ws: Workspace) -> str | None:
    """Who holds the stack's state lock now (an apply, a deploy, a down…), in the words of
    a refusal; None when no one does. Read-only for the S3 lock; the local lock is tried and
    given back at once."""
    settings = ws.settings
    if settings.state_bucket:
        s3 = ws.clients()("s3")
        try:
            body = s3.get_object(Bucket=settings.state_bucket,
                                 Key=settings.names.state_key + ".tflock")["Body"].read()
        except ClientError:
            return None  # no lock object (or no bucket yet)
        try:
            held = json.loads(body)
        except ValueError:
            held = {}
        return locked(held if isinstance(held, dict) else {}, ws.workdir, local=False)
    if not ws.state_file.exists():
        return None
    with ws.state_file.open("r+") as handle:
        try:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return _holder(ws.state_file.with_name(LOCK_INFO), ws)
        fcntl.lockf(handle, fcntl.LOCK_UN)
    return None

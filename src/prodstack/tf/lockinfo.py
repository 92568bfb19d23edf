"""The one wording of "someone else holds the state lock", for Terraform's refusals and
prodstack's own (`prodstack.ops.locking`), naming only next steps that are safe while that run
may still be going.

A local lock is a POSIX record lock on `terraform.tfstate`: the OS drops it when its process
ends, so a local lock is always held by a live run, and the only safe step is to wait. A
remote lock (the S3 backend's `.tflock` object) outlives a run that died, so it is named with
`terraform force-unlock`, for that case only.
"""

from __future__ import annotations

import re
from pathlib import Path

from prodstack.tf.progress import Diagnostic


def locked(info: dict[str, str], workdir: Path, local: bool) -> str:
    """The refusal's words, from Terraform's lock info (ID, Operation, Who, Created)."""
    operation = info.get("Operation", "").removeprefix("OperationType").lower() or "a run"
    who = info.get("Who", "someone")
    held = (f"the state is locked by {who} ({operation} since {info.get('Created', '?')}, "
            f"lock id {info.get('ID', '?')})")
    if local:
        return (f"{held}: that run is still going (a local lock ends with its process); wait "
                "for it to finish, then run the command again")
    return (f"{held}: wait for that run to finish; only if it died (it no longer runs on "
            f"{who.partition('@')[2] or 'its machine'}) run `terraform force-unlock "
            f"{info.get('ID', '')}` in {workdir}")


def lock_message(diag: Diagnostic, workdir: Path, local: bool) -> str | None:
    """A one-line explanation of a state lock held by someone else, or None."""
    if "state lock" not in diag.summary.lower():
        return None
    info = dict(re.findall(r"^\s*(ID|Operation|Who|Created):\s*(.+?)\s*$", diag.detail,
                           flags=re.MULTILINE))
    return locked(info, workdir, local) if info else None

"""`prodstack resume`: finish or undo the operation a journal says was cut off.

- deploy: cut off before the switch, it is undone (all traffic back on the live colour, the
  other one at zero on its previous template); after it, finished (the old colour to zero);
- backup verify: what it created (the restored instance, the snapshot it took) is deleted;
- down: if its destroy had not started, the protection it lifted goes back on and the trail
  and recorder start again; if it had, `prodstack down --yes` finishes it (never implicitly).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from prodstack.core.errors import UserError
from prodstack.core.journal import Journal
from prodstack.ops.backup.verify import resume as resume_backup
from prodstack.ops.deploy import Deployer
from prodstack.ops.deploy import resume as resume_deploy
from prodstack.ops.locking import state_lock
from prodstack.ops.teardown import undo
from prodstack.ops.workflow import Workspace, outputs


def resume(ws: Workspace) -> str:
    journal = Journal.load(ws.workdir)
    if journal is None:
        return f"nothing to resume for {ws.settings.env} on {ws.settings.target}"
    if journal.running:
        raise UserError(f"`prodstack {journal.operation}` is still running (pid {journal.pid}): "
                        "wait for it to finish")
    ws.say(journal.describe())
    values = outputs(ws)
    with state_lock(ws, "resume"):
        if journal.operation == "deploy":
            return resume_deploy(Deployer(ws.settings, values, ws.clients(), ws.reporter),
                                 journal)
        if journal.operation == "backup verify":
            return resume_backup(ws.clients(), journal, ws.say)
        if journal.operation == "down":
            return _resume_down(ws, journal)
    raise UserError(f"unknown operation {journal.operation!r} in {journal.path}")


def _resume_down(ws: Workspace, journal: Journal) -> str:
    if journal.last("destroy") is not None:
        return ("the destroy had started: run `prodstack down --yes"
                f"{' --purge' if journal.data.get('purge') else ''} --env {ws.settings.env} "
                f"--target {ws.settings.target}` to finish it, or `prodstack up` to rebuild")
    lifted = (journal.last("lift-protection") or {}).get("lifted", {})
    done = undo(ws, lifted)
    journal.close()
    return done


def warn_unfinished(workdir: Path, say: Callable[[str], None], command: str, env: str,
                    target: str) -> None:
    """Before a command: name an operation that was cut off, and the command that resolves it."""
    journal = Journal.load(workdir)
    if journal is None or journal.running or command in ("resume",):
        return
    hint = f"run `prodstack resume --env {env} --target {target}` to finish or undo it"
    if journal.operation == "down" and journal.last("destroy") is not None:
        hint = f"run `prodstack down --yes --env {env} --target {target}` to finish it"
    say(f"note: {journal.describe()}; {hint}")

"""`prodstack backup verify [--env] [--target] [--format text|json]
[--snapshot new|latest|vault|ID] [--sql QUERY]...`.

Wires the deployed stack (its outputs, its backup vault's name, and the emulator on the local
target) to `verify_backup` and prints the report. Exit 0 when the restore passed every check,
1 when it failed; bad input (a `--sql` where no database answers SQL, an empty or oversized
query) is a one-line `UserError` before anything is created.
"""

from __future__ import annotations

import json
import re
import sys

import click

from prodstack.cli.options import stack_options
from prodstack.config.settings import Settings
from prodstack.core.errors import UserError
from prodstack.core.journal import Journal
from prodstack.ops import workflow
from prodstack.ops.backup.probe import MAX_QUERIES, MAX_QUERY_CHARS
from prodstack.ops.backup.verify import Report, verify_backup
from prodstack.ops.locking import state_lock
from prodstack.tf.progress import fmt_seconds

_DB_CLASS = re.compile(r"^db\.[a-z][a-z0-9-]*\.[a-z0-9]+$")


def _instance_class(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not _DB_CLASS.match(value):
        raise click.BadParameter(f"{value!r} is not an RDS class (db.…)")
    return value


@click.group("backup")
def backup_group() -> None:
    """Backups of the stack's database."""


@backup_group.command("verify")
@stack_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--snapshot", default="new", show_default=True,
              metavar="new|latest|vault|SNAPSHOT_ID",
              help="new: take a manual snapshot now (deleted afterwards); latest: the newest "
                   "automated, manual or AWS Backup snapshot; vault: the snapshot behind the "
                   "newest recovery point in the stack's backup vault; or a snapshot id.")
@click.option("--sql", "queries", multiple=True, metavar="QUERY",
              help="A read-only query run on the restored and the source database; passes "
                   "when both return the same rows (repeatable; aws target).")
@click.option("--instance-class", callback=_instance_class, default=None,
              help="Class of the temporary instance [default: the database's].")
@click.option("--timeout", type=click.FloatRange(min=0), default=3600.0, show_default=True,
              help="Seconds to wait for the snapshot, and again for the restore.")
@click.option("--poll-interval", type=click.FloatRange(min=0), default=15.0, show_default=True,
              help="Seconds between status checks.")
def verify_cmd(settings: Settings, fmt: str, snapshot: str, queries: tuple[str, ...],
               instance_class: str | None, timeout: float, poll_interval: float) -> None:
    """Restore a snapshot to a temporary instance, check it, report RTO and RPO, clean up."""
    ws = workflow.Workspace(settings)
    check_queries(queries, ws.target.runs_sql, ws.target.name)
    ws.connect(start=False)
    values = workflow.outputs(ws)
    with state_lock(ws, "backup verify") as lock, Journal.session(
            ws.workdir, "backup verify", db=values.get("db_identifier"), lock=lock) as journal:
        report = verify_backup(values, ws.clients(), runs_sql=ws.target.runs_sql,
                               snapshot=snapshot, instance_class=instance_class,
                               poll_interval=poll_interval, timeout=timeout,
                               progress=ws.reporter.say, journal=journal,
                               endpoint=ws.connection.endpoint, vault=settings.names.vault,
                               queries=queries)
    click.echo(render(report, fmt))
    if report.status != "passed":
        sys.exit(1)


def check_queries(queries: tuple[str, ...], runs_sql: bool, target: str) -> None:
    """`--sql` needs a database that answers SQL, and bounded queries (they travel in the
    SSM command, which has a size limit)."""
    if not queries:
        return
    if not runs_sql:
        raise UserError(f"--sql: the {target} target's databases run no SQL engine (the "
                        "emulator); run it against the aws target", exit_code=2)
    if len(queries) > MAX_QUERIES:
        raise UserError(f"--sql: at most {MAX_QUERIES} queries, got {len(queries)}",
                        exit_code=2)
    for number, query in enumerate(queries, 1):
        if not query.strip():
            raise UserError(f"--sql #{number} is empty", exit_code=2)
        if len(query) > MAX_QUERY_CHARS:
            raise UserError(f"--sql #{number} is {len(query):,} characters, above the "
                            f"{MAX_QUERY_CHARS:,} a query may have", exit_code=2)


def render(report: Report, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(report.to_dict(), indent=2)
    lines = [f"backup verify {report.status}: {report.source}, snapshot "
             f"{report.snapshot_id or 'none'} ({report.snapshot_mode})"]
    if report.vault_recovery_point:
        lines.append(f"  recovery point restored: {report.vault_recovery_point}")
    lines += [f"  RTO  {_secs(report.restore_seconds)}  (restore call to available)",
              f"  RPO  {_secs(report.rpo_seconds)}  (newest recovery point before this run: "
              f"{report.recovery_point or 'none'})"]
    width = max((len(c.id) for c in report.checks), default=0)
    lines += [f"  {c.status:<6}  {c.id:<{width}}  {c.detail}" for c in report.checks]
    lines.append(f"  cleaned up: {'yes' if report.cleaned_up else 'NO'}")
    return "\n".join(lines)


def _secs(value: float | None) -> str:
    return "n/a" if value is None else fmt_seconds(value)

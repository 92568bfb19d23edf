"""Ordered teardown (FM-6.3): `prodstack down` never fails half-way and never loses audit data.

First the state lock (prodstack's, the one Terraform takes): while anyone else holds it,
`down` changes nothing and says who holds it. Then, under the lock and recorded in the
journal: stop the trail and the Config recorder; lift deletion protection of the database
and the load balancer (the database still leaves its final snapshot in production); destroy
everything but what a plain `down` keeps (stack/parts/kept.py: the buckets, the keys that encrypt
what they and the snapshots hold, the backup vault with its recovery points: a targeted
destroy, so that a destroy that cannot start leaves the state as it was); then those leave
Terraform's state and are recorded in `kept.json`, so that the next `up` imports them again.
With `--purge` they are deleted too (snapshots and recovery points first, Object Lock
governance bypassed, the keys last), with what an earlier `down` kept.
A destroy that cannot start puts the protection back and starts the trail and the recorder
again; one cut off half-way leaves its journal, and the next command says so.
"""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from prodstack.core.errors import UserError
from prodstack.core.journal import Journal
from prodstack.ops.backup.verify import cleanup, leftover_restores
from prodstack.ops.locking import state_lock
from prodstack.ops.purge import _quiet, check_nothing_left, purge_leftovers
from prodstack.ops.workflow import KEPT_FILE, Workspace, apply_plan
from prodstack.stack.parts.kept import kept
from prodstack.tf import state as tfstate
from prodstack.tf.progress import fmt_seconds
from prodstack.tf.runner import Terraform, TerraformError

RESTORE_TEST_TAG = "awsbackup-restore-test"


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
    """State addresses that a plain `down` keeps (stack/parts/kept.py: buckets, keys, vault)."""
    return [address for address in addresses if kept(address)]


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


def _account_id(ws: Workspace) -> str:
    ident = _quiet(ws.clients()("sts").get_caller_identity)
    if not ident:
        raise UserError("cannot read the account id (are the credentials valid?)")
    return str(ident["Account"])


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
    """A restore in the database subnets would keep the subnet group and the database's
    security group (and the destroy) waiting: one an earlier `backup verify` left, or the
    instance of an AWS Backup restore test still running (its validation window). Name them
    and delete them first."""
    rds = ws.clients()("rds")
    for _, attrs in tfstate.instances(state, "aws_db_instance"):
        found = leftover_restores(rds, str(attrs.get("identifier")))
        if found:
            ws.say(f"found {len(found)} restore(s) an earlier `backup verify` left: "
                   f"{', '.join(found)}; deleting them before the destroy")
            cleanup(rds, found, None, 5.0, ws.say, ws.connection.endpoint)
    groups = {str(attrs.get("name")) for _, attrs in
              tfstate.instances(state, "aws_db_subnet_group")}
    tests = restore_tests(rds, groups)
    if tests:
        ws.say(f"found {len(tests)} AWS Backup restore test instance(s) in the database "
               f"subnets: {', '.join(tests)}; deleting them before the destroy")
        cleanup(rds, tests, None, 5.0, ws.say, ws.connection.endpoint)


def restore_tests(rds: Any, subnet_groups: set[str]) -> list[str]:
    """DB instances AWS Backup restore testing made in `subnet_groups` ("Resources that are
    part of a restore testing plan contain a tag called awsbackup-restore-test": AWS Backup
    developer guide, "Restore testing")."""
    found = []
    with contextlib.suppress(ClientError, BotoCoreError):
        for page in rds.get_paginator("describe_db_instances").paginate():
            for instance in page["DBInstances"]:
                tags = {t["Key"] for t in instance.get("TagList", [])}
                group = (instance.get("DBSubnetGroup") or {}).get("DBSubnetGroupName")
                if RESTORE_TEST_TAG in tags and group in subnet_groups and \
                        instance.get("DBInstanceStatus") != "deleting":
                    found.append(instance["DBInstanceIdentifier"])
    return found


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

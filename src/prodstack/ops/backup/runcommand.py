"""Where and how the data checks run on the aws target: SSM Run Command on a web instance.

The database admits the web tier's security group only, so a query from the operator's or
CI's host never reaches it. Run Command is AWS's own way to run a script on a managed
instance (AWS Systems Manager user guide, "AWS Systems Manager Run Command"; document
`AWS-RunShellScript`): the instances are managed already (their role has
AmazonSSMManagedInstanceCore), nothing is deployed for the drill, nothing listens, and the
caller needs only `ssm:SendCommand` (on the instance and the document),
`ssm:GetCommandInvocation` and `ssm:CancelCommand`, besides reading the release record and the
auto scaling groups to find an instance.

The instance: one InService, Healthy instance of the live colour's ASG (the release record,
`prodstack.stack.traffic.live_colour`), else of the other colour; both colours share the role and
the security group the database admits. The script (`probe.py`) reads the database secret on
the instance; the command sent holds endpoints, the secret's ARN and the user's queries, never
a password. GetCommandInvocation is polled until the command ends or a bounded wait runs out
(then the command is cancelled, as on Ctrl-C); a failed, cancelled or timed-out command is a
failed check that says why. `database_checks` puts the two aws-target steps together: the
restored password made the secret's current one (`credentials.py`), then these data checks.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from prodstack.config.userdata import postgres_client
from prodstack.core.errors import aws_error
from prodstack.ops.backup.checks import FAILED, Check
from prodstack.ops.backup.credentials import align_password
from prodstack.ops.backup.probe import Endpoint, checks, data_script, findings
from prodstack.runtime.targets import ClientFactory
from prodstack.stack.traffic import live_colour
from prodstack.tf.progress import fmt_seconds

DOCUMENT = "AWS-RunShellScript"
EXECUTION_TIMEOUT = 1800  # seconds the script may run on the instance (executionTimeout)
DELIVERY_TIMEOUT = 120  # seconds SSM may take to reach the instance (TimeoutSeconds, >= 30)
WAIT_MARGIN = 60  # beyond both, before the caller gives up and cancels
FINAL = {"Success", "Failed", "Cancelled", "TimedOut"}
PROGRESS_EVERY = 60.0

Progress = Callable[[str], None]


class NoInstance(Exception):
    """No web instance to run the checks on."""


@dataclass(frozen=True)
class Outcome:
    command_id: str
    status: str  # an SSM invocation status, or "Waited" when the caller gave up
    stdout: str
    stderr: str
    detail: str


def pick_instance(outputs: dict[str, Any], clients: ClientFactory) -> tuple[str, str]:
    """(instance id, where it is): an InService, Healthy web instance, live colour first."""
    asgs: dict[str, str] = dict(outputs.get("asg_names") or {})
    if not asgs:
        raise NoInstance("the stack has no asg_names output: no web instance to run the "
                         "data checks on")
    live = live_colour(clients("ssm"), outputs.get("release_parameter"))
    autoscaling = clients("autoscaling")
    for colour in [live, *sorted(c for c in asgs if c != live)]:
        name = asgs.get(colour)
        if not name:
            continue
        groups = autoscaling.describe_auto_scaling_groups(
            AutoScalingGroupNames=[name])["AutoScalingGroups"]
        ready = sorted(i["InstanceId"] for g in groups for i in g.get("Instances", [])
                       if i.get("LifecycleState") == "InService"
                       and i.get("HealthStatus") == "Healthy")
        if ready:
            role = "live" if colour == live else "idle"
            return ready[0], f"on {ready[0]} of {name} ({role} colour), through SSM Run Command"
    raise NoInstance(f"no InService instance in {' or '.join(sorted(asgs.values()))}: the data "
                     "checks run on a web instance (the database admits only the web tier)")


def run_script(ssm: Any, instance_id: str, script: str, comment: str, *, poll_interval: float,
               timeout: float, progress: Progress) -> Outcome:
    """Send `script` to the instance and wait for its end, at most `timeout` seconds."""
    sent = ssm.send_command(
        InstanceIds=[instance_id], DocumentName=DOCUMENT, Comment=comment[:100],
        TimeoutSeconds=DELIVERY_TIMEOUT,
        Parameters={"commands": [script], "executionTimeout": [str(EXECUTION_TIMEOUT)]})
    command_id = sent["Command"]["CommandId"]
    try:
        return _wait_for(ssm, instance_id, command_id, poll_interval, timeout, progress)
    except KeyboardInterrupt:  # the temporary instance is about to go: stop the script too
        with contextlib.suppress(ClientError, BotoCoreError):
            ssm.cancel_command(CommandId=command_id, InstanceIds=[instance_id])
        raise


def _wait_for(ssm: Any, instance_id: str, command_id: str, poll_interval: float,
              timeout: float, progress: Progress) -> Outcome:
    started = said = time.monotonic()
    while True:
        try:
            found = ssm.get_command_invocation(CommandId=command_id, InstanceId=instance_id)
        except ClientError as exc:  # right after SendCommand the invocation may not exist yet
            if exc.response.get("Error", {}).get("Code") != "InvocationDoesNotExist":
                raise
            found = {"Status": "Pending"}
        status = found.get("Status", "")
        if status in FINAL:
            return Outcome(command_id, status, found.get("StandardOutputContent", ""),
                           found.get("StandardErrorContent", ""),
                           found.get("StatusDetails", status))
        now = time.monotonic()
        if now - started >= timeout:
            with contextlib.suppress(ClientError, BotoCoreError):  # the report says why
                ssm.cancel_command(CommandId=command_id, InstanceIds=[instance_id])
            return Outcome(command_id, "Waited", found.get("StandardOutputContent", ""), "",
                           f"still {status} after {fmt_seconds(now - started)}; cancelled")
        if now - said >= PROGRESS_EVERY:
            said = now
            progress(f"  waiting for the data checks (SSM command {command_id} on "
                     f"{instance_id}): {status} ({fmt_seconds(now - started)} of at most "
                     f"{fmt_seconds(timeout)})")
        time.sleep(poll_interval)


def data_checks(outputs: dict[str, Any], clients: ClientFactory, source: dict[str, Any],
                restored: dict[str, Any], *, client_package: str, queries: tuple[str, ...] = (),
                poll_interval: float = 5.0, timeout: float | None = None,
                progress: Progress = lambda _: None) -> list[Check]:
    """The data checks of `restored` against `source`, run on a web instance."""
    secret_arn = outputs.get("db_secret_arn")
    if not secret_arn:
        return [Check("answers", FAILED, "no db_secret_arn output: no credentials to query with")]
    restored_end, source_end = restored.get("Endpoint") or {}, source.get("Endpoint") or {}
    if not restored_end.get("Address") or not source_end.get("Address"):
        return [Check("answers", FAILED, "the restored instance or the source has no endpoint")]
    try:
        instance_id, where = pick_instance(outputs, clients)
    except NoInstance as exc:
        return [Check("answers", FAILED, str(exc))]
    except (ClientError, BotoCoreError) as exc:
        return [Check("answers", FAILED, f"cannot find a web instance to run the data checks "
                                         f"on: {aws_error(exc)}")]
    script = data_script(
        region=str(outputs.get("region") or _region(secret_arn)), secret_arn=str(secret_arn),
        dbname=restored.get("DBName") or source.get("DBName") or "postgres",
        source=Endpoint(source_end["Address"], int(source_end.get("Port", 5432))),
        restored=Endpoint(restored_end["Address"], int(restored_end.get("Port", 5432))),
        client=client_package, queries=queries)
    progress(f"running the data checks {where}…")
    try:
        outcome = run_script(
            clients("ssm"), instance_id, script,
            f"prodstack backup verify: {restored.get('DBInstanceIdentifier', 'restore')}",
            poll_interval=poll_interval, progress=progress,
            timeout=timeout if timeout is not None else
            EXECUTION_TIMEOUT + DELIVERY_TIMEOUT + WAIT_MARGIN)
    except (ClientError, BotoCoreError) as exc:
        return [Check("answers", FAILED, f"SSM Run Command on {instance_id} failed: "
                                         f"{aws_error(exc)}{_hint(exc)}")]
    found = findings(outcome.stdout)
    if outcome.status != "Success" and not found.fatal and not found.done:
        why = " ".join(outcome.stderr.split())[-300:] or outcome.detail
        return [Check("answers", FAILED, f"the data checks' command {outcome.command_id} "
                                         f"{where} ended {outcome.status}: {why}")]
    return checks(found, where=where, restored_host=restored_end["Address"],
                  queries=len(queries))


def database_checks(outputs: dict[str, Any], clients: ClientFactory, source: dict[str, Any],
                instance: dict[str, Any], snap: dict[str, Any], queries: tuple[str, ...],
                poll_interval: float, progress: Progress) -> list[Check]:
    """The aws target's checks of a restored instance: its master password made the secret's
    current one (`credentials.py`: `snap` is the snapshot it came from), then the data
    checks on a web instance."""
    secret_arn = outputs.get("db_secret_arn")
    if not secret_arn:
        return [Check("answers", FAILED, "no db_secret_arn output: no credentials to query with")]
    credentials = align_password(clients("rds"), clients("secretsmanager"),
                                 instance["DBInstanceIdentifier"], str(secret_arn),
                                 snap.get("SnapshotCreateTime"), poll_interval=poll_interval,
                                 progress=progress)
    if credentials.status == FAILED:
        return [credentials]
    return [credentials, *data_checks(outputs, clients, source, instance,
                                      client_package=postgres_client(), queries=queries,
                                      poll_interval=poll_interval, progress=progress)]


def _hint(exc: BaseException) -> str:
    code = exc.response.get("Error", {}).get("Code", "") if isinstance(exc, ClientError) else ""
    if code == "InvalidInstanceId":
        return " (the instance's SSM agent is not online: it needs AmazonSSMManagedInstanceCore " \
               "and a route to SSM)"
    if code in ("AccessDeniedException", "AccessDenied"):
        return f" (the caller needs ssm:SendCommand on the instance and on {DOCUMENT})"
    return ""


def _region(arn: str) -> str:
    parts = arn.split(":")
    return parts[3] if len(parts) > 3 else ""

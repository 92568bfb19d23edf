"""The run-time half of a target: what differs between the embedded emulator and a real AWS
account when prodstack *runs* against a deployment: connecting (the local target starts the
emulator), the clients, Terraform's variables and backend arguments, what a run meets (a
retried request refused, a restarted or dead emulator) and the account's quotas.

Capabilities (`serves_http`, `runs_sql`) say what a deployed stack can do there; verify,
backup, deploy and teardown ask them instead of comparing target names. The synthesis half is
`prodstack.platform`, the settings' half `prodstack.config.targets`.
`target_for(settings)` is the one way to reach it.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from botocore.exceptions import BotoCoreError, ClientError

from prodstack.core.errors import UserError
from prodstack.core.journal import JOURNAL_FILE
from prodstack.platform.local import (
    ACCESS_KEY_VARIABLE,
    ENDPOINT_VARIABLE,
    SECRET_KEY_VARIABLE,
    TOKEN_VARIABLE,
)
from prodstack.runtime import emulator
from prodstack.runtime.clients import client
from prodstack.tf import state as tfstate

if TYPE_CHECKING:
    from prodstack.config.settings import Settings

ClientFactory = Callable[[str], Any]

# Errors of a retried request whose first attempt had succeeded (see EMULATOR_DIFFERENCES):
# a rule revoked or added twice, or (in a destroy) an object deleted twice.
RETRIED_REQUEST_ERRORS = ("InvalidPermission.NotFound", "InvalidPermission.Duplicate")
RETRIED_DELETE_ERRORS = ("notfound", "not found", "does not exist", "no such")


@dataclass(frozen=True)
class Connection:
    """Where the target's AWS APIs answer: the emulator's URL, or None for real AWS."""

    endpoint: str | None = None
    started: bool = False  # the target was started by this connection (the emulator)


def backend_init_args(endpoint: str) -> list[str]:
    """`terraform init`'s argument for an S3 backend in the emulator (a backend block cannot
    read variables)."""
    return [f'-backend-config=endpoints={{s3="{endpoint}"}}']


class Target:
    name: ClassVar[str]
    serves_http: ClassVar[bool]  # the instances boot and answer HTTP (connectivity check)
    runs_sql: ClassVar[bool]  # a restored database answers SQL (backup verify)
    adopts_after_refused_retry: ClassVar[bool] = False  # see LocalTarget
    shares_provider: ClassVar[bool] = False  # one provider process per run (provider_server)

    # -- running --------------------------------------------------------------------------
    def connect(self, start: bool = True, strict: bool = True) -> Connection:
        """Make the target reachable (the local target starts the emulator, `strict` or not:
        settings.emulator_strict)."""
        del start, strict
        return Connection()

    def terraform_variables(self, connection: Connection) -> dict[str, str]:
        del connection
        return {}

    def backend_init_args(self, settings: Settings, connection: Connection) -> list[str]:
        del settings, connection
        return []

    def clients(self, settings: Settings, connection: Connection) -> ClientFactory:
        return lambda service: client(service, settings, connection.endpoint)

    def refused_retry(self, message: str, destroy: bool = False) -> bool:
        """True when an apply failed because a retried request was refused after the first
        attempt had succeeded, so that one more apply converges."""
        del message, destroy
        return False

    def check_state(self, settings: Settings, connection: Connection, state_file: Any,
                    reset: bool, say: Callable[[str], None]) -> None:
        """Before Terraform runs: is the state still true of what the target holds?"""
        del settings, connection, state_file, reset, say

    def explain(self, connection: Connection, error: Exception) -> Exception:
        """A clearer error when the target itself went away under a command."""
        del connection
        return error

    def quota(self, clients: ClientFactory, service: str, code: str, default: int) -> int:
        """An account quota (Service Quotas code); AWS's default where it cannot be read."""
        del clients, service, code
        return default

    def gone(self, connection: Connection) -> Callable[[], str | None] | None:
        """A check Terraform's runner makes while it waits: the reason the target went away
        under a run, or None while it is there (None: nothing to check)."""
        del connection
        return None

    def after_destroy(self, settings: Settings, clients: ClientFactory) -> None:
        """Remove what the platform kept although Terraform destroyed it."""
        del settings, clients


class AwsTarget(Target):
    name: ClassVar[str] = "aws"
    serves_http: ClassVar[bool] = True
    runs_sql: ClassVar[bool] = True

    def quota(self, clients: ClientFactory, service: str, code: str, default: int) -> int:
        """The account's applied quota (Service Quotas); AWS's default where the account has
        none applied or the caller may not read it."""
        try:
            value = clients("service-quotas").get_service_quota(
                ServiceCode=service, QuotaCode=code)["Quota"]["Value"]
        except (ClientError, BotoCoreError, KeyError):
            return default
        return int(value)


class LocalTarget(Target):
    name: ClassVar[str] = "local"
    serves_http: ClassVar[bool] = False
    runs_sql: ClassVar[bool] = False
    adopts_after_refused_retry: ClassVar[bool] = True
    shares_provider: ClassVar[bool] = True

    def connect(self, start: bool = True, strict: bool = True) -> Connection:
        if start:
            info, started = emulator.start(strict)
        else:
            found = emulator.running()
            if found is None:
                raise UserError("the emulator is not running (start it with "
                                "`prodstack emulator start`)")
            info, started = found, False
        emulator.check_mode(info, strict)
        return Connection(info.url, started=started)

    def terraform_variables(self, connection: Connection) -> dict[str, str]:
        if not connection.endpoint:
            return {}
        key, secret, token = emulator.credentials()
        return {ENDPOINT_VARIABLE: connection.endpoint, ACCESS_KEY_VARIABLE: key,
                SECRET_KEY_VARIABLE: secret, TOKEN_VARIABLE: token or ""}

    def backend_init_args(self, settings: Settings, connection: Connection) -> list[str]:
        if settings.state_bucket and connection.endpoint:
            return backend_init_args(connection.endpoint)
        return []

    def refused_retry(self, message: str, destroy: bool = False) -> bool:
        if any(code in message for code in RETRIED_REQUEST_ERRORS):
            return True
        return destroy and any(marker in message.lower() for marker in RETRIED_DELETE_ERRORS)

    def check_state(self, settings: Settings, connection: Connection, state_file: Path,
                    reset: bool, say: Callable[[str], None]) -> None:
        """A restarted emulator holds nothing the local state lists: say so, or with
        `reset` move the stale state aside and start from empty."""
        if not connection.endpoint or not lost_state(self.clients(settings, connection),
                                                     state_file):
            return
        count = len(tfstate.managed(tfstate.read_file(state_file)))
        if not reset:
            env = f"--env {settings.env}"
            raise UserError(
                f"the emulator at {connection.endpoint} no longer holds the {count} resources "
                "in local state (it was restarted): `prodstack up --reset-state "
                f"{env}` deploys again, `prodstack down --yes --reset-state {env}` forgets "
                "them")
        stamp = time.strftime('%Y%m%d-%H%M%S')
        kept = state_file.with_name(f"{state_file.name}.lost-{stamp}")
        shutil.move(state_file, kept)
        say(f"local state reset (the old state is kept as {kept.name})")
        journal = state_file.with_name(JOURNAL_FILE)
        if journal.exists():  # an unfinished operation on resources that are gone
            journal.replace(journal.with_name(f"{JOURNAL_FILE}.lost-{stamp}"))
            say("the journal of an unfinished operation on them is set aside too")

    def gone(self, connection: Connection) -> Callable[[], str | None] | None:
        """The emulator's process ended under a run (killed, crashed): Terraform would go on
        retrying and waiting against a closed port, so the runner stops it."""
        info = emulator.read_info()
        if not connection.endpoint or info is None or info.url != connection.endpoint:
            return None
        url = connection.endpoint
        return lambda: None if emulator.process_alive(info.pid) else \
            emulator.stopped_message(url)

    def explain(self, connection: Connection, error: Exception) -> Exception:
        if connection.endpoint and not emulator.answers(connection.endpoint):
            log = getattr(error, "log", None)
            where = f" (full log: {log})" if log else ""
            return UserError(f"{emulator.stopped_message(connection.endpoint)}{where}")
        return error


def lost_state(clients: ClientFactory, state_file: Path) -> bool:
    """True when local state lists a VPC that the emulator no longer has."""
    vpcs = [attrs.get("id") for _, attrs in tfstate.instances(tfstate.read_file(state_file),
                                                             "aws_vpc")]
    if not vpcs or not vpcs[0]:
        return False
    try:
        clients("ec2").describe_vpcs(VpcIds=[str(vpcs[0])])
    except ClientError as exc:
        return "NotFound" in exc.response.get("Error", {}).get("Code", "")
    except BotoCoreError:
        return False
    return False


TARGETS: dict[str, Target] = {t.name: t for t in (LocalTarget(), AwsTarget())}


def target_for(settings: Settings) -> Target:
    return TARGETS[settings.target]

"""What a target is: everything that differs between deploying to the embedded emulator and
to a real AWS account, behind one interface that the rest of prodstack consults.

Capabilities (`serves_http`, `runs_sql`) say what a deployed stack can do there; verify,
backup, deploy and teardown ask them instead of comparing target names.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from prodstack.runtime.clients import client

if TYPE_CHECKING:
    from prodstack.config.settings import Settings
    from prodstack.stack.compose import Stack
    from prodstack.stack.context import Context
    from prodstack.tf.document import Document

ClientFactory = Callable[[str], Any]


@dataclass(frozen=True)
class Connection:
    """Where the target's AWS APIs answer: the emulator's URL, or None for real AWS."""

    endpoint: str | None = None
    started: bool = False  # the target was started by this connection (the emulator)


class Target(ABC):
    name: ClassVar[str]
    serves_http: ClassVar[bool]  # the instances boot and answer HTTP (connectivity check)
    runs_sql: ClassVar[bool]  # a restored database answers SQL (backup verify)
    adopts_after_refused_retry: ClassVar[bool] = False  # see targets.local
    shares_provider: ClassVar[bool] = False  # one provider process per run (provider_server)

    # -- settings -------------------------------------------------------------------------
    def default_domain(self) -> str | None:
        return None

    def default_alarm_emails(self) -> tuple[str, ...]:
        return ()

    def validate(self, settings: Settings) -> None:
        """Raise `SettingError` for a setting this target needs and does not have."""
        del settings

    # -- the document ---------------------------------------------------------------------
    def hosted_zone(self, ctx: Context) -> str | None:
        """The Route53 zone id for DNS records when the user gave none."""
        del ctx
        return None

    @abstractmethod
    def adjust(self, stack: Stack) -> None:
        """Adjust the finished document (backend, provider, this target's differences)."""

    def point_providers(self, doc: Document) -> None:
        """Point every `aws` provider block of a document at this target."""
        del doc

    def default_state_bucket(self, settings: Settings) -> str | None:
        """The state bucket `prodstack bootstrap` creates when none is given."""
        del settings
        return None

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

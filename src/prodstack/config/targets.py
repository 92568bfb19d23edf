"""What each target means for the settings: the defaults it gives (the local target's demo
domain and alarm address, its state bucket's name) and what it requires (the aws target: a
domain that can validate or a certificate, an address to alert, a state bucket).

The synthesis half of a target is `prodstack.platform`, its run-time half
`prodstack.runtime.targets`; this is the part that settings validation needs, so the
settings stay a pure value.
"""

from __future__ import annotations

from typing import Protocol

from prodstack.core.errors import SettingError
from prodstack.core.placeholders import is_placeholder

TARGETS = ("local", "aws")
DEMO_DOMAIN = "prodstack-demo.test"
DEMO_EMAIL = "oncall@prodstack-demo.test"


class TargetSettings(Protocol):
    """The settings a target reads here."""

    @property
    def target(self) -> str: ...
    @property
    def project(self) -> str: ...
    @property
    def domain(self) -> str | None: ...
    @property
    def certificate_arn(self) -> str | None: ...
    @property
    def hosted_zone_id(self) -> str | None: ...
    @property
    def alarm_emails(self) -> tuple[str, ...]: ...
    @property
    def state_bucket(self) -> str | None: ...


def default_domain(target: str) -> str | None:
    """The domain when the settings give none: the emulator's demo domain."""
    return DEMO_DOMAIN if target == "local" else None


def default_alarm_emails(target: str) -> tuple[str, ...]:
    return (DEMO_EMAIL,) if target == "local" else ()


def default_state_bucket(settings: TargetSettings) -> str | None:
    """The state bucket `prodstack bootstrap` creates when none is given."""
    return f"{settings.project}-tfstate-local" if settings.target == "local" else None


def validate(settings: TargetSettings) -> None:
    """Raise `SettingError` for a setting the target needs and does not have."""
    if settings.target != "aws":
        return
    domain = settings.domain
    if domain and is_placeholder(domain):
        raise SettingError("domain", f"{domain} is a placeholder domain; its "
                           "certificate can never validate")
    if not settings.certificate_arn and not domain:
        raise SettingError("domain", "the aws target needs a domain with hosted_zone_id, "
                           "or a certificate_arn")
    if domain and not settings.hosted_zone_id and not settings.certificate_arn:
        raise SettingError("hosted_zone_id", f"domain {domain} needs hosted_zone_id (for "
                           "DNS validation) or a certificate_arn")
    if not settings.alarm_emails:
        raise SettingError("alarm_emails", "the aws target needs at least one address "
                           "to alert")
    if not settings.state_bucket:
        raise SettingError("state_bucket", "required on the aws target (run `prodstack "
                           "bootstrap` to create one)")

"""The aws target: a real account (the usual credential chain) with the S3 remote backend.

The backend block is generated in full per environment and region (bucket, key, region,
encryption, `use_lockfile` for S3 native locking: FM-1.2, FM-1.3), so `terraform init` never
meets an empty `backend "s3" {}`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

from botocore.exceptions import BotoCoreError, ClientError

from prodstack.config.naming import Names
from prodstack.core.errors import SettingError
from prodstack.core.placeholders import is_placeholder
from prodstack.platform.base import ClientFactory, Target

if TYPE_CHECKING:
    from prodstack.config.settings import Settings
    from prodstack.stack.compose import Stack

OFFLINE_STATE_BUCKET = "prodstack-offline-plan"
OFFLINE_ZONE = "ZPRODSTACKOFFLINE"


def backend_settings(settings: Settings) -> dict[str, Any]:
    names = Names(settings.project, settings.env, settings.region)
    return {
        "bucket": settings.state_bucket,
        "key": names.state_key,
        "region": settings.state_region or settings.region,
        "encrypt": True,
        "use_lockfile": True,
    }


class AwsTarget(Target):
    name: ClassVar[str] = "aws"
    serves_http: ClassVar[bool] = True
    runs_sql: ClassVar[bool] = True

    def validate(self, settings: Settings) -> None:
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

    def quota(self, clients: ClientFactory, service: str, code: str, default: int) -> int:
        """The account's applied quota (Service Quotas); AWS's default where the account has
        none applied or the caller may not read it."""
        try:
            value = clients("service-quotas").get_service_quota(
                ServiceCode=service, QuotaCode=code)["Quota"]["Value"]
        except (ClientError, BotoCoreError, KeyError):
            return default
        return int(value)

    def adjust(self, stack: Stack) -> None:
        stack.doc.terraform["backend"] = {"s3": backend_settings(stack.settings)}

    @staticmethod
    def offline_settings(settings: Settings) -> Settings:
        """These settings on the aws target, with placeholders for what an offline plan of
        its configuration does not need (a state bucket, a zone, an address)."""
        return replace(
            settings, target=AwsTarget.name,
            state_bucket=settings.state_bucket or OFFLINE_STATE_BUCKET,
            domain=settings.effective_domain,
            hosted_zone_id=settings.hosted_zone_id or OFFLINE_ZONE,
            alarm_emails=settings.effective_alarm_emails,
        )

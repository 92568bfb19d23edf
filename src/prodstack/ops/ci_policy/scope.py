"""The deployment's resources as IAM resource ARNs and patterns: what the CI policy is scoped to.

Names come from `prodstack.config.naming.Names` (the one place that defines them) and, where
the stack alone knows a value (the roles it creates and the service each trusts, the managed
policies it attaches, the public AMI parameter it reads), from the stack's synthesized
document for the aws
target, never rebuilt here. ARN formats are AWS's ("Actions, resources, and condition keys for
<service>", Service Authorization Reference,
https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html).
An account that is not known yet is `*` in every ARN (and in the bucket names that carry it).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from typing import Any

from prodstack.config.naming import Names
from prodstack.config.settings import Settings
from prodstack.core.errors import UserError
from prodstack.ops.offline_plan import offline_settings
from prodstack.platform.aws import backend_settings
from prodstack.stack.synth import build_document

ANY_ACCOUNT = "*"


def partition(region: str) -> str:
    """AWS's partition of a region (the ARN's second field)."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


@dataclass(frozen=True)
class Role:
    """A role the stack creates: its name and the service principal its trust names."""

    name: str
    service: str


@dataclass(frozen=True)
class Scope:
    settings: Settings
    account: str  # twelve digits, or ANY_ACCOUNT
    roles: tuple[Role, ...]  # the stack's roles, from the synthesized document
    managed_policies: tuple[str, ...]  # AWS managed policy ARNs the stack attaches
    public_parameters: tuple[str, ...]  # public SSM parameters the stack reads (AMI ids)

    @property
    def names(self) -> Names:
        return self.settings.names

    @property
    def region(self) -> str:
        return self.settings.region

    @property
    def partition(self) -> str:
        return partition(self.region)

    def arn(self, service: str, resource: str, *, region: str | None = None,
            account: str | None = None) -> str:
        """`arn:<partition>:<service>:<region>:<account>:<resource>` (region "" for global
        services)."""
        where = self.region if region is None else region
        who = self.account if account is None else account
        return f"arn:{self.partition}:{service}:{where}:{who}:{resource}"

    # The deployment's resources, by service -------------------------------------------------
    @property
    def regional(self) -> str:
        """`prodstack-production-*`: the regional names."""
        return self.names.regional("*")

    @property
    def account_wide(self) -> str:
        """`prodstack-production-us-west-1-*`: roles, instance profiles."""
        return self.names.account_wide("*")

    def iam(self, kind: str, name: str) -> str:
        return self.arn("iam", f"{kind}/{name}", region="")

    @property
    def buckets(self) -> tuple[str, ...]:
        """The stack's buckets (audit, logs, data): their names carry the account."""
        return (self.arn("s3", self.names.bucket("*", self.account), region="", account=""),)

    @property
    def objects(self) -> tuple[str, ...]:
        return tuple(f"{bucket}/*" for bucket in self.buckets)

    @property
    def log_groups(self) -> tuple[str, ...]:
        """Each log group of the deployment, in both ARN forms AWS evaluates (the group, and
        the group with its streams: `…:log-group:NAME:*`)."""
        groups = [self.arn("logs", f"log-group:{name}") for name in self.names.log_group_patterns]
        return tuple(arn for group in groups for arn in (group, f"{group}:*"))

    @property
    def parameters(self) -> tuple[str, ...]:
        """`/prodstack/production/*`: the release record and the application's parameters."""
        base = self.names.release_parameter.rsplit("/", 1)[0]
        return (self.arn("ssm", f"parameter{base}"), self.arn("ssm", f"parameter{base}/*"))

    @property
    def state(self) -> tuple[str, str, str]:
        """(bucket ARN, state object ARN, lock file ARN) of the S3 backend
        (`prodstack.platform.aws.backend_settings`)."""
        backend = backend_settings(self.settings)
        bucket = self.arn("s3", str(backend["bucket"]), region="", account="")
        key = str(backend["key"])
        return bucket, f"{bucket}/{key}", f"{bucket}/{key}.tflock"

    @property
    def state_key(self) -> str:
        return self.names.state_key

    def passed_roles(self) -> dict[str, list[str]]:
        """Service principal -> the ARNs of the stack's roles that trust it."""
        found: dict[str, list[str]] = {}
        for role in self.roles:
            found.setdefault(role.service, []).append(self.iam("role", role.name))
        return found


def _services(trust: Any) -> list[str]:
    doc = json.loads(trust) if isinstance(trust, str) else trust
    statements = doc.get("Statement", [])
    services: list[str] = []
    for st in statements if isinstance(statements, list) else [statements]:
        principal = (st.get("Principal") or {}).get("Service", [])
        services += [principal] if isinstance(principal, str) else list(principal)
    return services


_PARTITION = re.compile(r"\$\{data\.aws_partition\.[A-Za-z0-9_]+\.partition\}")


def _literal(value: str, region: str) -> str:
    """A value of the synthesized document with the partition filled in; anything else that
    Terraform would compute is refused (the policy must name real ARNs)."""
    text = _PARTITION.sub(partition(region), value)
    if "${" in text:
        raise ValueError(f"{value!r}: not known before Terraform runs")
    return text


def scope_for(settings: Settings, account: str | None = None) -> Scope:
    """The scope of `settings` on the aws target (the stack synthesized as `prodstack synth
    --target aws` would, without an account or credentials)."""
    if account is not None and not (account.isdigit() and len(account) == 12):
        raise UserError(f"--account {account!r}: expected the twelve digits of an AWS account",
                        exit_code=2)
    if not settings.state_bucket:
        raise UserError("ci-policy needs state_bucket, the aws target's remote state (run "
                        "`prodstack bootstrap`, then --set state_bucket=NAME)", exit_code=2)
    aws = offline_settings(settings)
    doc = build_document(aws).to_dict()
    resources = doc.get("resource", {})
    roles = tuple(Role(_literal(str(body["name"]), aws.region), service)
                  for body in resources.get("aws_iam_role", {}).values()
                  for service in _services(body["assume_role_policy"]))
    managed = tuple(sorted({_literal(str(body["policy_arn"]), aws.region) for body in resources.get(
        "aws_iam_role_policy_attachment", {}).values()}))
    public = tuple(sorted({str(body["name"]) for body in doc.get("data", {}).get(
        "aws_ssm_parameter", {}).values() if str(body["name"]).startswith("/aws/service/")}))
    # The zone is the user's (offline settings put a placeholder in for the document).
    given = replace(aws, hosted_zone_id=settings.hosted_zone_id)
    return Scope(settings=given, account=account or ANY_ACCOUNT, roles=roles,
                 managed_policies=managed, public_parameters=public)

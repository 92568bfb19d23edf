"""What the strict modules share: the policies a service meets when it assumes a role or
delivers to a resource, read from moto's backends at request time, and decided by the same
evaluator as the audit's apply-readiness rules (`prodstack.catalog.policies`).

A service's request carries exactly the condition keys in its `context`: every other key is
absent (`absent=("*",)`), so a `StringEquals` on a key the service does not send refuses it,
as AWS does. The evaluator answers None only for operators the rules do not model (Date*,
IpAddress…); the emulator then lets the request through rather than refuse what it cannot
decide.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from moto.iam.models import Role, iam_backends
from moto.kms.models import Key, kms_backends
from moto.s3.models import FakeBucket, s3_backends
from moto.utilities.utils import get_partition

from prodstack.catalog.policies import Document, Request, evaluate, merge, parse

Principal = tuple[str, str]


def service(name: str) -> Principal:
    return ("Service", name)


def request(action: str, resources: Iterable[str], principal: Principal | None,
            context: Mapping[str, Any] | None = None) -> Request:
    """A request that carries `context` and no other condition key."""
    return Request(action, tuple(resources), principal, dict(context or {}), absent=("*",))


def allows(doc: Document | None, req: Request) -> bool:
    """AWS would let `req` through under `doc` (False only when the evaluator says so)."""
    return evaluate(doc, req) is not False


def document(text: Any) -> Document | None:
    if isinstance(text, bytes):
        text = text.decode()
    found = parse(text) if text else None
    return found if isinstance(found, Document) else None


# -- IAM -------------------------------------------------------------------------------------

def role(account: str, region: str, arn: str | None) -> Role | None:
    """The role with this ARN, or None (no such role, or not a role ARN). Role names are not
    distinguished by case in IAM (moto also spells a few service-linked roles in lower case,
    e.g. AWSServiceRoleForconfig)."""
    if not arn or ":role/" not in arn:
        return None
    backend = iam_backends[account][get_partition(region)]
    return next((r for r in backend.get_roles() if r.arn.lower() == arn.lower()), None)


def trusts(found: Role | None, principal: Principal,
           context: Mapping[str, Any] | None = None) -> bool:
    """The role exists and its trust policy lets `principal` call sts:AssumeRole with the
    condition keys the service sends (`context`)."""
    if found is None:
        return False
    return evaluate(document(found.assume_role_policy_document),
                    request("sts:AssumeRole", (found.arn,), principal, context)) is True


def _managed_document(policy: Any) -> Any:
    for version in getattr(policy, "versions", []):
        if version.version_id == policy.default_version_id:
            return version.document
    return None


def identity_policies(found: Role) -> Document:
    """The role's inline and attached policies as one document."""
    texts = [*found.policies.values(),
             *(_managed_document(p) for p in found.managed_policies.values())]
    return merge(document(t) for t in texts)


def role_may(found: Role, action: str, resources: Iterable[str],
             context: Mapping[str, Any] | None = None) -> bool:
    """The role's own policies allow the action on one of `resources` (an explicit Deny
    refuses; no permissions boundary or SCP is modelled)."""
    return evaluate(identity_policies(found),
                    request(action, resources, None, context)) is True


# -- S3 and KMS ------------------------------------------------------------------------------

def bucket(account: str, region: str, name: str | None) -> FakeBucket | None:
    if not name:
        return None
    return s3_backends[account][get_partition(region)].buckets.get(name)


def bucket_policy(found: FakeBucket) -> Document | None:
    return document(found.policy)


def bucket_sse(found: FakeBucket) -> list[str]:
    """The bucket's default encryption algorithms (`AES256`, `aws:kms`, `aws:kms:dsse`)."""
    rules = (found.encryption or {}).get("Rule") or []
    rules = rules if isinstance(rules, list) else [rules]
    return [str(r.get("ApplyServerSideEncryptionByDefault", {}).get("SSEAlgorithm", ""))
            for r in rules if isinstance(r, dict)]


def s3_arn(region: str, name: str, key: str | None = None) -> str:
    base = f"arn:{get_partition(region)}:s3:::{name}"
    return base if key is None else f"{base}/{key}"


def key(account: str, region: str, key_id: str | None) -> Key | None:
    """The KMS key given by id, ARN, alias name or alias ARN (None when there is none)."""
    if not key_id:
        return None
    if key_id.startswith("arn:") and ":kms:" in key_id:
        parts = key_id.split(":")
        account, region = parts[4] or account, parts[3] or region
        if ":alias/" in key_id:
            key_id = "alias/" + key_id.split(":alias/", 1)[1]
    backend = kms_backends[account][region]
    try:
        return backend.describe_key(key_id)
    except Exception:
        return None


def key_policy(found: Key) -> Document | None:
    return document(found.policy)


def aws_managed(found: Key) -> bool:
    return getattr(found, "key_manager", "CUSTOMER") == "AWS"

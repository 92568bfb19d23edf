"""A bucket policy's Deny applies only when its conditions hold.

moto: before serving an object request, moto evaluates the bucket policy with its own IAM
policy reader, which ignores `Condition`: the TLS-only statement every prodstack bucket carries
(`Deny s3:*` when `aws:SecureTransport` is false) then refuses every object request, a bare
403 with no body, to every caller.
AWS (Amazon S3 user guide, "Bucket policy examples", "Managing access based on HTTPS"; IAM
reference, "Policy evaluation logic"): a statement applies only when its conditions hold;
requests over HTTPS carry `aws:SecureTransport = true`. The emulator stands for an HTTPS
endpoint (as the strict IAM mode does), and the policy is decided by prodstack's evaluator
(`prodstack.catalog.policies`), for the account's own principal (who signs for the emulator's
administrator); requests of other identities are decided in full by `iam_authorization`.
"""

from __future__ import annotations

from typing import Any

from moto.iam.access_control import PermissionResult
from moto.s3.models import FakeBucket

from prodstack.catalog.policies import Request, applies, parse

MOTO_VERSION = "5.2.5"


def permission(bucket: FakeBucket, action: str, resource: str) -> Any:
    if bucket.policy is None:
        return PermissionResult.NEUTRAL
    doc = parse(bucket.policy.decode() if isinstance(bucket.policy, bytes) else bucket.policy)
    if doc is None or isinstance(doc, str):
        return PermissionResult.NEUTRAL
    request = Request(action=action, resources=(resource,),
                      principal=("AWS", f"arn:aws:iam::{bucket.account_id}:root"),
                      context={"aws:SecureTransport": "true"}, absent=("*",))
    hits = [(st.effect, applies(st, request)) for st in getattr(doc, "statements", ())]
    if any(effect == "Deny" and hit is True for effect, hit in hits):
        return PermissionResult.DENIED
    if any(effect == "Allow" and hit is True for effect, hit in hits):
        return PermissionResult.PERMITTED
    return PermissionResult.NEUTRAL


def apply() -> None:
    FakeBucket.get_permission = permission  # type: ignore[method-assign]

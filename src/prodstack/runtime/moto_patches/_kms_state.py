"""Shared by the key-state modules: find the KMS key a resource names, and say whether its
state lets AWS use it.

A key is named by id, key ARN, alias name or alias ARN; an ARN names its own account and
Region, anything else is looked up in the caller's. A key AWS cannot use in cryptographic
operations is one that is `Disabled` or `PendingDeletion` (AWS KMS Developer Guide, "Key
states of AWS KMS keys"): KMS answers `DisabledException` "<key ARN> is disabled." or
`KMSInvalidStateException` "<key ARN> is pending deletion." (HTTP 409).
"""

from __future__ import annotations

from dataclasses import dataclass

from moto.kms.models import Key, kms_backends

KEY_STATE_PAGE = "https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html"


@dataclass(frozen=True)
class Unusable:
    """Why a key cannot be used: KMS's error code and message, and the key's ARN."""

    code: str
    message: str
    arn: str


def find(account_id: str, region: str, ref: str | None) -> Key | None:
    """The key that `ref` names (id, key ARN, alias name or ARN), or None."""
    if not ref:
        return None
    if ref.startswith("arn:"):
        parts = ref.split(":")
        if len(parts) < 6:
            return None
        region, account_id = parts[3], parts[4]
    backend = kms_backends[account_id][region]
    try:
        key_id = backend.any_id_to_key_id(ref)
    except (KeyError, AttributeError):
        return None
    return backend.keys.get(key_id) if key_id else None


def unusable(key: Key | None) -> Unusable | None:
    """KMS's refusal for a key in a state that allows no cryptographic operation."""
    if key is None:
        return None
    if key.key_state == "Disabled":
        return Unusable("DisabledException", f"{key.arn} is disabled.", key.arn)
    if key.key_state == "PendingDeletion":
        return Unusable("KMSInvalidStateException", f"{key.arn} is pending deletion.", key.arn)
    return None


def check(account_id: str, region: str, ref: str | None) -> Unusable | None:
    return unusable(find(account_id, region, ref))

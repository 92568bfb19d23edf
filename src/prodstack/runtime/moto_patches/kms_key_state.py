"""KMS's cryptographic operations refuse a disabled key, or one pending deletion.

moto: Encrypt, Decrypt, ReEncrypt, GenerateDataKey (and GenerateDataKeyWithoutPlaintext)
work whatever the key's state: DisableKey and ScheduleKeyDeletion change only the state that
DescribeKey shows.
AWS (AWS KMS Developer Guide, "Key states of AWS KMS keys"; KMS API reference, "Encrypt",
"Decrypt", "GenerateDataKey", "ReEncrypt"): a key that is `Disabled` cannot be used in any
cryptographic operation: `DisabledException` "<key ARN> is disabled."; one that is
`PendingDeletion` neither: `KMSInvalidStateException` "<key ARN> is pending deletion." (both
HTTP 409). EnableKey makes a disabled key usable again; CancelKeyDeletion leaves the key
`Disabled` (enable it to use it again), as moto already does.
"""

from __future__ import annotations

from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.kms.models import KmsBackend

from prodstack.runtime.moto_patches import _kms_state

MOTO_VERSION = "5.2.5"
REFUSES = (
    ("Encrypt, Decrypt, ReEncrypt or GenerateDataKey with a disabled key",
     "DisabledException: <key ARN> is disabled.", _kms_state.KEY_STATE_PAGE),
    ("Encrypt, Decrypt, ReEncrypt or GenerateDataKey with a key pending deletion",
     "KMSInvalidStateException: <key ARN> is pending deletion.", _kms_state.KEY_STATE_PAGE),
)


class KeyStateError(JsonRESTError):
    code = 409

    def __init__(self, refusal: _kms_state.Unusable) -> None:
        super().__init__(refusal.code, refusal.message)


def refuse_unusable(backend: KmsBackend, key_id: str) -> None:
    refusal = _kms_state.unusable(backend.keys.get(backend.any_id_to_key_id(key_id)))
    if refusal is not None:
        raise KeyStateError(refusal)


def apply() -> None:
    encrypt = KmsBackend.encrypt
    decrypt = KmsBackend.decrypt

    def encrypt_with_usable_key(self: KmsBackend, key_id: str, *args: Any,
                                **kwargs: Any) -> tuple[bytes, str]:
        refuse_unusable(self, key_id)
        return encrypt(self, key_id, *args, **kwargs)

    def decrypt_with_usable_key(self: KmsBackend, *args: Any,
                                **kwargs: Any) -> tuple[bytes, str]:
        plaintext, arn = decrypt(self, *args, **kwargs)  # finds the key in the ciphertext
        refuse_unusable(self, arn)
        return plaintext, arn

    # GenerateDataKey* and ReEncrypt go through these two.
    KmsBackend.encrypt = encrypt_with_usable_key  # type: ignore[method-assign]
    KmsBackend.decrypt = decrypt_with_usable_key  # type: ignore[method-assign]

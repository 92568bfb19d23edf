"""prodstack.runtime.moto_patches.kms_key_state"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.emulator.conftest import Client, still_needed

pytestmark = pytest.mark.emulator


def uses(kms: Any, key: str, blob: bytes) -> dict[str, Callable[[], object]]:
    """Every cryptographic operation with the key (`blob`: a ciphertext of it)."""
    return {
        "Encrypt": lambda: kms.encrypt(KeyId=key, Plaintext=b"x"),
        "Decrypt": lambda: kms.decrypt(CiphertextBlob=blob),
        "GenerateDataKey": lambda: kms.generate_data_key(KeyId=key, KeySpec="AES_256"),
        "GenerateDataKeyWithoutPlaintext": lambda: kms.generate_data_key_without_plaintext(
            KeyId=key, KeySpec="AES_256"),
        "ReEncrypt": lambda: kms.re_encrypt(CiphertextBlob=blob, DestinationKeyId=key),
    }


def errors(kms: Any, key: str, blob: bytes) -> dict[str, tuple[str, str] | None]:
    out: dict[str, tuple[str, str] | None] = {}
    for name, call in uses(kms, key, blob).items():
        try:
            call()
            out[name] = None
        except ClientError as exc:
            out[name] = (exc.response["Error"]["Code"], exc.response["Error"]["Message"])
    return out


def test_a_disabled_key_or_one_pending_deletion_is_refused_until_enabled(aws: Client):
    kms = aws("kms")
    key = kms.create_key()["KeyMetadata"]
    kms.create_alias(AliasName="alias/state", TargetKeyId=key["KeyId"])
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"secret")["CiphertextBlob"]
    assert set(errors(kms, "alias/state", blob).values()) == {None}

    kms.disable_key(KeyId=key["KeyId"])
    disabled = ("DisabledException", f"{key['Arn']} is disabled.")
    assert errors(kms, "alias/state", blob) == dict.fromkeys(uses(kms, "", b""), disabled)
    with pytest.raises(ClientError) as status:
        kms.encrypt(KeyId=key["Arn"], Plaintext=b"x")
    assert status.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    kms.enable_key(KeyId=key["KeyId"])
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"secret"

    kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
    pending = ("KMSInvalidStateException", f"{key['Arn']} is pending deletion.")
    assert errors(kms, key["KeyId"], blob) == dict.fromkeys(uses(kms, "", b""), pending)
    kms.cancel_key_deletion(KeyId=key["KeyId"])  # AWS leaves it disabled
    assert set(errors(kms, key["KeyId"], blob).values()) == {disabled}
    kms.enable_key(KeyId=key["KeyId"])
    assert set(errors(kms, key["KeyId"], blob).values()) == {None}


def test_still_needed(unpatched: Client):
    kms = unpatched("kms")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.disable_key(KeyId=key)
    still_needed(kms.encrypt(KeyId=key, Plaintext=b"x") is not None, "kms_key_state",
                 "key states in KMS's cryptographic operations")

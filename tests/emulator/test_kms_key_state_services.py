"""prodstack.runtime.moto_patches.kms_key_state_services"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.emulator.conftest import Client, still_needed

pytestmark = pytest.mark.emulator


def error(call: Callable[[], object]) -> tuple[str, str] | None:
    try:
        call()
        return None
    except ClientError as exc:
        return exc.response["Error"]["Code"], exc.response["Error"]["Message"]


def key_states(kms: Any, arn: str) -> Iterator[str]:
    """Walk a key through its states: yields "enabled", "disabled", "pending", "cancelled"
    (still disabled, as AWS leaves it), "enabled" again."""
    key = arn.rsplit("/", 1)[1]  # moto 5.2.5 finds a key only by id in these four actions
    yield "enabled"
    kms.disable_key(KeyId=key)
    yield "disabled"
    kms.enable_key(KeyId=key)
    kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
    yield "pending"
    kms.cancel_key_deletion(KeyId=key)
    yield "cancelled"
    kms.enable_key(KeyId=key)
    yield "enabled"


def test_rds_restore_and_copy_of_a_snapshot_encrypted_with_the_key(aws: Client):
    kms, rds = aws("kms"), aws("rds")
    key = kms.create_key()["KeyMetadata"]["Arn"]
    rds.create_db_instance(
        DBInstanceIdentifier="keyed", DBInstanceClass="db.t3.micro", Engine="postgres",
        AllocatedStorage=20, MasterUsername="app", MasterUserPassword="not-a-secret-0",
        StorageEncrypted=True, KmsKeyId=key)
    rds.create_db_snapshot(DBInstanceIdentifier="keyed", DBSnapshotIdentifier="keyed-snap")
    specified = ("KMSKeyNotAccessibleFault", f"The specified KMS key [{key}] does not exist, "
                 "is not enabled or you do not have permissions to access it.")
    source = ("KMSKeyNotAccessibleFault", f"The source snapshot KMS key [{key}] does not "
              "exist, is not enabled or you do not have permissions to access it.")
    for n, state in enumerate(key_states(kms, key)):
        restored = error(lambda n=n: rds.restore_db_instance_from_db_snapshot(
            DBInstanceIdentifier=f"keyed-restore-{n}", DBSnapshotIdentifier="keyed-snap"))
        copied = error(lambda n=n: rds.copy_db_snapshot(
            SourceDBSnapshotIdentifier="keyed-snap", TargetDBSnapshotIdentifier=f"copy-{n}"))
        if state == "enabled":
            assert (restored, copied) == (None, None)
        else:
            assert (restored, copied) == (specified, source), state


def test_s3_put_object_with_the_key_given_or_by_default(aws: Client):
    kms, s3 = aws("kms"), aws("s3")
    key = kms.create_key()["KeyMetadata"]["Arn"]
    kms.create_alias(AliasName="alias/objects", TargetKeyId=key)
    s3.create_bucket(Bucket="keyed-objects",
                     CreateBucketConfiguration={"LocationConstraint": "us-west-1"})
    s3.put_bucket_encryption(Bucket="keyed-objects", ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {
            "SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/objects"}}]})
    s3.create_bucket(Bucket="plain-objects",
                     CreateBucketConfiguration={"LocationConstraint": "us-west-1"})
    expected = {"disabled": ("KMS.DisabledException", f"{key} is disabled."),
                "pending": ("KMS.KMSInvalidStateException", f"{key} is pending deletion.")}
    expected["cancelled"] = expected["disabled"]
    for state in key_states(kms, key):
        by_default = error(lambda: s3.put_object(Bucket="keyed-objects", Key="k", Body=b"x"))
        given = error(lambda: s3.put_object(
            Bucket="plain-objects", Key="k", Body=b"x", ServerSideEncryption="aws:kms",
            SSEKMSKeyId=key))
        assert by_default == given == expected.get(state), state
        # SSE-S3 in the same bucket needs no KMS key
        assert error(lambda: s3.put_object(Bucket="keyed-objects", Key="s3", Body=b"x",
                                           ServerSideEncryption="AES256")) is None


# A key policy CloudWatch Logs may use (as its guide documents), besides the account's.
LOGS_KEY_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
     "Action": "kms:*", "Resource": "*"},
    {"Effect": "Allow", "Principal": {"Service": "logs.us-west-1.amazonaws.com"},
     "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                "kms:Describe*"], "Resource": "*",
     "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn":
                               "arn:aws:logs:us-west-1:123456789012:*"}}}]})


def test_a_log_group_and_a_secret_using_the_key(aws: Client):
    kms, logs, secrets = aws("kms"), aws("logs"), aws("secretsmanager")
    key = kms.create_key(Policy=LOGS_KEY_POLICY)["KeyMetadata"]["Arn"]
    secrets.create_secret(Name="keyed-secret", SecretString="v0", KmsKeyId=key)
    decryption = ("DecryptionFailure", "Secrets Manager can't decrypt the protected secret "
                  "text using the provided KMS key.")
    for n, state in enumerate(key_states(kms, key)):
        group = f"/keyed/{n}"
        created = error(lambda group=group: logs.create_log_group(logGroupName=group,
                                                                  kmsKeyId=key))
        read = error(lambda: secrets.get_secret_value(SecretId="keyed-secret"))
        written = error(lambda n=n: secrets.put_secret_value(SecretId="keyed-secret",
                                                             SecretString=f"v{n}"))
        new = error(lambda n=n: secrets.create_secret(Name=f"keyed-{n}", SecretString="v",
                                                      KmsKeyId=key))
        if state == "enabled":
            assert (created, read, written, new) == (None, None, None, None)
            continue
        assert created == ("AccessDeniedException", "The specified KMS key does not exist or "
                           "is not allowed to be used with Arn 'arn:aws:logs:us-west-1:"
                           f"123456789012:log-group:{group}'"), state
        assert read == decryption
        assert written is not None and written[0] == "EncryptionFailure"
        assert new == written and "enabled, and not in an invalid state" in written[1]
    assert secrets.get_secret_value(SecretId="keyed-secret")["SecretString"] == "v4"


def test_still_needed(unpatched: Client):
    kms, secrets = unpatched("kms"), unpatched("secretsmanager")
    key = kms.create_key()["KeyMetadata"]["Arn"]
    secrets.create_secret(Name="probe", SecretString="v", KmsKeyId=key)
    kms.disable_key(KeyId=key.rsplit("/", 1)[1])
    still_needed(error(lambda: secrets.get_secret_value(SecretId="probe")) is None,
                 "kms_key_state_services", "key states in the services that use a key")

"""What depends on a KMS key fails, as in AWS, once the key is disabled or pending deletion.

moto: RDS, S3, CloudWatch Logs and Secrets Manager store the KMS key a resource names but
never use it, so a disabled key, or one pending deletion, changes nothing for them.
AWS (AWS KMS Developer Guide, "Key states of AWS KMS keys" and "How unusable KMS keys affect
data keys"; each service's API reference): a service that must encrypt or decrypt with the
key fails, with its own error:
- RDS (API reference, "RestoreDBInstanceFromDBSnapshot", "CopyDBSnapshot"):
  `KMSKeyNotAccessibleFault` "The specified KMS key [<key ARN>] does not
  exist, is not enabled or you do not have permissions to access it." (for a copy's source:
  "The source snapshot KMS key [<key ARN>] …"), HTTP 400;
- S3 (API reference, "PutObject"; "Using server-side encryption with AWS KMS keys"): a PutObject
  encrypted with the key (given in the request, or the bucket's default encryption) answers
  KMS's error under S3's name: `KMS.DisabledException` "<key ARN> is disabled." or
  `KMS.KMSInvalidStateException` "<key ARN> is pending deletion.", HTTP 400;
- CloudWatch Logs (API reference, "CreateLogGroup", "AssociateKmsKey"; moto 5.2.5 has no
  AssociateKmsKey): a log group cannot be created with a key it cannot use:
  `AccessDeniedException` "The specified KMS key does not exist or is not allowed to be used
  with Arn '<log group ARN>'" (the API reference names InvalidParameterException for a
  disabled key; live accounts answer this AccessDeniedException for a key Logs cannot use);
- Secrets Manager (API reference, "GetSecretValue", "PutSecretValue", "CreateSecret",
  "UpdateSecret"): reading a secret whose key is unusable is `DecryptionFailure` "Secrets
  Manager can't decrypt the protected secret text using the provided KMS key."; writing one
  is `EncryptionFailure` "Secrets Manager can't encrypt the protected secret text using the
  provided KMS key. Check that the KMS key is available, enabled, and not in an invalid
  state. …" (HTTP 400).
Enabling the key again (EnableKey, after CancelKeyDeletion for one pending deletion) makes
them work again: the state is read at each request.
"""

from __future__ import annotations

from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.logs.models import LogsBackend
from moto.rds.exceptions import RDSClientError
from moto.rds.models import RDSBackend
from moto.s3.exceptions import S3ClientError
from moto.s3.models import S3Backend
from moto.secretsmanager.models import SecretsManagerBackend

from prodstack.runtime.moto_patches import _kms_state

MOTO_VERSION = "5.2.5"
NOT_ACCESSIBLE = ("{} KMS key [{}] does not exist, is not enabled or you do not have "
                  "permissions to access it.")
LOGS_DENIED = "The specified KMS key does not exist or is not allowed to be used with Arn '{}'"
DECRYPTION = "Secrets Manager can't decrypt the protected secret text using the provided KMS key."
ENCRYPTION = ("Secrets Manager can't encrypt the protected secret text using the provided KMS "
              "key. Check that the KMS key is available, enabled, and not in an invalid state. "
              "For more information, see Key state: Effect on your KMS key.")
_PAGE = _kms_state.KEY_STATE_PAGE
REFUSES = (
    ("RDS: restoring or copying a DB snapshot encrypted with a disabled key or one pending "
     "deletion",
     "KMSKeyNotAccessibleFault: The specified KMS key [<key ARN>] does not exist, is not "
     "enabled or you do not have permissions to access it.",
     "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/"
     "API_RestoreDBInstanceFromDBSnapshot.html"),
    ("S3: PutObject encrypted (SSE-KMS, given or the bucket's default) with a disabled key or "
     "one pending deletion",
     "KMS.DisabledException: <key ARN> is disabled. / KMS.KMSInvalidStateException: <key ARN> "
     "is pending deletion.", _PAGE),
    ("CloudWatch Logs: CreateLogGroup with a disabled key or one pending deletion",
     "AccessDeniedException: The specified KMS key does not exist or is not allowed to be used "
     "with Arn '<log group ARN>'",
     "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/"
     "API_CreateLogGroup.html"),
    ("Secrets Manager: GetSecretValue of a secret whose key is disabled or pending deletion",
     f"DecryptionFailure: {DECRYPTION}",
     "https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html"),
    ("Secrets Manager: PutSecretValue (CreateSecret, UpdateSecret with a value) with such a key",
     "EncryptionFailure: Secrets Manager can't encrypt the protected secret text using the "
     "provided KMS key. Check that the KMS key is available, enabled, and not in an invalid "
     "state. …",
     "https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_PutSecretValue.html"),
)


class SecretsKeyError(JsonRESTError):
    code = 400


def _rds(backend: RDSBackend, ref: str | None, whose: str) -> None:
    refusal = _kms_state.check(backend.account_id, backend.region_name, ref)
    if refusal is not None:
        raise RDSClientError("KMSKeyNotAccessibleFault", NOT_ACCESSIBLE.format(whose, refusal.arn))


def _patch_rds() -> None:
    restore = RDSBackend.restore_db_instance_from_db_snapshot
    copy = RDSBackend.copy_db_snapshot

    def snapshot_key(self: RDSBackend, snapshot_id: str) -> str | None:
        if snapshot_id.startswith("arn:"):
            snapshot_id = self.extract_snapshot_name_from_arn(snapshot_id)
        snapshot = self.database_snapshots.get(snapshot_id.lower())
        return getattr(snapshot, "kms_key_id", None) if snapshot else None

    def restore_with_usable_key(self: RDSBackend, from_snapshot_id: str,
                                overrides: dict[str, Any]) -> Any:
        _rds(self, snapshot_key(self, from_snapshot_id), "The specified")
        return restore(self, from_snapshot_id, overrides)

    def copy_with_usable_key(self: RDSBackend, source_db_snapshot_identifier: str,
                             *args: Any, **kwargs: Any) -> Any:
        _rds(self, snapshot_key(self, source_db_snapshot_identifier), "The source snapshot")
        return copy(self, source_db_snapshot_identifier, *args, **kwargs)

    RDSBackend.restore_db_instance_from_db_snapshot = (  # type: ignore[method-assign]
        restore_with_usable_key)
    RDSBackend.copy_db_snapshot = copy_with_usable_key  # type: ignore[method-assign]


def _patch_s3() -> None:
    put = S3Backend.put_object

    def put_with_usable_key(self: S3Backend, bucket_name: str, key_name: str, *args: Any,
                            **kwargs: Any) -> Any:
        bucket = self.get_bucket(bucket_name)
        default = (bucket.encryption or {}).get("Rule", {}).get(
            "ApplyServerSideEncryptionByDefault", {})
        encryption = kwargs.get("encryption") or default.get("SSEAlgorithm")
        key = kwargs.get("kms_key_id") or default.get("KMSMasterKeyID")
        if encryption and encryption.startswith("aws:kms"):
            refusal = _kms_state.check(self.account_id, bucket.region_name, key)
            if refusal is not None:
                raise S3ClientError(f"KMS.{refusal.code}", refusal.message)
        return put(self, bucket_name, key_name, *args, **kwargs)

    S3Backend.put_object = put_with_usable_key  # type: ignore[method-assign]


def _patch_logs() -> None:
    create = LogsBackend.create_log_group

    def create_with_usable_key(self: LogsBackend, log_group_name: str, tags: dict[str, str],
                               **kwargs: Any) -> Any:
        if _kms_state.check(self.account_id, self.region_name, kwargs.get("kmsKeyId")):
            arn = f"arn:aws:logs:{self.region_name}:{self.account_id}:log-group:{log_group_name}"
            raise JsonRESTError("AccessDeniedException", LOGS_DENIED.format(arn))
        return create(self, log_group_name, tags, **kwargs)

    LogsBackend.create_log_group = create_with_usable_key  # type: ignore[method-assign]


def _secret_key(backend: SecretsManagerBackend, secret_id: str,
                kms_key_id: str | None = None) -> _kms_state.Unusable | None:
    if kms_key_id is None and secret_id in backend.secrets:
        kms_key_id = getattr(backend.secrets[secret_id], "kms_key_id", None)
    return _kms_state.check(backend.account_id, backend.region_name, kms_key_id)


def _writes_value(kwargs: dict[str, Any]) -> bool:
    return kwargs.get("secret_string") is not None or kwargs.get("secret_binary") is not None


def _patch_secrets() -> None:
    get = SecretsManagerBackend.get_secret_value
    put = SecretsManagerBackend.put_secret_value
    create = SecretsManagerBackend.create_secret
    update = SecretsManagerBackend.update_secret

    def get_with_usable_key(self: SecretsManagerBackend, secret_id: str, *args: Any,
                            **kwargs: Any) -> Any:
        if _secret_key(self, secret_id):
            raise SecretsKeyError("DecryptionFailure", DECRYPTION)
        return get(self, secret_id, *args, **kwargs)

    def put_with_usable_key(self: SecretsManagerBackend, secret_id: str, *args: Any,
                            **kwargs: Any) -> Any:
        if _secret_key(self, secret_id):
            raise SecretsKeyError("EncryptionFailure", ENCRYPTION)
        return put(self, secret_id, *args, **kwargs)

    def create_with_usable_key(self: SecretsManagerBackend, **kwargs: Any) -> Any:
        key = kwargs.get("kms_key_id") or "alias/aws/secretsmanager"
        if _writes_value(kwargs) and _secret_key(self, kwargs["name"], key):
            raise SecretsKeyError("EncryptionFailure", ENCRYPTION)
        return create(self, **kwargs)

    def update_with_usable_key(self: SecretsManagerBackend, **kwargs: Any) -> Any:
        if _writes_value(kwargs) and _secret_key(self, kwargs["secret_id"],
                                                 kwargs.get("kms_key_id")):
            raise SecretsKeyError("EncryptionFailure", ENCRYPTION)
        return update(self, **kwargs)

    SecretsManagerBackend.get_secret_value = get_with_usable_key  # type: ignore[method-assign]
    SecretsManagerBackend.put_secret_value = put_with_usable_key  # type: ignore[method-assign]
    SecretsManagerBackend.create_secret = create_with_usable_key  # type: ignore[method-assign]
    SecretsManagerBackend.update_secret = update_with_usable_key  # type: ignore[method-assign]


def apply() -> None:
    _patch_rds()
    _patch_s3()
    _patch_logs()
    _patch_secrets()

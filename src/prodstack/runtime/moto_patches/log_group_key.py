"""Strict: CreateLogGroup with a kmsKeyId checks that CloudWatch Logs may use the key for the
group.

moto: CreateLogGroup stores any kmsKeyId, even of a key that does not exist.
AWS (CloudWatch Logs API reference, "CreateLogGroup"; user guide, "Encrypt log data in
CloudWatch Logs using AWS Key Management Service"): the key policy must let
`logs.<region>.amazonaws.com` call kms:Encrypt*, kms:Decrypt*, kms:GenerateDataKey* under the
encryption context `aws:logs:arn` = the log group's ARN, else AccessDeniedException "The
specified KMS key does not exist or is not allowed to be used with Arn '<group ARN>'". The
requests are AR-6's (prodstack.catalog.ready), decided by its evaluator. (AssociateKmsKey,
which AWS checks the same way, is not implemented by moto 5.2.5.)
"""

from __future__ import annotations

from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.logs.models import LogsBackend

from prodstack.catalog.ready.ar_6_log_group_key import ACTIONS, CONTEXT_KEY
from prodstack.runtime.moto_patches import _service_policies as sp

MOTO_VERSION = "5.2.5"
PAGE = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html"

REFUSES = (
    ("CloudWatch Logs CreateLogGroup with a kmsKeyId that does not exist or whose key policy "
     "does not let `logs.<region>.amazonaws.com` kms:Encrypt, kms:Decrypt and "
     "kms:GenerateDataKey with encryption context aws:logs:arn = the group's ARN",
     "AccessDeniedException", PAGE),
)


def group_arn(backend: LogsBackend, name: str) -> str:
    return (f"arn:{backend.partition}:logs:{backend.region_name}:{backend.account_id}:"
            f"log-group:{name}")


def check(backend: LogsBackend, name: str, key_id: str) -> None:
    arn = group_arn(backend, name)
    found = sp.key(backend.account_id, backend.region_name, key_id)
    logs = sp.service(f"logs.{backend.region_name}.amazonaws.com")
    if found is None or not all(sp.allows(sp.key_policy(found), sp.request(
            action, (found.arn,), logs, {CONTEXT_KEY: arn})) for action in ACTIONS):
        raise JsonRESTError("AccessDeniedException", "The specified KMS key does not exist or "
                            f"is not allowed to be used with Arn '{arn}'")


def apply() -> None:
    create = LogsBackend.create_log_group

    def create_log_group(self: LogsBackend, log_group_name: str, tags: dict[str, str],
                         **kwargs: Any) -> Any:
        key_id = kwargs.get("kmsKeyId")
        if key_id and log_group_name not in self.groups:
            check(self, log_group_name, key_id)
        return create(self, log_group_name, tags, **kwargs)

    LogsBackend.create_log_group = create_log_group  # type: ignore[method-assign]

"""Strict: PutDeliveryChannel checks that AWS Config can deliver to the bucket.

moto: PutDeliveryChannel assumes the bucket exists and admits Config ("We are going to assume
that the bucket has the correct policy attached to it"); the recorder's role is not read.
AWS (AWS Config API reference, "PutDeliveryChannel": InsufficientDeliveryPolicyException;
developer guide, "Permissions for the Amazon S3 Bucket", "Permissions for the IAM Role
Assigned to AWS Config", "Managing the Delivery Channel"): Config delivers to a bucket of its
own account as the recorder's role, which it assumes as `config.amazonaws.com` (the request
carries `aws:SourceAccount` and `aws:SourceArn` = `arn:aws:config:<region>:<account>:*`);
with the service-linked role AWSServiceRoleForConfig, which may not put objects, it writes as
the service principal, so the bucket policy must grant `config.amazonaws.com`. When it
creates the channel, Config reads the bucket's ACL and writes a check file under
`<prefix>/AWSLogs/<account>/Config/` with `s3:x-amz-acl = bucket-owner-full-control`; a
bucket with Object Lock and a default retention cannot take it. Each failure is
InsufficientDeliveryPolicyException with the message AWS gives ("Insufficient delivery policy
to s3 bucket: <b>, unable to assume role: <arn>." / "…, unable to get s3 bucket acl." /
"…, unable to write to bucket, provided s3 key prefix is '<p>', provided kms key is '<k>'.").
The requests are the ones AR-3 (prodstack.catalog.ready) models, decided by its evaluator.
"""

from __future__ import annotations

from typing import Any

from moto.config.models import ConfigBackend
from moto.core.exceptions import JsonRESTError

from prodstack.catalog.policies import merge
from prodstack.catalog.ready.ar_3_config_bucket import FULL_CONTROL, SLR
from prodstack.catalog.ready_queries import join_prefix
from prodstack.runtime.moto_patches import _service_policies as sp

MOTO_VERSION = "5.2.5"
GUIDE = "https://docs.aws.amazon.com/config/latest/developerguide/"
CONFIG = sp.service("config.amazonaws.com")

REFUSES = (
    ("AWS Config PutDeliveryChannel when the recorder's role does not exist or does not trust "
     "config.amazonaws.com (with aws:SourceAccount and aws:SourceArn "
     "`arn:aws:config:<region>:<account>:*`, as Config sends them)",
     "InsufficientDeliveryPolicyException", GUIDE + "iamrole-permissions.html"),
    ("PutDeliveryChannel when neither the recorder's role (same account: Config writes as the "
     "role; AWS_ConfigRole grants no s3:PutObject) nor, with the service-linked role, the "
     "bucket policy lets Config s3:GetBucketAcl and s3:PutObject under "
     "`<prefix>/AWSLogs/<account>/Config/` with bucket-owner-full-control",
     "InsufficientDeliveryPolicyException", GUIDE + "s3-bucket-policy.html"),
    ("PutDeliveryChannel to a bucket with Object Lock and a default retention",
     "InsufficientDeliveryPolicyException", GUIDE + "manage-delivery-channel.html"),
)


def refusal(bucket_name: str, why: str) -> JsonRESTError:
    return JsonRESTError("InsufficientDeliveryPolicyException",
                         f"Insufficient delivery policy to s3 bucket: {bucket_name}, {why}")


def _writer(backend: ConfigBackend, bucket_name: str) -> tuple[sp.Principal, Any]:
    """Who Config writes as, and the identity policies that go with it (None: the service
    principal, whom only the bucket policy can grant)."""
    account, region = backend.account_id, backend.region_name
    recorder = next(iter(backend.recorders.values()))
    arn = getattr(recorder, "role_arn", None) or ""
    found = sp.role(account, region, arn)
    if arn.endswith(f"/{SLR}") and found is not None:
        return CONFIG, None
    source = {"aws:SourceAccount": account,
              "aws:SourceArn": f"arn:{backend.partition}:config:{region}:{account}:*"}
    if not sp.trusts(found, CONFIG, source):
        raise refusal(bucket_name, f"unable to assume role: {arn}.")
    return ("AWS", arn), sp.identity_policies(found)  # type: ignore[arg-type]


def default_retention(found: Any) -> bool:
    return bool(found.object_lock_enabled and found.default_lock_mode and (
        found.default_lock_days or getattr(found, "default_lock_years", 0)))


def check(backend: ConfigBackend, channel: dict[str, Any]) -> None:
    if not backend.recorders:
        return  # moto answers NoAvailableConfigurationRecorderException
    account, region = backend.account_id, backend.region_name
    name, prefix = channel.get("s3BucketName"), channel.get("s3KeyPrefix")
    found = sp.bucket(account, region, name)
    if found is None:
        return
    principal, identity = _writer(backend, name)  # type: ignore[arg-type]
    policy = sp.bucket_policy(found)
    doc = policy if identity is None else merge([identity, policy])
    context: dict[str, Any] = {"aws:SecureTransport": "true"}
    if principal == CONFIG:
        context.update({"aws:SourceAccount": account, "aws:SourceArn":
                        f"arn:{backend.partition}:config:{region}:{account}:*"})
    acl = sp.request("s3:GetBucketAcl", (sp.s3_arn(region, name),), principal, context)
    if not sp.allows(doc, acl):
        raise refusal(name, "unable to get s3 bucket acl.")  # type: ignore[arg-type]
    key = join_prefix(prefix, f"AWSLogs/{account}/Config/ConfigWritabilityCheckFile")
    write = sp.request("s3:PutObject", (sp.s3_arn(region, name, key),), principal,  # type: ignore[arg-type]
                       {**context, "s3:x-amz-acl": FULL_CONTROL})
    if not sp.allows(doc, write) or default_retention(found):
        raise refusal(name, "unable to write to bucket, provided s3 key prefix is "  # type: ignore[arg-type]
                      f"'{prefix or 'null'}', provided kms key is "
                      f"'{channel.get('s3KmsKeyArn') or 'null'}'.")


def apply() -> None:
    put = ConfigBackend.put_delivery_channel

    def put_delivery_channel(self: ConfigBackend, delivery_channel: dict[str, Any]) -> None:
        check(self, delivery_channel)
        put(self, delivery_channel)

    ConfigBackend.put_delivery_channel = put_delivery_channel  # type: ignore[method-assign]

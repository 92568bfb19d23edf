"""Strict: CreateTrail and UpdateTrail check what CloudTrail will need to deliver.

moto: CreateTrail/UpdateTrail check only that the bucket exists; no bucket policy, key policy
or CloudWatch Logs role is read.
AWS (CloudTrail API reference, "CreateTrail", "UpdateTrail"; user guide pages cited in
REFUSES): before it accepts the trail, CloudTrail checks that it can deliver:
- the bucket policy lets `cloudtrail.amazonaws.com` call s3:GetBucketAcl on the bucket and
  s3:PutObject under `<prefix>/AWSLogs/<account>/` with `s3:x-amz-acl =
  bucket-owner-full-control` (the request carries `aws:SourceArn`, the trail's ARN, and
  `aws:SourceAccount`), else InsufficientS3BucketPolicyException;
- with KmsKeyId, the key policy lets CloudTrail call kms:GenerateDataKey* (encryption context
  `aws:cloudtrail:arn` = the trail) and kms:DescribeKey (no encryption context), else
  InsufficientEncryptionPolicyException;
- with a CloudWatch Logs role, CloudTrail can assume it: the trust policy is evaluated with
  principal cloudtrail.amazonaws.com and no aws:SourceArn / aws:SourceAccount (the guide: the
  role's trust "doesn't support the use of aws:SourceArn and aws:SourceAccount"), else
  InvalidCloudWatchLogsRoleArnException; and the role may logs:CreateLogStream and
  logs:PutLogEvents on the group's `<account>_CloudTrail_<region>` stream, else
  InvalidCloudWatchLogsLogGroupArnException. A role that does not exist cannot be assumed.
Requests are the ones AR-1 and AR-2 model (prodstack.catalog.ready), decided by the same
evaluator on the values the emulator holds.
"""

from __future__ import annotations

from typing import Any

from moto.cloudtrail.models import CloudTrailBackend
from moto.core.exceptions import JsonRESTError

from prodstack.catalog.ready.ar_1_trail_bucket import CLOUDTRAIL, FULL_CONTROL
from prodstack.catalog.ready.ar_2_trail_key import CONTEXT_KEY
from prodstack.catalog.ready_queries import join_prefix
from prodstack.runtime.moto_patches import _service_policies as sp

MOTO_VERSION = "5.2.5"
GUIDE = "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/"
S3_PAGE = GUIDE + "create-s3-bucket-policy-for-cloudtrail.html"
KMS_PAGE = GUIDE + "create-kms-key-policy-for-cloudtrail.html"
ROLE_PAGE = GUIDE + "cloudtrail-required-policy-for-cloudwatch-logs.html"
TRUST_DENIED = "Access denied. Check the trust relationships for your role."
PERMISSIONS_DENIED = "Access denied. Check the permissions for your role."

REFUSES = (
    ("CloudTrail CreateTrail/UpdateTrail to a bucket whose policy does not let "
     "cloudtrail.amazonaws.com s3:GetBucketAcl, and s3:PutObject under "
     "`<prefix>/AWSLogs/<account>/` with `s3:x-amz-acl = bucket-owner-full-control` (the "
     "request carries aws:SourceArn of the trail and aws:SourceAccount)",
     "InsufficientS3BucketPolicyException", S3_PAGE),
    ("a trail with KmsKeyId whose key policy does not let CloudTrail kms:GenerateDataKey* "
     "(encryption context aws:cloudtrail:arn) and kms:DescribeKey (no encryption context)",
     "InsufficientEncryptionPolicyException", KMS_PAGE),
    ("a trail whose CloudWatch Logs role does not exist or does not trust "
     "cloudtrail.amazonaws.com as CloudTrail assumes it: without aws:SourceArn or "
     "aws:SourceAccount (a trust conditioned on them refuses CloudTrail)",
     "InvalidCloudWatchLogsRoleArnException", ROLE_PAGE),
    ("a trail whose CloudWatch Logs role may not logs:CreateLogStream and logs:PutLogEvents "
     "on the group's `<account>_CloudTrail_<region>` stream",
     "InvalidCloudWatchLogsLogGroupArnException", ROLE_PAGE),
)


def _error(code: str, message: str) -> JsonRESTError:
    return JsonRESTError(code, message)


def trail_arn(backend: CloudTrailBackend, name: str) -> str:
    return (f"arn:{backend.partition}:cloudtrail:{backend.region_name}:{backend.account_id}:"
            f"trail/{name}")


def check_bucket(backend: CloudTrailBackend, name: str, bucket_name: str,
                 prefix: str | None) -> None:
    account, region = backend.account_id, backend.region_name
    found = sp.bucket(account, region, bucket_name)
    if found is None:
        return  # moto answers S3BucketDoesNotExistException
    arn = trail_arn(backend, name)
    source = {"aws:SourceArn": arn, "aws:SourceAccount": account, "aws:SecureTransport": "true"}
    key = join_prefix(prefix, f"AWSLogs/{account}/") + f"CloudTrail/{region}/log.json.gz"
    doc = sp.bucket_policy(found)
    asks = (sp.request("s3:GetBucketAcl", (sp.s3_arn(region, bucket_name),), CLOUDTRAIL,
                       source),
            sp.request("s3:PutObject", (sp.s3_arn(region, bucket_name, key),), CLOUDTRAIL,
                       {**source, "s3:x-amz-acl": FULL_CONTROL}))
    if not all(sp.allows(doc, ask) for ask in asks):
        raise _error("InsufficientS3BucketPolicyException",
                     f"Incorrect S3 bucket policy is detected for bucket: {bucket_name}")


def check_key(backend: CloudTrailBackend, name: str, bucket_name: str, key_id: str) -> None:
    found = sp.key(backend.account_id, backend.region_name, key_id)
    if found is None:
        return
    arn = trail_arn(backend, name)
    source = {"aws:SourceArn": arn, "aws:SourceAccount": backend.account_id}
    doc = sp.key_policy(found)
    asks = (sp.request("kms:GenerateDataKey", (found.arn,), CLOUDTRAIL,
                       {**source, CONTEXT_KEY: arn}),
            sp.request("kms:DescribeKey", (found.arn,), CLOUDTRAIL, source))
    if not all(sp.allows(doc, ask) for ask in asks):
        raise _error("InsufficientEncryptionPolicyException",
                     f"Insufficient permissions to access S3 bucket {bucket_name} or KMS key "
                     f"{found.arn}.")


def check_logs_role(backend: CloudTrailBackend, group_arn: str, role_arn: str) -> None:
    account, region = backend.account_id, backend.region_name
    role = sp.role(account, region, role_arn)
    if not sp.trusts(role, CLOUDTRAIL):  # CloudTrail sends no aws:Source* keys here
        raise _error("InvalidCloudWatchLogsRoleArnException", TRUST_DENIED)
    group = group_arn.removesuffix(":*")
    stream = f"{group}:log-stream:{account}_CloudTrail_{region}"
    for action in ("logs:CreateLogStream", "logs:PutLogEvents"):
        if not sp.role_may(role, action, (group, f"{group}:*", stream)):  # type: ignore[arg-type]
            raise _error("InvalidCloudWatchLogsLogGroupArnException", PERMISSIONS_DENIED)


def check(backend: CloudTrailBackend, name: str, bucket_name: str | None,
          prefix: str | None, key_id: str | None, group_arn: str | None,
          role_arn: str | None) -> None:
    if bucket_name:
        check_bucket(backend, name, bucket_name, prefix)
    if group_arn and role_arn:
        check_logs_role(backend, group_arn, role_arn)
    if key_id and bucket_name:
        check_key(backend, name, bucket_name, key_id)


def apply() -> None:
    create, update = CloudTrailBackend.create_trail, CloudTrailBackend.update_trail

    def create_trail(self: CloudTrailBackend, name: str, bucket_name: str, s3_key_prefix: str,
                     *args: Any, **kwargs: Any) -> Any:
        names = ("sns_topic_name", "is_global", "is_multi_region", "log_validation",
                 "is_org_trail", "cw_log_group_arn", "cw_role_arn", "kms_key_id")
        given = {**dict(zip(names, args, strict=False)), **kwargs}
        check(self, name, bucket_name, s3_key_prefix, given.get("kms_key_id"),
              given.get("cw_log_group_arn"), given.get("cw_role_arn"))
        return create(self, name, bucket_name, s3_key_prefix, *args, **kwargs)

    def update_trail(self: CloudTrailBackend, name: str, **kwargs: Any) -> Any:
        trail = self.get_trail(name)

        def now(attr: str, given: str) -> Any:
            value = kwargs.get(given)
            return getattr(trail, attr) if value is None else value

        check(self, trail.trail_name, now("bucket_name", "s3_bucket_name"),
              now("s3_key_prefix", "s3_key_prefix"), now("kms_key_id", "kms_key_id"),
              now("cw_log_group_arn", "cw_log_group_arn"), now("cw_role_arn", "cw_role_arn"))
        return update(self, name=name, **kwargs)

    CloudTrailBackend.create_trail = create_trail  # type: ignore[method-assign]
    CloudTrailBackend.update_trail = update_trail  # type: ignore[method-assign]

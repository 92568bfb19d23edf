"""Strict: PutBucketLogging decides the target bucket's policy with the policy evaluator.

moto: PutBucketLogging refuses a target without a grant for the logging service, but reads
the policy by string comparison: a statement whose Resource is a list, or whose Action is a
single string other than the list form, refuses a policy AWS accepts; a condition on
aws:SourceArn or aws:SourceAccount naming another bucket or account, or a Deny, is ignored, so
a policy AWS refuses is accepted; and the log-delivery group ACL counts even where ACLs are
disabled (Object Ownership BucketOwnerEnforced, the default of new buckets).
AWS (Amazon S3 API reference, "PutBucketLogging"; user guide, "Enabling Amazon S3 server
access logging", "Permissions for log delivery"): the target bucket's policy must let
`logging.s3.amazonaws.com` s3:PutObject under the target prefix (the logging service sends
aws:SourceArn, the source bucket's ARN, and aws:SourceAccount), or, where ACLs are enabled,
the log delivery group must have WRITE and READ_ACP; else InvalidTargetBucketForLogging "You
must either provide the necessary permissions to the logging service using a bucket policy or
give the log-delivery group WRITE and READ_ACP permissions to the target bucket". The request
is AR-5's (prodstack.catalog.ready), decided by its evaluator.
"""

from __future__ import annotations

from typing import Any

from moto.s3.exceptions import CrossLocationLoggingProhibited, InvalidTargetBucketForLogging
from moto.s3.models import FakeBucket, S3Backend

from prodstack.catalog.ready.ar_5_access_logs import LOGGING
from prodstack.runtime.moto_patches import _service_policies as sp

MOTO_VERSION = "5.2.5"
PAGE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html"
NO_GRANT = ("You must either provide the necessary permissions to the logging service using a "
            "bucket policy or give the log-delivery group WRITE and READ_ACP permissions to the "
            "target bucket")

REFUSES = (
    ("S3 PutBucketLogging to a target bucket whose policy does not let "
     "logging.s3.amazonaws.com s3:PutObject under the target prefix (with aws:SourceArn of the "
     "source bucket and aws:SourceAccount), unless ACLs are enabled and the log delivery group "
     "has WRITE and READ_ACP", "InvalidTargetBucketForLogging", PAGE),
)


def acls_enabled(target: FakeBucket) -> bool:
    rule = target.ownership_rule
    owner = rule.get("ObjectOwnership") if isinstance(rule, dict) else rule
    return owner not in (None, "BucketOwnerEnforced")


def may_log(source: FakeBucket, target: FakeBucket, prefix: str | None) -> bool:
    region = source.region_name
    req = sp.request("s3:PutObject",
                     (sp.s3_arn(region, target.name, f"{prefix or ''}2024-01-01-00-00-00-X"),),
                     LOGGING, {"aws:SourceArn": sp.s3_arn(region, source.name),
                               "aws:SourceAccount": source.account_id,
                               "aws:SecureTransport": "true"})
    if sp.allows(sp.bucket_policy(target), req):
        return True
    return acls_enabled(target) and FakeBucket._log_permissions_enabled_acl(target)


def set_logging(self: FakeBucket, logging_config: dict[str, Any] | None,
                bucket_backend: S3Backend) -> None:
    if not logging_config:
        self.logging = {}
        return
    target = bucket_backend.buckets.get(logging_config["TargetBucket"])
    if not target:
        raise InvalidTargetBucketForLogging("The target bucket for logging does not exist.")
    if not may_log(self, target, logging_config.get("TargetPrefix")):
        raise InvalidTargetBucketForLogging(NO_GRANT)
    if target.region_name != self.region_name:
        raise CrossLocationLoggingProhibited()
    self.logging = logging_config


def apply() -> None:
    FakeBucket.set_logging = set_logging  # type: ignore[method-assign]

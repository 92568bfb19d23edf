"""Strict: enabling a load balancer's access (or an ALB's connection) logs checks that the
log writer can write to the bucket.

moto: ModifyLoadBalancerAttributes stores `access_logs.s3.enabled = true` with any bucket,
whatever its policy and encryption.
AWS (Elastic Load Balancing API reference, "ModifyLoadBalancerAttributes"; user guide,
"Enable access logs for your Application Load Balancer"): when logs are enabled, Elastic Load
Balancing writes a test file under `<prefix>/AWSLogs/<account>/`; the bucket policy must let
the Region's Elastic Load Balancing account (Regions available before August 2022) or
`logdelivery.elasticloadbalancing.amazonaws.com` s3:PutObject there, and the bucket's default
encryption must be SSE-S3 (SSE-KMS is not supported), else InvalidConfigurationRequest
"Access Denied for bucket: <bucket>. Please check S3bucket permission". A Network Load
Balancer (user guide, "Enable access logs for your Network Load Balancer") delivers through
the log delivery service instead: the bucket policy must let `delivery.logs.amazonaws.com`
s3:GetBucketAcl on the bucket and s3:PutObject (with `bucket-owner-full-control`) under the
prefix, with the source keys that service sends; an SSE-KMS bucket needs a customer managed
key whose policy lets it kms:GenerateDataKey* (the AWS managed `aws/s3` key cannot). The
writers and the request are AR-4's (prodstack.catalog.ready), decided by its evaluator.
"""

from __future__ import annotations

from typing import Any

from moto.elbv2.exceptions import ELBClientError
from moto.elbv2.models import ELBv2Backend
from moto.utilities.utils import get_partition

from prodstack.catalog.ready.ar_4_alb_logs import LOG_DELIVERY, LOGS_DELIVERY, OUTPOSTS
from prodstack.catalog.ready_queries import ELB_ACCOUNTS, join_prefix
from prodstack.runtime.moto_patches import _service_policies as sp

MOTO_VERSION = "5.2.5"
PAGE = ("https://docs.aws.amazon.com/elasticloadbalancing/latest/application/"
        "enable-access-logging.html")
NLB_PAGE = ("https://docs.aws.amazon.com/elasticloadbalancing/latest/network/"
            "enable-access-logs.html")
BLOCKS = ("access_logs", "connection_logs")

REFUSES = (
    ("ELBv2 ModifyLoadBalancerAttributes enabling an ALB's access (or connection) logs to a "
     "bucket whose policy grants neither the Region's Elastic Load Balancing account nor "
     "logdelivery.elasticloadbalancing.amazonaws.com s3:PutObject under "
     "`<prefix>/AWSLogs/<account>/`", "InvalidConfigurationRequest", PAGE),
    ("the same, to a bucket whose default encryption is SSE-KMS (ALB logs support SSE-S3 "
     "only)", "InvalidConfigurationRequest", PAGE),
    ("a Network Load Balancer's access logs to a bucket whose policy does not let "
     "delivery.logs.amazonaws.com s3:GetBucketAcl and s3:PutObject (bucket-owner-full-control), "
     "or encrypted with a key that service may not use (or the AWS managed aws/s3 key)",
     "InvalidConfigurationRequest", NLB_PAGE),
)


def writers(region: str) -> list[sp.Principal]:
    account = ELB_ACCOUNTS.get(region)
    elb = [("AWS", f"arn:{get_partition(region)}:iam::{account}:root")] if account else []
    return [*elb, LOG_DELIVERY, OUTPOSTS]


def writable(account: str, region: str, bucket_name: str, prefix: str | None) -> bool:
    found = sp.bucket(account, region, bucket_name)
    if found is None:
        return False
    if any(a.startswith("aws:kms") for a in sp.bucket_sse(found)):
        return False
    obj = sp.s3_arn(region, bucket_name,
                    join_prefix(prefix, f"AWSLogs/{account}/ELBAccessLogTestFile"))
    doc = sp.bucket_policy(found)
    return any(sp.allows(doc, sp.request("s3:PutObject", (obj,), who,
                                         {"aws:SecureTransport": "true"}))
               for who in writers(region))


def network_writable(account: str, region: str, bucket_name: str, prefix: str | None) -> bool:
    found = sp.bucket(account, region, bucket_name)
    if found is None:
        return False
    context = {"aws:SecureTransport": "true", "aws:SourceAccount": account,
               "aws:SourceArn": f"arn:{get_partition(region)}:logs:{region}:{account}:*"}
    doc = sp.bucket_policy(found)
    obj = sp.s3_arn(region, bucket_name, join_prefix(prefix, f"AWSLogs/{account}/x"))
    if not sp.allows(doc, sp.request("s3:GetBucketAcl", (sp.s3_arn(region, bucket_name),),
                                     LOGS_DELIVERY, context)) or \
            not sp.allows(doc, sp.request("s3:PutObject", (obj,), LOGS_DELIVERY, {
                **context, "s3:x-amz-acl": "bucket-owner-full-control"})):
        return False
    if not any(a.startswith("aws:kms") for a in sp.bucket_sse(found)):
        return True
    rules = (found.encryption or {}).get("Rule") or []
    rules = rules if isinstance(rules, list) else [rules]
    key_ids = [r.get("ApplyServerSideEncryptionByDefault", {}).get("KMSMasterKeyID")
               for r in rules if isinstance(r, dict)]
    keys = [sp.key(account, region, k) for k in key_ids]
    return all(k is not None and not sp.aws_managed(k) and sp.allows(
        sp.key_policy(k), sp.request("kms:GenerateDataKey", ("*",), LOGS_DELIVERY, context))
        for k in keys) and bool(keys)


def check(backend: ELBv2Backend, arn: str, attrs: dict[str, Any]) -> None:
    balancer = backend.load_balancers.get(arn)
    kind = getattr(balancer, "type", "application")
    if balancer is None or kind not in ("application", "network"):
        return
    merged = {**balancer.attrs, **attrs}
    for block in BLOCKS:
        if str(merged.get(f"{block}.s3.enabled", "false")).lower() != "true":
            continue
        if not any(k.startswith(f"{block}.s3.") for k in attrs):
            continue  # unchanged by this request
        name = str(merged.get(f"{block}.s3.bucket") or "")
        able = network_writable if kind == "network" else writable
        if not able(backend.account_id, backend.region_name, name,
                    merged.get(f"{block}.s3.prefix")):
            raise ELBClientError("InvalidConfigurationRequest",
                                 f"Access Denied for bucket: {name}. Please check S3bucket "
                                 "permission")


def apply() -> None:
    modify = ELBv2Backend.modify_load_balancer_attributes

    def modify_load_balancer_attributes(self: ELBv2Backend, arn: str,
                                        attrs: dict[str, Any]) -> dict[str, Any]:
        check(self, arn, attrs)
        return modify(self, arn, attrs)

    ELBv2Backend.modify_load_balancer_attributes = modify_load_balancer_attributes  # type: ignore[method-assign]

"""Strict: enabling an ALB's access or connection logs checks that Elastic Load Balancing can
write to the bucket.

moto: ModifyLoadBalancerAttributes stores `access_logs.s3.enabled = true` with any bucket,
whatever its policy and encryption.
AWS (Elastic Load Balancing API reference, "ModifyLoadBalancerAttributes"; user guide,
"Enable access logs for your Application Load Balancer"): when logs are enabled, Elastic Load
Balancing writes a test file under `<prefix>/AWSLogs/<account>/`; the bucket policy must let
the Region's Elastic Load Balancing account (Regions available before August 2022) or
`logdelivery.elasticloadbalancing.amazonaws.com` s3:PutObject there, and the bucket's default
encryption must be SSE-S3 (SSE-KMS is not supported), else InvalidConfigurationRequest
"Access Denied for bucket: <bucket>. Please check S3bucket permission". The writers and the
request are AR-4's (prodstack.catalog.ready), decided by its evaluator.
"""

from __future__ import annotations

from typing import Any

from moto.elbv2.exceptions import ELBClientError
from moto.elbv2.models import ELBv2Backend
from moto.utilities.utils import get_partition

from prodstack.catalog.ready.ar_4_alb_logs import LOG_DELIVERY, OUTPOSTS
from prodstack.catalog.ready_queries import ELB_ACCOUNTS, join_prefix
from prodstack.moto_patches import _service_policies as sp

MOTO_VERSION = "5.2.5"
PAGE = ("https://docs.aws.amazon.com/elasticloadbalancing/latest/application/"
        "enable-access-logging.html")
BLOCKS = ("access_logs", "connection_logs")

REFUSES = (
    ("ELBv2 ModifyLoadBalancerAttributes enabling an ALB's access (or connection) logs to a "
     "bucket whose policy grants neither the Region's Elastic Load Balancing account nor "
     "logdelivery.elasticloadbalancing.amazonaws.com s3:PutObject under "
     "`<prefix>/AWSLogs/<account>/`", "InvalidConfigurationRequest", PAGE),
    ("the same, to a bucket whose default encryption is SSE-KMS (ALB logs support SSE-S3 "
     "only)", "InvalidConfigurationRequest", PAGE),
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


def check(backend: ELBv2Backend, arn: str, attrs: dict[str, Any]) -> None:
    balancer = backend.load_balancers.get(arn)
    if balancer is None or getattr(balancer, "type", "application") != "application":
        return
    merged = {**balancer.attrs, **attrs}
    for block in BLOCKS:
        if str(merged.get(f"{block}.s3.enabled", "false")).lower() != "true":
            continue
        if not any(k.startswith(f"{block}.s3.") for k in attrs):
            continue  # unchanged by this request
        name = str(merged.get(f"{block}.s3.bucket") or "")
        if not writable(backend.account_id, backend.region_name, name,
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

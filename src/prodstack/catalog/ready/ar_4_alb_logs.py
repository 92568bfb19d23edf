"""AR-4: ALB access (or connection) logs to a bucket that Elastic Load Balancing may not write
to, or that is encrypted with SSE-KMS."""

from __future__ import annotations

from collections.abc import Iterator

from prodstack.catalog.model import AuditInput, Cases, Entry, Hit, Made, Rule, Unseen
from prodstack.catalog.plan_queries import application_lbs
from prodstack.catalog.policies import Request, evaluate
from prodstack.catalog.policy_match import HOLE, tri_or
from prodstack.catalog.ready_fixtures import ACCOUNT, DENY_HTTP, ReadyBuilder, allow, bucket
from prodstack.catalog.ready_queries import (
    ELB_ACCOUNTS,
    account_id,
    bucket_policy,
    join_prefix,
    linked,
    partition,
    region,
    s3_arn,
    sse_algorithms,
)
from prodstack.catalog.ready_unseen import cannot_tell
from prodstack.tf.plan import Plan

LOG_DELIVERY = ("Service", "logdelivery.elasticloadbalancing.amazonaws.com")
OUTPOSTS = ("Service", "logdelivery.elb.amazonaws.com")  # load balancers on Outposts
LOG_BLOCKS = ("access_logs", "connection_logs")


def writers(plan: Plan) -> list[tuple[str, str]]:
    """Who writes the logs: the Region's ELB account (Regions before August 2022; every one
    when the Region is not known), or the log delivery service principal."""
    where = region(plan)
    accounts = [ELB_ACCOUNTS[where]] if where in ELB_ACCOUNTS else \
        list(ELB_ACCOUNTS.values()) if where == HOLE else []
    return [*(("AWS", f"arn:{partition(plan)}:iam::{a}:root") for a in accounts), LOG_DELIVERY,
            OUTPOSTS]


def rule(inp: AuditInput) -> Iterator[Hit | Unseen]:
    plan = inp.plan
    for lb in application_lbs(plan):
        for block in LOG_BLOCKS:
            if lb.get(block, "enabled") is not True:
                continue
            for target in linked(plan, lb, (block, "bucket"), "aws_s3_bucket"):
                name = target.get("bucket") if isinstance(target.get("bucket"), str) \
                    else target.address
                key = join_prefix(lb.get(block, "prefix"), f"AWSLogs/{account_id(plan)}/")
                doc = bucket_policy(plan, target)
                # Enabling logs writes a test file there first; the logs go below it.
                obj = s3_arn(plan, target, f"{key}ELBAccessLogTestFile")
                allowed = tri_or(*(evaluate(doc, Request(
                    "s3:PutObject", (obj,), who, {"aws:SecureTransport": "true"}))
                    for who in writers(plan)))
                problems = []
                if allowed is None:
                    yield cannot_tell(lb.address, f"the policy of bucket {name} lets Elastic "
                                      f"Load Balancing write its {block}", doc, obj)
                if allowed is False:
                    problems.append(f"the policy of bucket {name} grants neither the Region's "
                                    "Elastic Load Balancing account nor "
                                    "logdelivery.elasticloadbalancing.amazonaws.com "
                                    f"s3:PutObject on {key.replace(HOLE, '…')}*")
                if any(isinstance(a, str) and a.startswith("aws:kms")
                       for a in sse_algorithms(plan, target)):
                    problems.append(f"bucket {name} is encrypted with SSE-KMS by default, and "
                                    "load balancer logs only support SSE-S3 (AES256)")
                if problems:
                    yield Hit(lb.address, f"{block}: " + "; ".join(problems) + ": setting the "
                              "load balancer's attributes fails with InvalidConfigurationRequest "
                              f"\"Access Denied for bucket: {name}. Please check S3bucket "
                              "permission\"")


cases = Cases()
LOGS = "arn:aws:s3:::acme-lb-logs"


def _stack(*statements: dict[str, object], sse: str = "AES256", region: str = "us-east-1",
           enabled: bool = True) -> ReadyBuilder:
    """A log bucket module and an ALB at the root logging under `alb/`."""
    b = ReadyBuilder(region=region)
    b.data("data.aws_elb_service_account.main", {
        "arn": "arn:aws:iam::127311923021:root", "id": "127311923021", "region": None})
    bucket(b, "module.logs.aws_s3_bucket.this[0]", "acme-lb-logs", *statements, sse=sse)
    b.module("module.logs", outputs={"bucket_id": ["aws_s3_bucket.this[0].id",
                                                   "aws_s3_bucket.this"]})
    b.add("aws_lb.web", {"name": "web", "load_balancer_type": "application", "internal": False,
                         "access_logs": [{"prefix": "alb", "enabled": enabled}]},
          refs={"access_logs.bucket": ["module.logs.bucket_id", "module.logs"]},
          unknown={"arn": True, "access_logs": [{"bucket": True}]})
    return b


ELB_ACCOUNT = allow({"AWS": "arn:aws:iam::127311923021:root"}, "s3:PutObject",
                    f"{LOGS}/alb/AWSLogs/{ACCOUNT}/*", sid="ELBRegionUsEast1")
DELIVERY = allow({"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}, "s3:PutObject",
                 f"{LOGS}/alb/AWSLogs/{ACCOUNT}/*")


@cases.fires("aws_lb.web")
def bucket_policy_written_for_network_load_balancers() -> Made:
    """delivery.logs.amazonaws.com is the principal of NLB log delivery, not ALB's
    (terraform-aws-modules/terraform-aws-s3-bucket#98: attach_lb_log_delivery_policy alone)."""
    nlb = allow({"Service": "delivery.logs.amazonaws.com"}, "s3:PutObject", f"{LOGS}/*",
                {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}})
    return _stack(DENY_HTTP, nlb), None


@cases.fires("aws_lb.web")
def elb_account_of_another_region() -> Made:
    """The policy names us-east-1's ELB account; the load balancer is in eu-west-1."""
    return _stack(ELB_ACCOUNT, region="eu-west-1"), None


@cases.fires("aws_lb.web")
def bucket_encrypted_with_sse_kms() -> Made:
    return _stack(ELB_ACCOUNT, DELIVERY, sse="aws:kms"), None


@cases.passes
def elb_account_and_log_delivery_principal() -> Made:
    """terraform-aws-modules/s3-bucket's ELB statements (both principals, bucket/*)."""
    return _stack(DENY_HTTP, {**ELB_ACCOUNT, "Resource": f"{LOGS}/*"},
                  {**DELIVERY, "Resource": f"{LOGS}/*"}), None


@cases.passes
def elb_account_by_account_id() -> Made:
    return _stack({**ELB_ACCOUNT, "Principal": {"AWS": "127311923021"}}), None


@cases.passes
def access_logs_disabled() -> Made:
    return _stack(sse="aws:kms", enabled=False), None


ENTRY = Entry(
    id="AR-4", title="ALB log bucket refuses Elastic Load Balancing", severity="high",
    failure="creating or modifying the load balancer fails with \"Access Denied for bucket\": "
            "the bucket policy must grant the Region's Elastic Load Balancing account (or, in "
            "Regions opened since August 2022, logdelivery.elasticloadbalancing.amazonaws.com) "
            "s3:PutObject under <prefix>/AWSLogs/<account>/, and the bucket's default "
            "encryption must be SSE-S3 (SSE-KMS is not supported)",
    fix="grant data.aws_elb_service_account's ARN and the logdelivery principal s3:PutObject "
        "on the prefix, and encrypt the log bucket with AES256",
    aws_docs="https://docs.aws.amazon.com/elasticloadbalancing/latest/application/"
             "enable-access-logging.html",
    rule=Rule(types=("aws_lb", "aws_alb", "aws_s3_bucket", "aws_s3_bucket_policy",
                     "aws_s3_bucket_server_side_encryption_configuration"), check=rule,
              cases=cases.plan),
)

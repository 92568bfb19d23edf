"""AR-4: load balancer access (or connection) logs to a bucket that Elastic Load Balancing may
not write to: an ALB's bucket encrypted with SSE-KMS or not granting the Region's ELB account
or log delivery principal; an NLB's bucket not granting delivery.logs.amazonaws.com, or
encrypted with a key it may not use."""

from __future__ import annotations

from collections.abc import Generator, Iterator

from prodstack.catalog.model import AuditInput, Cases, Entry, Hit, Made, Rule, Unseen
from prodstack.catalog.plan_queries import LB_TYPES
from prodstack.catalog.policies import Request, evaluate
from prodstack.catalog.policy_match import HOLE, tri_or
from prodstack.catalog.ready_fixtures import (
    ACCOUNT,
    DENY_HTTP,
    ReadyBuilder,
    allow,
    bucket,
    key,
)
from prodstack.catalog.ready_queries import (
    ELB_ACCOUNTS,
    account_id,
    bucket_policy,
    join_prefix,
    key_policy,
    linked,
    partition,
    region,
    s3_arn,
    sse_algorithms,
    sse_settings,
)
from prodstack.catalog.unseen import cannot_tell
from prodstack.tf.plan import Plan, Resource, Unknown

LOG_DELIVERY = ("Service", "logdelivery.elasticloadbalancing.amazonaws.com")
OUTPOSTS = ("Service", "logdelivery.elb.amazonaws.com")  # load balancers on Outposts
LOGS_DELIVERY = ("Service", "delivery.logs.amazonaws.com")  # Network Load Balancers
LOG_BLOCKS = ("access_logs", "connection_logs")
REFUSED = ("setting the load balancer's attributes fails with InvalidConfigurationRequest "
           "(\"Access Denied for bucket: ")


def writers(plan: Plan) -> list[tuple[str, str]]:
    """Who writes the logs: the Region's ELB account (Regions before August 2022; every one
    when the Region is not known), or the log delivery service principal."""
    where = region(plan)
    accounts = [ELB_ACCOUNTS[where]] if where in ELB_ACCOUNTS else \
        list(ELB_ACCOUNTS.values()) if where == HOLE else []
    return [*(("AWS", f"arn:{partition(plan)}:iam::{a}:root") for a in accounts), LOG_DELIVERY,
            OUTPOSTS]


def _alb(plan: Plan, lb: Resource, block: str, target: Resource, name: str,
         key: str) -> Iterator[Hit | Unseen]:
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
                        "Application Load Balancer logs only support SSE-S3 (AES256)")
    if problems:
        yield Hit(lb.address, f"{block}: " + "; ".join(problems) + f": {REFUSED}{name}. "
                  "Please check S3bucket permission\"")


def _nlb(plan: Plan, lb: Resource, target: Resource, name: str,
         key: str) -> Iterator[Hit | Unseen]:
    """Network Load Balancers deliver through the log delivery service (AWS's NLB guide)."""
    doc = bucket_policy(plan, target)
    source = {"aws:SourceAccount": account_id(plan), "aws:SecureTransport": "true",
              "aws:SourceArn": f"arn:{partition(plan)}:logs:{region(plan)}:"
                               f"{account_id(plan)}:{HOLE}"}
    asks = {"s3:GetBucketAcl on the bucket": Request(
                "s3:GetBucketAcl", (s3_arn(plan, target),), LOGS_DELIVERY, source,
                absent=("s3:x-amz-acl",)),
            f"s3:PutObject on {key.replace(HOLE, '…')}*": Request(
                "s3:PutObject", (s3_arn(plan, target, f"{key}ELBAccessLogTestFile"),),
                LOGS_DELIVERY, {**source, "s3:x-amz-acl": "bucket-owner-full-control"})}
    verdicts = {what: evaluate(doc, req) for what, req in asks.items()}
    refused = [what for what, v in verdicts.items() if v is False]
    undecided = [what for what, v in verdicts.items() if v is None]
    if undecided and not refused:
        yield cannot_tell(lb.address, f"the policy of bucket {name} lets "
                          f"delivery.logs.amazonaws.com do {' and '.join(undecided)}", doc)
    problems = [f"the policy of bucket {name} does not let delivery.logs.amazonaws.com do "
                f"{' and '.join(refused)}"] if refused else []
    for algorithm, kms_key, used_keys in sse_settings(plan, target):
        if isinstance(algorithm, Unknown) or (
                algorithm == "aws:kms" and isinstance(kms_key, Unknown) and not used_keys):
            yield Unseen(lb.address, f"cannot tell which key encrypts bucket {name}: its "
                         "default encryption is only known after apply")
        if not (isinstance(algorithm, str) and algorithm.startswith("aws:kms")):
            continue
        if not used_keys and (kms_key in (None, "") or (
                isinstance(kms_key, str) and kms_key.endswith("alias/aws/s3"))):
            problems.append(f"bucket {name} is encrypted with the AWS managed key aws/s3, "
                            "which log delivery may not use")
        problems += yield from _key_problems(plan, lb, used_keys)
    if problems:
        yield Hit(lb.address, "access_logs: " + "; ".join(problems) + f": {REFUSED}{name}\"")


def _key_problems(plan: Plan, lb: Resource, used_keys: list[Resource]
                  ) -> Generator[Unseen, None, list[str]]:
    """What the bucket's customer managed keys refuse log delivery (unseen: cannot tell)."""
    problems: list[str] = []
    for used in used_keys:
        verdict = evaluate(key_policy(plan, used), Request(
            "kms:GenerateDataKey", (f"arn:{partition(plan)}:kms:*:*:key/*",), LOGS_DELIVERY))
        if verdict is False:
            problems.append(f"the policy of {used.address}, the bucket's key, does not let "
                            "delivery.logs.amazonaws.com call kms:GenerateDataKey*")
        elif verdict is None:
            yield cannot_tell(lb.address, f"the policy of {used.address} lets "
                              "delivery.logs.amazonaws.com call kms:GenerateDataKey*",
                              key_policy(plan, used))
    return problems


def rule(inp: AuditInput) -> Iterator[Hit | Unseen]:
    plan = inp.plan
    for lb in plan.of(*LB_TYPES):
        kind = lb.get("load_balancer_type")
        if kind not in ("application", "network", None):
            continue
        for block in LOG_BLOCKS if kind != "network" else ("access_logs",):
            if lb.get(block, "enabled") is not True:
                continue
            for target in linked(plan, lb, (block, "bucket"), "aws_s3_bucket"):
                name = target.get("bucket") if isinstance(target.get("bucket"), str) \
                    else target.address
                key = join_prefix(lb.get(block, "prefix"), f"AWSLogs/{account_id(plan)}/")
                if kind == "network":
                    yield from _nlb(plan, lb, target, name, key)
                else:
                    yield from _alb(plan, lb, block, target, name, key)


cases = Cases()
LOGS = "arn:aws:s3:::acme-lb-logs"


def _stack(*statements: dict[str, object], sse: str = "AES256", region: str = "us-east-1",
           enabled: bool = True, kind: str = "application",
           cmk: tuple[dict[str, object] | None, ...] | None = None) -> ReadyBuilder:
    """A log bucket module and a load balancer at the root logging under `alb/` (`cmk`: the
    bucket's default encryption uses a customer managed key with these statements)."""
    b = ReadyBuilder(region=region)
    b.data("data.aws_elb_service_account.main", {
        "arn": "arn:aws:iam::127311923021:root", "id": "127311923021", "region": None})
    bucket(b, "module.logs.aws_s3_bucket.this[0]", "acme-lb-logs", *statements, sse=sse)
    b.module("module.logs", outputs={"bucket_id": ["aws_s3_bucket.this[0].id",
                                                   "aws_s3_bucket.this"]})
    if cmk is not None:
        key(b, "aws_kms_key.logs", *cmk)
        b.module("module.logs", inputs={"kms_key_arn": ["aws_kms_key.logs.arn",
                                                         "aws_kms_key.logs"]})
        sse_type = "aws_s3_bucket_server_side_encryption_configuration"
        [change] = [c for c in b.changes if c["type"] == sse_type]
        change["change"]["after_unknown"]["rule"] = [
            {"apply_server_side_encryption_by_default": [{"kms_master_key_id": True}]}]
        [config] = [r for r in b.config["module_calls"]["logs"]["module"]["resources"]
                    if r["type"] == sse_type]
        config["expressions"]["rule"][0]["apply_server_side_encryption_by_default"][0][
            "kms_master_key_id"] = {"references": ["var.kms_key_arn"]}
    b.add("aws_lb.web", {"name": "web", "load_balancer_type": kind, "internal": False,
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


NLB_CHECK = allow({"Service": "delivery.logs.amazonaws.com"}, "s3:GetBucketAcl", LOGS,
                  {"StringEquals": {"aws:SourceAccount": ACCOUNT}}, sid="AWSLogDeliveryAclCheck")
NLB_WRITE = allow({"Service": "delivery.logs.amazonaws.com"}, "s3:PutObject",
                  f"{LOGS}/alb/AWSLogs/{ACCOUNT}/*",
                  {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control",
                                    "aws:SourceAccount": ACCOUNT}}, sid="AWSLogDeliveryWrite")
KEY_FOR_DELIVERY = allow({"Service": "delivery.logs.amazonaws.com"},
                         ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*",
                          "kms:GenerateDataKey*", "kms:DescribeKey"])


@cases.fires("aws_lb.web")
def network_load_balancer_with_the_alb_statements() -> Made:
    """aws/aws-cdk#8113: the ELB account's grant does not let an NLB deliver."""
    return _stack(ELB_ACCOUNT, DELIVERY, kind="network"), None


@cases.fires("aws_lb.web")
def network_load_balancer_logs_under_the_aws_managed_key() -> Made:
    return _stack(NLB_CHECK, NLB_WRITE, kind="network", sse="aws:kms"), None


@cases.fires("aws_lb.web")
def network_load_balancer_bucket_key_without_log_delivery() -> Made:
    return _stack(NLB_CHECK, NLB_WRITE, kind="network", sse="aws:kms", cmk=(None,)), None


@cases.passes
def network_load_balancer_with_the_documented_policy() -> Made:
    """AWS's NLB guide: AWSLogDeliveryAclCheck and AWSLogDeliveryWrite."""
    return _stack(DENY_HTTP, NLB_CHECK, NLB_WRITE, kind="network"), None


@cases.passes
def network_load_balancer_bucket_key_for_log_delivery() -> Made:
    return _stack(NLB_CHECK, NLB_WRITE, kind="network", sse="aws:kms",
                  cmk=(KEY_FOR_DELIVERY,)), None


ENTRY = Entry(
    id="AR-4", title="Load balancer log bucket refuses Elastic Load Balancing",
    severity="high",
    failure="creating or modifying the load balancer fails with \"Access Denied for bucket\": "
            "for an ALB the bucket policy must grant the Region's Elastic Load Balancing "
            "account (or, in Regions opened since August 2022, "
            "logdelivery.elasticloadbalancing.amazonaws.com) s3:PutObject under "
            "<prefix>/AWSLogs/<account>/, and the bucket's default encryption must be SSE-S3; "
            "for an NLB it must grant delivery.logs.amazonaws.com s3:GetBucketAcl and "
            "s3:PutObject (bucket-owner-full-control), and an SSE-KMS bucket needs a customer "
            "managed key that service may use",
    fix="ALB: grant data.aws_elb_service_account's ARN and the logdelivery principal "
        "s3:PutObject on the prefix, and encrypt the log bucket with AES256; NLB: AWS's "
        "AWSLogDeliveryAclCheck and AWSLogDeliveryWrite statements (and a key policy for "
        "delivery.logs.amazonaws.com)",
    aws_docs="https://docs.aws.amazon.com/elasticloadbalancing/latest/application/"
             "enable-access-logging.html",
    rule=Rule(types=("aws_lb", "aws_alb", "aws_s3_bucket", "aws_s3_bucket_policy",
                     "aws_s3_bucket_server_side_encryption_configuration", "aws_kms_key"),
              check=rule,
              cases=cases.plan),
)

"""AR-3: an AWS Config delivery channel to a bucket with Object Lock, or to a bucket the
recorder's role (or, with the service-linked role, the bucket policy) does not let Config
write to."""

from __future__ import annotations

from collections.abc import Iterator

from prodstack.catalog.model import AuditInput, Cases, Entry, Hit, Made, Rule, Unseen
from prodstack.catalog.policies import Document, Request, evaluate, merge
from prodstack.catalog.ready_fixtures import ACCOUNT, ReadyBuilder, allow, bucket, policy
from prodstack.catalog.ready_queries import (
    account_id,
    bucket_policy,
    join_prefix,
    linked,
    role_arn,
    role_permissions,
    s3_arn,
)
from prodstack.catalog.unseen import cannot_tell
from prodstack.tf.plan import UNKNOWN, Plan, Resource, Unknown

SLR = "AWSServiceRoleForConfig"
FULL_CONTROL = "bucket-owner-full-control"


def object_lock(plan: Plan, target: Resource) -> bool:
    """Object Lock certainly on (written true, or a lock configuration for the bucket)."""
    return (target.effective("object_lock_enabled", False) is True
            or target.get("object_lock_configuration", "object_lock_enabled") == "Enabled"
            or bool(plan.referrers(target, "aws_s3_bucket_object_lock_configuration",
                                   "bucket")))


def _writer(plan: Plan) -> tuple[tuple[str, str], Document | Unknown] | None:
    """The principal Config writes as, and its identity policies: the recorder's custom role,
    or the service principal (with the service-linked role: the bucket policy alone)."""
    service = ("Service", "config.amazonaws.com")
    for recorder in plan.of("aws_config_configuration_recorder"):
        arn = recorder.get("role_arn")
        if (isinstance(arn, str) and arn.endswith(f"/{SLR}")) or plan.linked(
                recorder, ("role_arn",), "aws_iam_service_linked_role"):
            return service, UNKNOWN
        for role in linked(plan, recorder, ("role_arn",), "aws_iam_role"):
            return ("AWS", role_arn(plan, role)), role_permissions(plan, role)
    return None


def rule(inp: AuditInput) -> Iterator[Hit | Unseen]:
    plan = inp.plan
    for channel in plan.of("aws_config_delivery_channel"):
        writer = _writer(plan)
        for target in linked(plan, channel, ("s3_bucket_name",), "aws_s3_bucket"):
            name = target.get("bucket") if isinstance(target.get("bucket"), str) \
                else target.address
            problems = []
            if object_lock(plan, target):
                problems.append(f"bucket {name} has Object Lock, and AWS Config does not "
                                "support a delivery channel to a bucket with Object Lock")
            if writer is not None:
                refused, undecided = _refused(plan, channel, target, name, *writer)
                problems += refused
                if undecided and not problems:
                    yield undecided
            if problems:
                yield Hit(channel.address, "; ".join(problems) + ": PutDeliveryChannel fails "
                          "(InsufficientDeliveryPolicyException) or nothing is delivered")


def _refused(plan: Plan, channel: Resource, target: Resource, name: str,
             principal: tuple[str, str], identity: Document | Unknown
             ) -> tuple[list[str], Unseen | None]:
    """What the bucket refuses Config's writer, and what the plan cannot tell."""
    acct = account_id(plan)
    service = principal[0] == "Service"
    doc = bucket_policy(plan, target) if service else merge([identity,
                                                             bucket_policy(plan, target)])
    key = join_prefix(channel.get("s3_key_prefix"), f"AWSLogs/{acct}/Config/")
    context = {"aws:SecureTransport": "true", **({"aws:SourceAccount": acct} if service else {})}
    asks = {
        f"s3:PutObject on {key}*": Request(
            "s3:PutObject", (s3_arn(plan, target, key + "ConfigWritabilityCheckFile"),),
            principal, {**context, "s3:x-amz-acl": FULL_CONTROL}),
        "s3:GetBucketAcl": Request("s3:GetBucketAcl", (s3_arn(plan, target),), principal,
                                   context, absent=("s3:x-amz-acl",)),
    }
    refused = " and ".join(what for what, req in asks.items() if evaluate(doc, req) is False)
    undecided = " and ".join(what for what, req in asks.items() if evaluate(doc, req) is None)
    unseen = cannot_tell(channel.address, f"{principal[1]} may call {undecided} on bucket "
                         f"{name}", doc, *asks.values()) if undecided else None
    if not refused:
        return [], unseen
    if service:
        return [f"the policy of bucket {name} does not let config.amazonaws.com call "
                f"{refused}"], unseen
    return [f"the recorder's role {principal[1]} may not call {refused} on bucket {name} "
            "(Config writes to a bucket of its own account as that role, not as "
            "config.amazonaws.com; AWS_ConfigRole grants no s3:PutObject)"], unseen


cases = Cases()
AUDIT = "arn:aws:s3:::acme-audit"
CONFIG_ROLE = "arn:aws:iam::aws:policy/service-role/AWS_ConfigRole"


def _stack(*statements: dict[str, object], lock: bool = False, role_policy: str | None = None,
           slr: bool = False) -> ReadyBuilder:
    """Config with a recorder role (AWS_ConfigRole, and `role_policy` inline) delivering to
    the audit bucket under `config/`."""
    b = ReadyBuilder()
    bucket(b, "aws_s3_bucket.audit", "acme-audit", *statements,
           **({"object_lock_enabled": True} if lock else {}))
    if lock:
        b.add("aws_s3_bucket_object_lock_configuration.audit",
              {"rule": [{"default_retention": [{"mode": "GOVERNANCE", "days": 365}]}]},
              refs={"bucket": ["aws_s3_bucket.audit.id", "aws_s3_bucket.audit"]},
              unknown={"bucket": True})
    if slr:
        b.add("aws_config_configuration_recorder.main", {
            "name": "default",
            "role_arn": f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/"
                        f"config.amazonaws.com/{SLR}"})
    else:
        b.add("module.config.aws_iam_role.config", {
            "name": "config-recorder", "path": "/",
            "assume_role_policy": policy(allow({"Service": "config.amazonaws.com"},
                                               "sts:AssumeRole"))},
            unknown={"arn": True, "id": True})
        b.add("module.config.aws_iam_role_policy_attachment.managed",
              {"policy_arn": CONFIG_ROLE},
              refs={"role": ["aws_iam_role.config.name", "aws_iam_role.config"]},
              unknown={"role": True})
        if role_policy is not None:
            b.add("module.config.aws_iam_role_policy.delivery",
                  {"name": "delivery", "policy": role_policy},
                  refs={"role": ["aws_iam_role.config.id", "aws_iam_role.config"]},
                  unknown={"role": True})
        b.add("module.config.aws_config_configuration_recorder.main", {"name": "default"},
              refs={"role_arn": ["aws_iam_role.config.arn", "aws_iam_role.config"]},
              unknown={"role_arn": True})
    b.add("aws_config_delivery_channel.main", {"name": "default", "s3_key_prefix": "config"},
          refs={"s3_bucket_name": ["aws_s3_bucket.audit.id", "aws_s3_bucket.audit"]},
          unknown={"s3_bucket_name": True})
    return b


BUCKET_FOR_SERVICE = [
    allow({"Service": "config.amazonaws.com"}, ["s3:GetBucketAcl", "s3:ListBucket"], AUDIT,
          {"StringEquals": {"aws:SourceAccount": ACCOUNT}}, sid="AWSConfigBucketPermissionsCheck"),
    allow({"Service": "config.amazonaws.com"}, "s3:PutObject",
          f"{AUDIT}/config/AWSLogs/{ACCOUNT}/Config/*",
          {"StringEquals": {"s3:x-amz-acl": FULL_CONTROL, "aws:SourceAccount": ACCOUNT}},
          sid="AWSConfigBucketDelivery"),
]
ROLE_WRITES = policy(
    allow(None, ["s3:PutObject", "s3:PutObjectAcl"], f"{AUDIT}/config/AWSLogs/{ACCOUNT}/*",
          {"StringLike": {"s3:x-amz-acl": FULL_CONTROL}}),
    allow(None, "s3:GetBucketAcl", AUDIT))


@cases.fires("aws_config_delivery_channel.main")
def object_lock_bucket_and_managed_role_only() -> Made:
    """prodstack's shape: the Object Lock audit bucket, a role with AWS_ConfigRole alone
    (the bucket policy's grants to config.amazonaws.com do not reach the role)."""
    return _stack(*BUCKET_FOR_SERVICE, lock=True), None


@cases.fires("aws_config_delivery_channel.main")
def role_writes_outside_the_channels_prefix() -> Made:
    wrong = policy(allow(None, "s3:PutObject", f"{AUDIT}/AWSLogs/{ACCOUNT}/*"),
                   allow(None, "s3:GetBucketAcl", AUDIT))
    return _stack(role_policy=wrong), None


@cases.fires("aws_config_delivery_channel.main")
def service_linked_role_and_no_bucket_grant() -> Made:
    return _stack(slr=True), None


@cases.passes
def role_with_documented_delivery_policy() -> Made:
    return _stack(role_policy=ROLE_WRITES), None


@cases.passes
def service_linked_role_with_documented_bucket_policy() -> Made:
    return _stack(*BUCKET_FOR_SERVICE, slr=True), None


ENTRY = Entry(
    id="AR-3", title="AWS Config cannot deliver to its bucket", severity="high",
    failure="PutDeliveryChannel fails with InsufficientDeliveryPolicyException, or Config "
            "delivers nothing: Config does not support a delivery channel to a bucket with "
            "Object Lock (AWS::Config::DeliveryChannel, PutDeliveryChannel), and writes to "
            "a bucket of its own account with the recorder's role, whose policies must allow "
            "s3:PutObject under <prefix>/AWSLogs/<account>/Config/ and s3:GetBucketAcl "
            "(AWS_ConfigRole has no s3:PutObject); with the service-linked role, the bucket "
            "policy must grant config.amazonaws.com",
    fix="a bucket without Object Lock for Config, and an inline policy on the recorder's role "
        "as AWS documents it (or the service-linked role AWSServiceRoleForConfig and the "
        "documented bucket policy)",
    aws_docs="https://docs.aws.amazon.com/config/latest/developerguide/iamrole-permissions.html",
    rule=Rule(types=("aws_config_delivery_channel", "aws_config_configuration_recorder",
                     "aws_iam_role", "aws_iam_role_policy", "aws_iam_role_policy_attachment",
                     "aws_s3_bucket", "aws_s3_bucket_policy"), check=rule, cases=cases.plan),
)

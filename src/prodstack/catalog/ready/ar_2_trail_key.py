"""AR-2: a trail encrypted with a KMS key whose policy does not let CloudTrail generate data
keys or describe the key (DescribeKey carries no encryption context, so a condition on
`kms:EncryptionContext:*` refuses it)."""

from __future__ import annotations

from collections.abc import Iterator

from prodstack.catalog.model import AuditInput, Cases, Entry, Hit, Made, Rule, Unseen
from prodstack.catalog.policies import Request, evaluate
from prodstack.catalog.policy_match import HOLE
from prodstack.catalog.ready.ar_1_trail_bucket import trail_arn
from prodstack.catalog.ready_fixtures import ACCOUNT, ReadyBuilder, allow, key
from prodstack.catalog.ready_queries import (
    account_id,
    key_policy,
    keys,
    partition,
    region,
    verdicts,
)
from prodstack.catalog.unseen import cannot_tell
from prodstack.tf.plan import Plan, Resource

CLOUDTRAIL = ("Service", "cloudtrail.amazonaws.com")
CONTEXT_KEY = "kms:EncryptionContext:aws:cloudtrail:arn"
NO_CONTEXT = ("kms:EncryptionContext:*", "kms:EncryptionContextKeys")


def requests(plan: Plan, trail: Resource) -> dict[str, Request]:
    arn = trail_arn(plan, trail)
    source = {"aws:SourceArn": arn, "aws:SourceAccount": account_id(plan)}
    key_arn = f"arn:{partition(plan)}:kms:{region(plan)}:{account_id(plan)}:key/{HOLE}"
    return {
        "kms:GenerateDataKey*": Request("kms:GenerateDataKey", (key_arn,), CLOUDTRAIL,
                                        {**source, CONTEXT_KEY: arn}),
        "kms:DescribeKey": Request("kms:DescribeKey", (key_arn,), CLOUDTRAIL, source,
                                   absent=NO_CONTEXT),
    }


def rule(inp: AuditInput) -> Iterator[Hit | Unseen]:
    plan = inp.plan
    for trail in plan.of("aws_cloudtrail"):
        asks = requests(plan, trail)
        for found in keys(plan, trail, "kms_key_id"):
            doc = key_policy(plan, found)
            refused, undecided = verdicts(doc, asks)
            if undecided and not refused:
                yield cannot_tell(trail.address, f"the policy of {found.address} lets "
                                  f"cloudtrail.amazonaws.com call {' and '.join(undecided)}",
                                  doc, *asks.values())
            if not refused:
                continue
            why = ""
            describe = asks["kms:DescribeKey"]
            with_context = Request(describe.action, describe.resources, describe.principal,
                                   {**describe.context,
                                    CONTEXT_KEY: asks["kms:GenerateDataKey*"].context[
                                        CONTEXT_KEY]})
            if "kms:DescribeKey" in refused and evaluate(doc, with_context) is not False:
                why = (" (DescribeKey is allowed only under a kms:EncryptionContext "
                       "condition, and a DescribeKey request carries no encryption context)")
            yield Hit(trail.address, f"the policy of {found.address} does not let "
                      f"cloudtrail.amazonaws.com call {' and '.join(refused)}{why}: CreateTrail "
                      "fails with InsufficientEncryptionPolicyException")


cases = Cases()
TRAILS = f"arn:aws:cloudtrail:*:{ACCOUNT}:trail/*"
ENCRYPT = allow({"Service": "cloudtrail.amazonaws.com"}, "kms:GenerateDataKey*", "*",
                {"StringLike": {CONTEXT_KEY: TRAILS}}, sid="AllowCloudTrailToEncryptLogs")
DESCRIBE = allow({"Service": "cloudtrail.amazonaws.com"}, "kms:DescribeKey", "*",
                 sid="AllowCloudTrailToDescribeKey")


def _stack(*statements: dict[str, object] | None, unknown_policy: bool = False,
           default_policy: bool = False, alias: bool = True) -> ReadyBuilder:
    """A keys module with the logs key (and an alias); the trail names the alias."""
    b = ReadyBuilder()
    key(b, "module.keys.aws_kms_key.logs", *statements, unknown_policy=unknown_policy,
        default_policy=default_policy)
    target = ["aws_kms_key.logs.arn", "aws_kms_key.logs"]
    if alias:
        b.add("module.keys.aws_kms_alias.logs", {"name": "alias/logs"},
              refs={"target_key_id": ["aws_kms_key.logs.key_id", "aws_kms_key.logs"]},
              unknown={"target_key_id": True, "arn": True})
        target = ["aws_kms_alias.logs.arn", "aws_kms_alias.logs"]
    b.module("module.keys", outputs={"logs_key_arn": target})
    b.add("aws_cloudtrail.main", {"name": "main", "s3_bucket_name": "acme-trail"},
          refs={"kms_key_id": ["module.keys.logs_key_arn", "module.keys"]},
          unknown={"kms_key_id": True, "arn": True})
    return b


@cases.fires("aws_cloudtrail.main")
def describe_key_under_the_encryption_context_condition() -> Made:
    """One statement for both actions, conditioned on the trail's encryption context."""
    both = allow({"Service": "cloudtrail.amazonaws.com"},
                 ["kms:GenerateDataKey*", "kms:DescribeKey"], "*",
                 {"StringLike": {CONTEXT_KEY: TRAILS}})
    return _stack(both), None


@cases.fires("aws_cloudtrail.main")
def key_with_only_the_default_policy() -> Made:
    """No statement for CloudTrail: the default key policy delegates to IAM, which does not
    reach a service principal."""
    return _stack(default_policy=True, alias=False), None


@cases.passes
def documented_statements() -> Made:
    return _stack(ENCRYPT, DESCRIBE), None


@cases.cannot_see("aws_cloudtrail.main")
def policy_known_only_after_apply() -> Made:
    return _stack(unknown_policy=True), None


ENTRY = Entry(
    id="AR-2", title="Trail key policy refuses CloudTrail", severity="high",
    failure="CreateTrail fails with InsufficientEncryptionPolicyException: the key policy "
            "must let cloudtrail.amazonaws.com call kms:GenerateDataKey* (under the trail's "
            "encryption context) and kms:DescribeKey, which carries no encryption context",
    fix="two statements as AWS documents them: GenerateDataKey* conditioned on "
        "kms:EncryptionContext:aws:cloudtrail:arn, DescribeKey without that condition (both "
        "with aws:SourceArn of the trail)",
    aws_docs="https://docs.aws.amazon.com/awscloudtrail/latest/userguide/"
             "create-kms-key-policy-for-cloudtrail.html",
    rule=Rule(types=("aws_cloudtrail", "aws_kms_key", "aws_kms_alias", "aws_kms_key_policy"),
              check=rule, cases=cases.plan),
)

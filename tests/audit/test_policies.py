"""Policy documents and how AWS would decide a request: statement matching (Effect,
Principal, Action and NotAction with wildcards, Resource per ARN segment, Condition operators),
three-valued answers where the plan holds values known only after apply, and reading documents
from plan values (JSON strings, data.aws_iam_policy_document, AWS managed policies)."""

from __future__ import annotations

import json

import pytest

from prodstack.catalog.plan_data import ACCOUNT
from prodstack.catalog.policies import (
    ANYTHING,
    EMPTY,
    Condition,
    Document,
    Request,
    Statement,
    condition_holds,
    evaluate,
    from_blocks,
    merge,
    parse,
)
from prodstack.catalog.policy_match import HOLE, arn_glob, glob, unknowns
from prodstack.catalog.ready_fixtures import ReadyBuilder, allow, bucket, policy
from prodstack.catalog.ready_order import ordered_after
from prodstack.catalog.ready_queries import (
    account_id,
    bucket_policy,
    document,
    key_policy,
    managed,
    partition,
    region,
    role_permissions,
)
from prodstack.tf.plan import UNKNOWN, Unknown
from prodstack.tf.resource import Unresolved
from tests.audit.helpers import plan_of

CT = ("Service", "cloudtrail.amazonaws.com")


def doc(*statements: dict[str, object]) -> Document:
    parsed = parse(policy(*statements))
    assert isinstance(parsed, Document)
    return parsed


# -- matching ------------------------------------------------------------------------------

@pytest.mark.parametrize(("pattern", "value", "expected"), [
    ("kms:GenerateDataKey*", "kms:GenerateDataKey", True),
    ("kms:GenerateDataKey*", "kms:GenerateDataKeyWithoutPlaintext", True),
    ("s3:Put*", "s3:PutObject", True),
    ("s3:Get?ucketAcl", "s3:GetBucketAcl", True),
    ("s3:Put*", "s3:GetObject", False),
    ("arn:aws:s3:::b/[x]*", "arn:aws:s3:::b/[x]y", True),  # brackets are literal
    ("arn:aws:s3:::logs/*", f"arn:aws:s3:::{HOLE}/x", None),  # the bucket may be `logs`
    ("arn:aws:s3:::logs/*", f"arn:aws:s3:::{HOLE}x/y", None),
    ("arn:aws:s3:::logs/a/*", f"arn:aws:s3:::{HOLE}/b/x", None),  # the hole may hold a "/"
    ("arn:aws:s3:::logs/*", f"arn:aws:sqs:us-east-1:1:{HOLE}", False),  # nothing fills it
    ("*", HOLE, True),
    (f"arn:aws:iam::{HOLE}:root", "arn:aws:iam::123456789012:root", None),
])
def test_glob(pattern: str, value: str, expected: bool | None) -> None:
    assert glob(pattern, value) is expected


def test_glob_without_wildcards_and_case() -> None:
    assert glob("a*", "a*", wildcards=False) is True
    assert glob("a*", "ab", wildcards=False) is False
    assert glob("Cloudtrail.AmazonAWS.com", "cloudtrail.amazonaws.com", ignore_case=True)


def test_arn_wildcards_stay_within_their_segment_except_the_resource() -> None:
    assert arn_glob("arn:aws:cloudtrail:*:123456789012:trail/*",
                    "arn:aws:cloudtrail:us-east-1:123456789012:trail/main") is True
    assert arn_glob("arn:aws:logs:*", "arn:aws:logs:us-east-1:1:log-group:x") is False
    assert arn_glob("arn:aws:logs:us-east-1:1:log-group:x:*",
                    "arn:aws:logs:us-east-1:1:log-group:x:log-stream:s") is True
    assert arn_glob("*", "arn:aws:s3:::b") is True


# -- statements ----------------------------------------------------------------------------

def test_principal_service_aws_and_wildcard_forms() -> None:
    put = Request("s3:PutObject", ("arn:aws:s3:::b/k",), CT)
    assert evaluate(doc(allow({"Service": ["config.amazonaws.com",
                                           "cloudtrail.amazonaws.com"]}, "s3:PutObject")),
                    put) is True
    assert evaluate(doc(allow("*", "s3:PutObject")), put) is True
    assert evaluate(doc(allow({"AWS": "*"}, "s3:PutObject")), put) is True
    assert evaluate(doc(allow({"Service": "config.amazonaws.com"}, "s3:PutObject")),
                    put) is False
    assert evaluate(doc(allow({"AWS": "arn:aws:iam::111122223333:root"}, "s3:*")),
                    put) is False


def test_account_root_delegates_to_iam_and_grants_a_role_nothing_by_itself() -> None:
    role = ("AWS", "arn:aws:iam::111122223333:role/aws-service-role/autoscaling.amazonaws.com/"
                   "AWSServiceRoleForAutoScaling")
    root_grant = doc(allow({"AWS": "arn:aws:iam::111122223333:root"}, "kms:*"))
    assert evaluate(root_grant, Request("kms:Decrypt", principal=role)) is False
    named = doc(allow({"AWS": role[1]}, "kms:Decrypt"))
    assert evaluate(named, Request("kms:Decrypt", principal=role)) is True
    # the account itself (ELB's log delivery account), by ARN or by account id
    elb = ("AWS", "arn:aws:iam::127311923021:root")
    assert evaluate(doc(allow({"AWS": "127311923021"}, "s3:PutObject")),
                    Request("s3:PutObject", principal=elb)) is True
    # a Deny for the account covers its roles
    deny = doc(allow("*", "kms:*"), allow({"AWS": "111122223333"}, "kms:Decrypt",
                                          effect="Deny"))
    assert evaluate(deny, Request("kms:Decrypt", principal=role)) is False


def test_not_action_and_not_resource() -> None:
    d = doc({"Effect": "Allow", "NotAction": ["s3:Delete*"], "Resource": "*"})
    assert evaluate(d, Request("s3:PutObject")) is True
    assert evaluate(d, Request("s3:DeleteObject")) is False
    d = doc({"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret/*"})
    assert evaluate(d, Request("s3:GetObject", ("arn:aws:s3:::secret/x",))) is False
    assert evaluate(d, Request("s3:GetObject", ("arn:aws:s3:::public/x",))) is True


def test_explicit_deny_wins_and_conditions_decide_whether_it_applies() -> None:
    d = doc(allow("*", "s3:PutObject", "arn:aws:s3:::b/*"),
            {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
             "Condition": {"Bool": {"aws:SecureTransport": "false"}}})
    assert evaluate(d, Request("s3:PutObject", ("arn:aws:s3:::b/k",), CT,
                               {"aws:SecureTransport": "true"})) is True
    assert evaluate(d, Request("s3:PutObject", ("arn:aws:s3:::b/k",), CT,
                               {"aws:SecureTransport": False})) is False
    # not knowing whether the request is over TLS: not a definite answer
    assert evaluate(d, Request("s3:PutObject", ("arn:aws:s3:::b/k",), CT)) is None


# -- conditions ----------------------------------------------------------------------------

def _holds(operator: str, key: str, values: tuple[str, ...], **request: object) -> object:
    return condition_holds(Condition(operator, key, values), Request("x", **request))


def test_string_and_arn_operators() -> None:
    ctx = {"aws:SourceArn": "arn:aws:cloudtrail:us-east-1:1:trail/main"}
    assert _holds("StringEquals", "aws:sourcearn", ("arn:aws:cloudtrail:us-east-1:1:trail/main",),
                  context=ctx) is True  # key names are case-insensitive
    assert _holds("StringEquals", "aws:SourceArn", ("arn:aws:cloudtrail:*",), context=ctx) \
        is False
    assert _holds("StringLike", "aws:SourceArn", ("arn:aws:cloudtrail:*",), context=ctx) is True
    assert _holds("ArnLike", "aws:SourceArn", ("arn:aws:cloudtrail:*:1:trail/*",),
                  context=ctx) is True
    assert _holds("StringNotEquals", "aws:SourceArn", ("other",), context=ctx) is True
    assert _holds("StringEqualsIgnoreCase", "k", ("ABC",), context={"k": "abc"}) is True
    assert _holds("NumericLessThan", "s3:TlsVersion", ("1.2",),
                  context={"s3:TlsVersion": "1.3"}) is False
    assert _holds("DateGreaterThan", "aws:CurrentTime", ("2020-01-01",),
                  context={"aws:CurrentTime": "2024-01-01"}) is None


def test_keys_the_request_does_not_carry() -> None:
    absent = ("kms:EncryptionContext:*",)
    key = "kms:EncryptionContext:aws:cloudtrail:arn"
    assert _holds("StringLike", key, ("arn:*",), absent=absent) is False
    assert _holds("StringLikeIfExists", key, ("arn:*",), absent=absent) is True
    assert _holds("StringNotEquals", key, ("arn:x",), absent=absent) is True
    assert _holds("Null", key, ("true",), absent=absent) is True
    assert _holds("ForAllValues:StringEquals", key, ("a",), absent=absent) is True
    # a key the rule does not model: the plan cannot tell
    assert _holds("StringEquals", "aws:PrincipalOrgID", ("o-1",)) is None
    assert _holds("Null", "aws:PrincipalOrgID", ("true",)) is None


def test_multivalued_keys_and_unknown_values() -> None:
    ctx = {"kms:ViaService": ["ec2.us-east-1.amazonaws.com"], "aws:SourceAccount": UNKNOWN}
    assert _holds("ForAnyValue:StringLike", "kms:ViaService", ("ec2.*",), context=ctx) is True
    assert _holds("StringEquals", "aws:SourceAccount", ("1",), context=ctx) is None
    assert _holds("StringEquals", "k", ("123",), context={"k": f"1{HOLE}"}) is None
    assert _holds("StringEquals", "k", ("999",), context={"k": f"1{HOLE}"}) is False


def test_describe_key_fails_under_an_encryption_context_condition() -> None:
    """prodstack's CloudTrail statement: DescribeKey shares GenerateDataKey's condition."""
    d = doc(allow({"Service": "cloudtrail.amazonaws.com"},
                  ["kms:GenerateDataKey*", "kms:DescribeKey"], "*",
                  {"StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn":
                                  "arn:aws:cloudtrail:*:1:trail/*"}}))
    context = {"kms:EncryptionContext:aws:cloudtrail:arn": "arn:aws:cloudtrail:us-east-1:1:trail/t"}
    assert evaluate(d, Request("kms:GenerateDataKey", principal=CT, context=context)) is True
    assert evaluate(d, Request("kms:DescribeKey", principal=CT,
                               absent=("kms:EncryptionContext:*",))) is False


# -- documents -----------------------------------------------------------------------------

def test_parse_forms() -> None:
    assert parse(UNKNOWN) is UNKNOWN
    assert parse(None) is None and parse("") is None and parse("not json") is None
    single = parse(json.dumps({"Statement": {"Effect": "Allow", "Action": "s3:*",
                                             "Resource": "*"}}))
    assert isinstance(single, Document) and single.statements[0].actions == ("s3:*",)
    st = parse({"Statement": [{"Effect": "Allow", "Principal": {"AWS": ["a", "b"]},
                               "Action": ["s3:GetObject"], "Resource": "*",
                               "Condition": {"Bool": {"kms:GrantIsForAWSResource": True}}}]})
    assert isinstance(st, Document)
    assert st.statements[0].principals == {"AWS": ("a", "b")}
    assert st.statements[0].conditions[0].values == ("true",)  # type: ignore[index]


def test_uncertain_statements_and_unknown_documents_are_never_a_definite_no() -> None:
    maybe = Document((Statement(actions=("s3:PutObject",), resources=("*",), certain=False),))
    assert evaluate(maybe, Request("s3:PutObject")) is None
    assert evaluate(maybe, Request("s3:GetObject")) is False
    assert evaluate(merge([EMPTY, UNKNOWN]), Request("s3:PutObject")) is None
    assert evaluate(UNKNOWN, Request("s3:PutObject")) is None
    assert evaluate(None, Request("s3:PutObject")) is False
    assert evaluate(ANYTHING, Request("kms:Decrypt", principal=CT)) is None


def test_statement_blocks_of_a_policy_document_read_at_apply() -> None:
    """A data.aws_iam_policy_document whose resources name an ARN known after apply: the
    known parts still decide (no write statement), the unknown one never certainly does."""
    values = {"statement": [
        {"sid": "Acl", "effect": None, "actions": ["s3:GetBucketAcl"], "resources": [None],
         "principals": [{"type": "Service", "identifiers": ["cloudtrail.amazonaws.com"]}],
         "not_principals": [], "condition": [{"test": "StringEquals",
                                              "variable": "aws:SourceAccount",
                                              "values": ["111122223333"]}]}]}
    unknown = {"statement": [{"resources": [True]}]}
    b = ReadyBuilder().data("data.aws_iam_policy_document.trail", values,
                            unknown={"json": True, **unknown})
    plan = plan_of(b)
    from prodstack.catalog.ready_queries import data_of
    ds = data_of(plan, "aws_iam_policy_document")[0]
    found = from_blocks(ds.get)
    assert isinstance(found, Document)
    st = found.statements[0]
    assert st.effect == "Allow" and st.resources == (HOLE,) and st.services == (
        "cloudtrail.amazonaws.com",)
    ctx = {"aws:SourceAccount": "111122223333"}
    assert evaluate(found, Request("s3:GetBucketAcl", ("arn:aws:s3:::b",), CT, ctx)) is None
    assert evaluate(found, Request("s3:PutObject", ("arn:aws:s3:::b/k",), CT, ctx)) is False


def test_policy_attribute_from_a_data_source_in_a_module() -> None:
    b = ReadyBuilder()
    bucket(b, "module.m.aws_s3_bucket.b", "acme-b",
           policy_from="data.aws_iam_policy_document.b")
    b.data("module.m.data.aws_iam_policy_document.b", {"json": policy(
        allow({"Service": "logging.s3.amazonaws.com"}, "s3:PutObject",
              "arn:aws:s3:::acme-b/*"))})
    plan = plan_of(b)
    found = bucket_policy(plan, plan.of("aws_s3_bucket")[0])
    assert isinstance(found, Document) and found.statements[0].services == (
        "logging.s3.amazonaws.com",)


def test_policies_computed_from_anything_else_are_unknown_and_say_why() -> None:
    """A plan file keeps only the references of a `jsonencode` over values known after
    apply: the document is unknown, and says what it is written over."""
    b = ReadyBuilder()
    bucket(b, "aws_s3_bucket.b", "acme-b", policy_unknown=True)
    plan = plan_of(b)
    pol = plan.of("aws_s3_bucket_policy")[0]
    found = document(plan, pol)
    assert isinstance(found, Unresolved)
    assert "over aws_s3_bucket.b.arn" in found.why[0]
    assert isinstance(bucket_policy(plan, plan.of("aws_s3_bucket")[0]), Unknown)


def test_key_without_a_policy_gets_the_default_key_policy() -> None:
    b = ReadyBuilder().add("aws_kms_key.k", {"description": "k", "policy": None},
                           unknown={"policy": True, "arn": True})
    plan = plan_of(b)
    found = key_policy(plan, plan.of("aws_kms_key")[0])
    assert isinstance(found, Document)
    assert evaluate(found, Request("kms:Decrypt", principal=CT)) is False


def test_role_permissions_inline_attached_and_managed_by_name() -> None:
    b = ReadyBuilder().add("aws_iam_role.r", {"name": "r"}, unknown={"arn": True})
    b.add("aws_iam_role_policy.write", {"policy": policy(allow(None, "logs:PutLogEvents"))},
          refs={"role": ["aws_iam_role.r.id", "aws_iam_role.r"]}, unknown={"role": True})
    b.add("aws_iam_role_policy_attachment.config", {
        "policy_arn": "arn:aws:iam::aws:policy/service-role/AWS_ConfigRole"},
        refs={"role": ["aws_iam_role.r.name", "aws_iam_role.r"]}, unknown={"role": True})
    plan = plan_of(b)
    perms = role_permissions(plan, plan.of("aws_iam_role")[0])
    assert evaluate(perms, Request("logs:PutLogEvents")) is True
    assert evaluate(perms, Request("s3:PutObject", ("arn:aws:s3:::b/k",))) is False
    assert evaluate(perms, Request("s3:GetBucketAcl", ("arn:aws:s3:::b",))) is None
    assert evaluate(managed("arn:aws:iam::aws:policy/SomethingElse"), Request("s3:PutObject")) \
        is None
    assert evaluate(managed("arn:aws:iam::aws:policy/AdministratorAccess"),
                    Request("s3:PutObject")) is True


def test_account_region_partition_from_the_plan() -> None:
    plan = plan_of(ReadyBuilder(region="cn-north-1", account="123456789012"))
    assert (account_id(plan), region(plan), partition(plan)) == ("123456789012", "cn-north-1",
                                                                 "aws")
    from prodstack.catalog.planbuilder import PlanBuilder
    bare = plan_of(PlanBuilder().add("aws_sns_topic.t", {"name": "t"}))
    assert account_id(bare) == ACCOUNT and region(bare) == HOLE and partition(bare) == HOLE
    assert unknowns(account_id(bare)) == ["the account id"]  # a symbol: it matches itself


def test_ordering_by_reference_depends_on_and_module() -> None:
    b = ReadyBuilder()
    bucket(b, "module.audit.aws_s3_bucket.trail", "acme")
    b.add("aws_cloudtrail.direct", {"name": "a"})
    b.add("aws_cloudtrail.by_module", {"name": "b"})
    b.add("aws_s3_bucket_public_access_block.x", {})
    b.add("aws_cloudtrail.through", {"name": "c"})
    b.depends("aws_cloudtrail.direct", "module.audit.aws_s3_bucket_policy.trail")
    b.depends("aws_cloudtrail.by_module", "module.audit")
    b.depends("aws_s3_bucket_public_access_block.x", "module.audit")
    b.depends("aws_cloudtrail.through", "aws_s3_bucket_public_access_block.x")
    b.add("aws_cloudtrail.unordered", {"name": "d"})
    plan = plan_of(b)
    target = plan.of("aws_s3_bucket_policy")[0]
    trails = {t.name: ordered_after(plan, t, target) for t in plan.of("aws_cloudtrail")}
    assert trails == {"direct": True, "by_module": True, "through": True,
                      "unordered": False}


def test_malformed_documents_do_not_break_the_reader() -> None:
    odd = parse({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Condition": ["x"]},
                               "not a statement", {"Principal": ["odd"], "Action": 3}]})
    assert isinstance(odd, Document) and len(odd.statements) == 2
    assert evaluate(odd, Request("s3:GetObject")) is True

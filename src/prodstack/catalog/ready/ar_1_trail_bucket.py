"""AR-1: a CloudTrail trail whose bucket policy does not let CloudTrail check the bucket ACL
and write under `<prefix>/AWSLogs/<account>/`, or that is created before that policy."""

from __future__ import annotations

from collections.abc import Iterator

from prodstack.catalog.model import AuditInput, Cases, Entry, Hit, Made, Rule, Unseen
from prodstack.catalog.policies import Request, denied_by
from prodstack.catalog.policy_match import HOLE
from prodstack.catalog.ready_fixtures import ACCOUNT, DENY_HTTP, ReadyBuilder, allow, bucket
from prodstack.catalog.ready_order import ordered_after
from prodstack.catalog.ready_queries import (
    account_id,
    bucket_policy,
    join_prefix,
    linked,
    partition,
    region,
    s3_arn,
    verdicts,
)
from prodstack.catalog.unseen import cannot_tell
from prodstack.tf.plan import Plan, Resource

CLOUDTRAIL = ("Service", "cloudtrail.amazonaws.com")
FULL_CONTROL = "bucket-owner-full-control"


def trail_arn(plan: Plan, trail: Resource) -> str:
    name = trail.get("name")
    return (f"arn:{partition(plan)}:cloudtrail:{region(plan)}:{account_id(plan)}:trail/"
            f"{name if isinstance(name, str) else HOLE}")


def requests(plan: Plan, trail: Resource, target: Resource) -> dict[str, Request]:
    """What CloudTrail asks of the bucket: read its ACL, write a log file under the prefix."""
    source = {"aws:SourceArn": trail_arn(plan, trail), "aws:SourceAccount": account_id(plan),
              "aws:SecureTransport": "true"}
    organization = trail.get("is_organization_trail")
    owner = account_id(plan) if organization in (False, None) else HOLE  # org: AWSLogs/<org>
    key = join_prefix(trail.get("s3_key_prefix"), f"AWSLogs/{owner}/")
    return {
        "s3:GetBucketAcl on the bucket": Request(
            "s3:GetBucketAcl", (s3_arn(plan, target),), CLOUDTRAIL, source,
            absent=("s3:x-amz-acl",)),
        f"s3:PutObject on {key.replace(HOLE, '<known after apply>')}* with "
        f"s3:x-amz-acl={FULL_CONTROL}": Request(
            "s3:PutObject", (s3_arn(plan, target, f"{key}CloudTrail/{region(plan)}/log.json.gz"),),
            CLOUDTRAIL, {**source, "s3:x-amz-acl": FULL_CONTROL}),
    }


def rule(inp: AuditInput) -> Iterator[Hit | Unseen]:
    plan = inp.plan
    for trail in plan.of("aws_cloudtrail"):
        for target in linked(plan, trail, ("s3_bucket_name",), "aws_s3_bucket"):
            doc = bucket_policy(plan, target)
            name = target.get("bucket") if isinstance(target.get("bucket"), str) \
                else target.address
            asks = requests(plan, trail, target)
            refused, undecided = verdicts(doc, asks)
            if undecided and not refused:
                yield cannot_tell(trail.address, f"the policy of bucket {name} lets "
                                  f"cloudtrail.amazonaws.com do {' and '.join(undecided)}",
                                  doc, *asks.values())
            if refused:
                denies = sorted({s.sid or "a Deny" for req in requests(plan, trail, target)
                                 .values() for s in denied_by(doc, req)})
                why = f" ({', '.join(denies)} refuses it)" if denies else ""
                yield Hit(trail.address, f"the policy of bucket {name} does not let "
                          f"cloudtrail.amazonaws.com do {' and '.join(refused)}{why}: "
                          "CreateTrail fails with InsufficientS3BucketPolicyException")
                continue
            policies = plan.referrers(target, "aws_s3_bucket_policy", "bucket")
            for pol in policies:
                if not ordered_after(plan, trail, pol):
                    yield Hit(trail.address, f"the trail neither refers to nor depends on "
                              f"{pol.address}: Terraform may call CreateTrail before the "
                              "policy is in place, and AWS answers "
                              "InsufficientS3BucketPolicyException (add depends_on)",
                              severity="medium")


cases = Cases()
BUCKET_ARN = "arn:aws:s3:::acme-trail"
ACL_CHECK = allow({"Service": "cloudtrail.amazonaws.com"}, "s3:GetBucketAcl", BUCKET_ARN,
                  sid="AWSCloudTrailAclCheck")


def _write(resource: str, acl: str = FULL_CONTROL) -> dict[str, object]:
    return allow({"Service": "cloudtrail.amazonaws.com"}, "s3:PutObject", resource,
                 {"StringEquals": {"s3:x-amz-acl": acl}}, sid="AWSCloudTrailWrite")


def _stack(*statements: dict[str, object], prefix: str | None = "trail",
           ordered: bool = True, policy_unknown: bool = False,
           policy_from: str | None = None) -> ReadyBuilder:
    """An audit module: the trail bucket and its policy; the trail at the root takes the
    bucket's name from a module output."""
    b = ReadyBuilder()
    bucket(b, "module.audit.aws_s3_bucket.trail", "acme-trail", *statements,
           policy_unknown=policy_unknown, policy_from=policy_from)
    b.module("module.audit", outputs={"bucket": ["aws_s3_bucket.trail.id",
                                                 "aws_s3_bucket.trail"]})
    b.add("aws_cloudtrail.main", {"name": "main", "s3_key_prefix": prefix,
                                  "is_multi_region_trail": True,
                                  "is_organization_trail": False},
          refs={"s3_bucket_name": ["module.audit.bucket", "module.audit"]},
          unknown={"s3_bucket_name": True, "arn": True})
    if ordered:
        b.depends("aws_cloudtrail.main", "module.audit")
    return b


@cases.fires("aws_cloudtrail.main")
def policy_without_acl_check() -> Made:
    return _stack(DENY_HTTP, _write(f"{BUCKET_ARN}/trail/AWSLogs/{ACCOUNT}/*")), None


@cases.fires("aws_cloudtrail.main")
def write_allowed_outside_the_trails_prefix() -> Made:
    """The policy allows `AWSLogs/…` at the bucket's root, the trail writes under `trail/`."""
    return _stack(ACL_CHECK, _write(f"{BUCKET_ARN}/AWSLogs/{ACCOUNT}/*")), None


@cases.fires("aws_cloudtrail.main")
def write_requires_another_canned_acl() -> Made:
    return _stack(ACL_CHECK, _write(f"{BUCKET_ARN}/trail/AWSLogs/*", "bucket-owner-read")), None


@cases.fires("aws_cloudtrail.main")
def policy_document_deferred_to_apply_without_a_write_statement() -> Made:
    """The bucket's ARN is unknown, so the policy document is read at apply; its statements
    are known: none lets CloudTrail write."""
    b = _stack(policy_from="data.aws_iam_policy_document.trail")
    b.data("module.audit.data.aws_iam_policy_document.trail", {
        "json": None, "statement": [{
            "sid": "AWSCloudTrailAclCheck", "effect": "Allow", "actions": ["s3:GetBucketAcl"],
            "resources": [None], "principals": [{"type": "Service",
                                               "identifiers": ["cloudtrail.amazonaws.com"]}],
            "condition": []}]},
        unknown={"json": True, "statement": [{"resources": [True]}]})
    return b, None


@cases.fires("aws_cloudtrail.main")
def trail_not_ordered_after_its_bucket_policy() -> Made:
    return _stack(ACL_CHECK, _write(f"{BUCKET_ARN}/trail/AWSLogs/{ACCOUNT}/*"),
                  ordered=False), None


@cases.passes
def documented_policy_with_source_arn() -> Made:
    arn = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/main"
    acl = {**ACL_CHECK, "Condition": {"StringEquals": {"aws:SourceArn": arn}}}
    write = _write(f"{BUCKET_ARN}/trail/AWSLogs/{ACCOUNT}/*")
    write["Condition"]["StringEquals"]["aws:SourceArn"] = arn  # type: ignore[index]
    return _stack(DENY_HTTP, acl, write), None


@cases.passes
def module_style_policy_without_prefix() -> Made:
    """terraform-aws-modules/s3-bucket's CloudTrail statements (AWSLogs/* at the root)."""
    return _stack(ACL_CHECK, _write(f"{BUCKET_ARN}/AWSLogs/*"), prefix=None), None


@cases.cannot_see("aws_cloudtrail.main")
def policy_only_known_after_apply() -> Made:
    return _stack(policy_unknown=True), None


ENTRY = Entry(
    id="AR-1", title="CloudTrail bucket policy does not admit the trail", severity="high",
    failure="CreateTrail fails with InsufficientS3BucketPolicyException: the bucket policy "
            "must let cloudtrail.amazonaws.com call s3:GetBucketAcl on the bucket and "
            "s3:PutObject under <prefix>/AWSLogs/<account>/ with s3:x-amz-acl = "
            "bucket-owner-full-control, and exist before the trail",
    fix="a bucket policy with AWS's AWSCloudTrailAclCheck and AWSCloudTrailWrite statements "
        "(with aws:SourceArn of the trail) on the trail's prefix, and depends_on from the "
        "trail to the aws_s3_bucket_policy",
    aws_docs="https://docs.aws.amazon.com/awscloudtrail/latest/userguide/"
             "create-s3-bucket-policy-for-cloudtrail.html",
    rule=Rule(types=("aws_cloudtrail", "aws_s3_bucket", "aws_s3_bucket_policy"), check=rule,
              cases=cases.plan),
)

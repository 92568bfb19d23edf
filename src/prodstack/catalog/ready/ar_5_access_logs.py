"""AR-5: S3 server access logging to a target bucket that does not let the logging service
write under the target prefix (bucket policy, or the legacy log-delivery ACL where ACLs are
still enabled), or that has a default Object Lock retention."""

from __future__ import annotations

from collections.abc import Iterator

from prodstack.catalog.model import AuditInput, Cases, Entry, Hit, Made, Rule, Unseen
from prodstack.catalog.policies import Request, evaluate
from prodstack.catalog.ready_fixtures import ACCOUNT, DENY_HTTP, ReadyBuilder, allow, bucket
from prodstack.catalog.ready_queries import account_id, bucket_policy, linked, present, s3_arn
from prodstack.catalog.unseen import cannot_tell
from prodstack.tf.plan import UNKNOWN, Plan, Resource

LOGGING = ("Service", "logging.s3.amazonaws.com")
LOG_DELIVERY_GROUP = "http://acs.amazonaws.com/groups/s3/LogDelivery"


def _name(res: Resource) -> str:
    name = res.get("bucket")
    return name if isinstance(name, str) and name else res.address


def ownership(plan: Plan, target: Resource) -> object:
    """The bucket's Object Ownership (new buckets default to BucketOwnerEnforced)."""
    for control in plan.referrers(target, "aws_s3_bucket_ownership_controls", "bucket"):
        return control.get("rule", "object_ownership")
    return "BucketOwnerEnforced"


def acl_grants_log_delivery(plan: Plan, target: Resource) -> bool:
    for acl in plan.referrers(target, "aws_s3_bucket_acl", "bucket"):
        if acl.get("acl") == "log-delivery-write":
            return True
        grants = acl.get("access_control_policy", "grant")
        for i, _ in enumerate(grants if isinstance(grants, list) else []):
            uri = acl.get("access_control_policy", "grant", i, "grantee", "uri")
            if uri == LOG_DELIVERY_GROUP and acl.get(
                    "access_control_policy", "grant", i, "permission") in ("WRITE",
                                                                           "FULL_CONTROL"):
                return True
    return False


def default_retention(plan: Plan, target: Resource) -> bool:
    for lock in plan.referrers(target, "aws_s3_bucket_object_lock_configuration", "bucket"):
        if present(lock.get("rule", "default_retention")):
            return True
    return present(target.get("object_lock_configuration", "rule", "default_retention"))


def deliveries(plan: Plan) -> Iterator[tuple[Resource, Resource, Resource, object]]:
    """(resource to name, source bucket, target bucket, target prefix) of every logging
    configuration: aws_s3_bucket_logging, or a bucket's legacy `logging` block."""
    for logging in plan.of("aws_s3_bucket_logging"):
        for source in linked(plan, logging, ("bucket",), "aws_s3_bucket") or [logging]:
            for target in linked(plan, logging, ("target_bucket",), "aws_s3_bucket"):
                yield logging, source, target, logging.get("target_prefix")
    for source in plan.of("aws_s3_bucket"):
        if source.written("logging"):
            for target in linked(plan, source, ("logging", "target_bucket"), "aws_s3_bucket"):
                yield source, source, target, source.get("logging", "target_prefix")


def rule(inp: AuditInput) -> Iterator[Hit | Unseen]:
    plan = inp.plan
    for where, source, target, prefix in deliveries(plan):
        problems = []
        key = (prefix if isinstance(prefix, str) else "\x00" if prefix is UNKNOWN else "")
        request = Request("s3:PutObject", (s3_arn(plan, target, f"{key}2024-01-01-00-00-00-X"),),
                          LOGGING, {"aws:SourceArn": s3_arn(plan, source),
                                    "aws:SourceAccount": account_id(plan),
                                    "aws:SecureTransport": "true"})
        verdict = evaluate(bucket_policy(plan, target), request)
        if verdict is None and not acl_grants_log_delivery(plan, target):
            yield cannot_tell(where.address, f"the policy of target bucket {_name(target)} lets "
                              "logging.s3.amazonaws.com write the access logs",
                              bucket_policy(plan, target), request)
        if verdict is False:
            enforced = ownership(plan, target)
            if not acl_grants_log_delivery(plan, target):
                problems.append(f"the policy of target bucket {_name(target)} does not let "
                                f"logging.s3.amazonaws.com s3:PutObject under "
                                f"'{key.replace(chr(0), '…')}' for {_name(source)}, and no ACL "
                                "grants the log delivery group")
            elif enforced == "BucketOwnerEnforced":
                problems.append(f"the target bucket {_name(target)} grants the log delivery "
                                "group by ACL, but its Object Ownership is BucketOwnerEnforced "
                                "(ACLs disabled, the default for new buckets): only a bucket "
                                "policy for logging.s3.amazonaws.com works")
        if default_retention(plan, target):
            problems.append(f"the target bucket {_name(target)} has a default Object Lock "
                            "retention, which a server access logging target must not have")
        if problems:
            yield Hit(where.address, "; ".join(problems) + ": PutBucketLogging fails with "
                      "InvalidTargetBucketForLogging")


cases = Cases()
LOGS = "arn:aws:s3:::acme-access-logs"


def _write(*sources: str) -> dict[str, object]:
    return allow({"Service": "logging.s3.amazonaws.com"}, "s3:PutObject",
                 [f"{LOGS}/{s}/*" for s in sources],
                 {"ArnLike": {"aws:SourceArn": [f"arn:aws:s3:::acme-{s}" for s in sources]},
                  "StringEquals": {"aws:SourceAccount": ACCOUNT}}, sid="S3ServerAccessLogs")


def _stack(*statements: dict[str, object], sources: tuple[str, ...] = ("data", "audit"),
           **target: object) -> ReadyBuilder:
    """A log bucket, and source buckets by for_each logging to it under `<source>/`."""
    b = ReadyBuilder()
    bucket(b, "aws_s3_bucket.logs", "acme-access-logs", *statements, **target)  # type: ignore[arg-type]
    for s in sources:
        b.add(f'aws_s3_bucket.source["{s}"]', {"bucket": f"acme-{s}"},
              unknown={"id": True, "arn": True})
        b.add(f'aws_s3_bucket_logging.source["{s}"]', {"target_prefix": f"{s}/"},
              refs={"bucket": ["aws_s3_bucket.source", "each.key"],
                    "target_bucket": ["aws_s3_bucket.logs.id", "aws_s3_bucket.logs"]},
              unknown={"bucket": True, "target_bucket": True})
    return b


@cases.fires('aws_s3_bucket_logging.source["audit"]')
def policy_covers_one_source_of_two() -> Made:
    return _stack(DENY_HTTP, _write("data")), None


@cases.fires('aws_s3_bucket_logging.source["data"]')
def legacy_acl_grant_with_acls_disabled() -> Made:
    b = _stack(sources=("data",))
    b.add("aws_s3_bucket_acl.logs", {"acl": "log-delivery-write"},
          refs={"bucket": ["aws_s3_bucket.logs.id", "aws_s3_bucket.logs"]},
          unknown={"bucket": True})
    return b, None


@cases.fires('aws_s3_bucket_logging.source["data"]')
def target_with_default_retention() -> Made:
    b = _stack(_write("data"), sources=("data",), object_lock_enabled=True)
    b.add("aws_s3_bucket_object_lock_configuration.logs",
          {"rule": [{"default_retention": [{"mode": "GOVERNANCE", "days": 30}]}]},
          refs={"bucket": ["aws_s3_bucket.logs.id", "aws_s3_bucket.logs"]},
          unknown={"bucket": True})
    return b, None


@cases.passes
def documented_policy_for_every_source() -> Made:
    return _stack(DENY_HTTP, _write("data", "audit")), None


@cases.passes
def legacy_acl_grant_with_acls_enabled() -> Made:
    b = _stack(sources=("data",))
    b.add("aws_s3_bucket_ownership_controls.logs", {"rule": [{"object_ownership":
                                                                "BucketOwnerPreferred"}]},
          refs={"bucket": ["aws_s3_bucket.logs.id", "aws_s3_bucket.logs"]},
          unknown={"bucket": True})
    b.add("aws_s3_bucket_acl.logs", {"acl": "log-delivery-write"},
          refs={"bucket": ["aws_s3_bucket.logs.id", "aws_s3_bucket.logs"]},
          unknown={"bucket": True})
    return b, None


ENTRY = Entry(
    id="AR-5", title="S3 access-log target refuses the logging service", severity="high",
    failure="PutBucketLogging fails with InvalidTargetBucketForLogging: the target bucket's "
            "policy must let logging.s3.amazonaws.com s3:PutObject under the target prefix "
            "(the log-delivery group ACL works only where ACLs are enabled, not with "
            "BucketOwnerEnforced), and the target must not have a default Object Lock "
            "retention",
    fix="a bucket policy on the target granting logging.s3.amazonaws.com s3:PutObject on "
        "<target>/<prefix>* with aws:SourceArn of the source bucket and aws:SourceAccount",
    aws_docs="https://docs.aws.amazon.com/AmazonS3/latest/userguide/"
             "enable-server-access-logging.html",
    rule=Rule(types=("aws_s3_bucket_logging", "aws_s3_bucket", "aws_s3_bucket_policy",
                     "aws_s3_bucket_acl", "aws_s3_bucket_ownership_controls",
                     "aws_s3_bucket_object_lock_configuration"), check=rule, cases=cases.plan),
)

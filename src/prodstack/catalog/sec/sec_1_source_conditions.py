"""SEC-1: a bucket, key or trust policy that grants a service principal AWS documents with
`aws:SourceArn` / `aws:SourceAccount` without either condition (the confused deputy: the
service may act on the resource for another account's trail, bucket or flow log).

Hardening, not a refusal: AWS applies such a policy and the service delivers (this was AR-12;
the AR family is for what AWS refuses or silently drops). Where AWS documents that a service
does not send the conditions (the role CloudTrail assumes to write to CloudWatch Logs,
EventBridge publishing to an encrypted SNS topic), the rule does not ask for them."""

from __future__ import annotations

import re
from collections.abc import Iterator

from prodstack.catalog.model import AuditInput, Cases, Entry, Hit, Made, Rule, Unseen
from prodstack.catalog.policies import Document, Statement
from prodstack.catalog.ready_fixtures import ACCOUNT, ReadyBuilder, allow, key, policy
from prodstack.catalog.ready_queries import document, key_policy
from prodstack.catalog.unseen import cannot_tell
from prodstack.tf.plan import Unknown

# Services whose guides ask for the conditions: in resource policies (bucket, key) and in
# the trust policies of the roles they assume.
RESOURCE_POLICY_SERVICES = ("cloudtrail.amazonaws.com", "config.amazonaws.com",
                            "logging.s3.amazonaws.com", "delivery.logs.amazonaws.com")
TRUST_SERVICES = ("config.amazonaws.com", "vpc-flow-logs.amazonaws.com",
                  "monitoring.rds.amazonaws.com")
SOURCE_KEYS = {"aws:sourcearn", "aws:sourceaccount", "aws:sourceorgid", "aws:sourceorgpaths"}
_ACCOUNT_IN = re.compile(r"(?<!\d)\d{12}(?!\d)")


def scoped(st: Statement) -> bool:
    """Conditioned on the source, or on an encryption context naming the account."""
    if isinstance(st.conditions, Unknown):
        return True
    for cond in st.conditions:
        name = cond.key.lower()
        if name in SOURCE_KEYS:
            return True
        if name.startswith("kms:encryptioncontext:") and isinstance(cond.values, tuple) and \
                cond.values and all(_ACCOUNT_IN.search(v) for v in cond.values):
            return True
    return False


def unscoped(doc: Document | Unknown | None, services: tuple[str, ...]) -> list[str]:
    if not isinstance(doc, Document):
        return []
    out = []
    for st in doc.statements:
        if st.effect != "Allow" or not st.certain or scoped(st):
            continue
        out += [f"{s} ({st.sid or 'statement without Sid'})" for s in st.services
                if s in services]
    return out


def rule(inp: AuditInput) -> Iterator[Hit | Unseen]:
    plan = inp.plan
    found: list[tuple[str, Document | Unknown | None, tuple[str, ...], str]] = []
    for res in plan.of("aws_s3_bucket_policy"):
        found.append((res.address, document(plan, res), RESOURCE_POLICY_SERVICES,
                      "bucket policy"))
    for res in plan.of("aws_kms_key"):
        if res.written("policy") and not plan.referrers(res, "aws_kms_key_policy", "key_id"):
            found.append((res.address, key_policy(plan, res), RESOURCE_POLICY_SERVICES,
                          "key policy"))
    for res in plan.of("aws_kms_key_policy"):
        found.append((res.address, document(plan, res), RESOURCE_POLICY_SERVICES,
                      "key policy"))
    for res in plan.of("aws_iam_role"):
        found.append((res.address, document(plan, res, "assume_role_policy"),
                      TRUST_SERVICES, "trust policy"))
    for address, doc, services, kind in found:
        if isinstance(doc, Unknown):
            yield cannot_tell(address, f"the {kind} scopes its service principals with "
                              "aws:SourceArn or aws:SourceAccount", doc)
            continue
        grants = unscoped(doc, services)
        if grants:
            yield Hit(address, f"the {kind} grants {', '.join(grants)} without an "
                      "aws:SourceArn or aws:SourceAccount condition: the service can be made "
                      "to act on it for another account (confused deputy)")


cases = Cases()
TRAIL = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/main"


def _stack(bucket_condition: dict[str, object] | None,
           trust_condition: dict[str, object] | None) -> ReadyBuilder:
    b = ReadyBuilder()
    b.add("aws_s3_bucket_policy.trail", {"policy": policy(
        allow({"Service": "cloudtrail.amazonaws.com"}, "s3:GetBucketAcl",
              "arn:aws:s3:::acme-trail", bucket_condition, sid="AWSCloudTrailAclCheck"))},
        refs={"bucket": ["aws_s3_bucket.trail.id", "aws_s3_bucket.trail"]},
        unknown={"bucket": True})
    b.add('aws_iam_role.service["flow-logs"]', {"name": "flow-logs", "assume_role_policy":
                                                policy(allow({"Service":
                                                              "vpc-flow-logs.amazonaws.com"},
                                                             "sts:AssumeRole", None,
                                                             trust_condition))},
          unknown={"arn": True})
    key(b, "aws_kms_key.trail", allow({"Service": "cloudtrail.amazonaws.com"},
                                      "kms:GenerateDataKey*", "*", {"StringLike": {
                                          "kms:EncryptionContext:aws:cloudtrail:arn":
                                          f"arn:aws:cloudtrail:*:{ACCOUNT}:trail/*"}}))
    return b


@cases.fires("aws_s3_bucket_policy.trail", 'aws_iam_role.service["flow-logs"]')
def service_grants_without_source_conditions() -> Made:
    return _stack(None, None), None


@cases.passes
def source_arn_and_source_account() -> Made:
    return _stack({"StringEquals": {"aws:SourceArn": TRAIL}},
                  {"StringEquals": {"aws:SourceAccount": ACCOUNT}}), None


ENTRY = Entry(
    id="SEC-1", title="Service principal grant without source conditions", severity="low",
    failure="a bucket, key or trust policy lets CloudTrail, Config, S3 log delivery, log "
            "delivery, VPC flow logs or RDS monitoring act without aws:SourceArn / "
            "aws:SourceAccount: the service can be used on the resource on behalf of another "
            "account (confused deputy)",
    fix="add aws:SourceArn (the trail, bucket or log ARN) or aws:SourceAccount (the account) "
        "to each service principal statement, as each service's guide shows",
    aws_docs="https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html",
    rule=Rule(types=("aws_s3_bucket_policy", "aws_kms_key", "aws_kms_key_policy",
                     "aws_iam_role"), check=rule, cases=cases.plan),
)

"""AR-14: an S3 lifecycle rule that AWS refuses: a transition to an infrequent-access class
before 30 days, or an expiration no later than a transition of the same rule."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prodstack.catalog.model import AuditInput, Cases, Entry, Hit, Made, Rule, Unseen
from prodstack.catalog.plan_queries import dicts
from prodstack.catalog.planbuilder import PlanBuilder
from prodstack.catalog.unseen import unknown_value
from prodstack.tf.plan import Resource, Unknown

# storage classes whose transitions AWS refuses before 30 days (objects, and noncurrent
# versions after they become noncurrent)
MINIMUM_DAYS = {"STANDARD_IA": 30, "ONEZONE_IA": 30}


def problems(rule_block: dict[str, Any]) -> list[str]:
    out = []
    for kind, days_attr in (("transition", "days"),
                            ("noncurrent_version_transition", "noncurrent_days")):
        for item in dicts(rule_block.get(kind)):
            cls, days = item.get("storage_class"), item.get(days_attr)
            least = MINIMUM_DAYS.get(str(cls))
            if least and isinstance(days, int) and days < least:
                out.append(f"{kind} to {cls} after {days} days: \"'Days' in "
                           f"{'NoncurrentVersion' if 'noncurrent' in kind else ''}Transition "
                           f"action must be greater than or equal to {least} for "
                           f"storageClass '{cls}'\"")
    expire = [e.get("days") for e in dicts(rule_block.get("expiration"))]
    moves = [t.get("days") for t in dicts(rule_block.get("transition"))]
    for days in (d for d in expire if isinstance(d, int) and d > 0):
        late = [m for m in moves if isinstance(m, int) and m >= days]
        if late:
            out.append(f"expiration after {days} days, no later than a transition after "
                       f"{max(late)} days: \"'Days' in the Expiration action for filter must be "
                       "greater than 'Days' in the Transition action\"")
    return out


def undecided(res: Resource, i: int) -> list[tuple[str | int, ...]]:
    """The paths of rule `i`'s days and storage classes only known after apply."""
    out: list[tuple[str | int, ...]] = []
    for kind, attrs in (("transition", ("days", "storage_class")),
                        ("noncurrent_version_transition", ("noncurrent_days", "storage_class")),
                        ("expiration", ("days",))):
        blocks = res.get("rule", i, kind)
        if isinstance(blocks, Unknown):
            out.append(("rule", i, kind))
        for j in range(len(blocks) if isinstance(blocks, list) else 0):
            out += [("rule", i, kind, j, a) for a in attrs
                    if isinstance(res.get("rule", i, kind, j, a), Unknown)]
    return out


def rule(inp: AuditInput) -> Iterator[Hit | Unseen]:
    plan = inp.plan
    for res in plan.of("aws_s3_bucket_lifecycle_configuration"):
        if isinstance(res.get("rule"), Unknown):
            yield unknown_value(plan, res, "AWS accepts its lifecycle rules", "rule")
        for i, block in enumerate(dicts(res.get("rule"))):
            if block.get("status") == "Disabled":
                continue
            for path in undecided(res, i)[:1]:
                yield unknown_value(plan, res, f"AWS accepts lifecycle rule {block.get('id')!r}",
                                    *path)
            for problem in problems(block):
                yield Hit(res.address, f"rule {block.get('id')!r}: {problem}: "
                          "PutBucketLifecycleConfiguration fails with InvalidArgument")


cases = Cases()


def _lifecycle(transition_days: int, cls: str = "STANDARD_IA", expire: int | None = None,
               noncurrent: int | None = None) -> PlanBuilder:
    """A bucket module's lifecycle, the days coming from the root's variables."""
    rule_block: dict[str, Any] = {"id": "logs", "status": "Enabled",
                                  "transition": [{"days": transition_days,
                                                  "storage_class": cls}]}
    if expire is not None:
        rule_block["expiration"] = [{"days": expire}]
    if noncurrent is not None:
        rule_block["noncurrent_version_transition"] = [{"noncurrent_days": noncurrent,
                                                        "storage_class": "STANDARD_IA"}]
    b = PlanBuilder()
    b.add("module.logs.aws_s3_bucket.this[0]", {"bucket": "acme-logs"}, unknown={"id": True})
    b.add("module.logs.aws_s3_bucket_lifecycle_configuration.this[0]", {"rule": [rule_block]},
          refs={"bucket": ["aws_s3_bucket.this[0].id", "aws_s3_bucket.this"]},
          unknown={"bucket": True})
    return b.module("module.logs")


@cases.fires("module.logs.aws_s3_bucket_lifecycle_configuration.this[0]")
def standard_ia_after_15_days() -> Made:
    """hashicorp/terraform-provider-aws#6201: the documented example used 15 days."""
    return _lifecycle(15), None


@cases.fires("module.logs.aws_s3_bucket_lifecycle_configuration.this[0]")
def expiration_before_the_transition() -> Made:
    """cloudposse/terraform-aws-cloudtrail-s3-bucket#36: keep 5 days, move to IA at 30."""
    return _lifecycle(30, expire=5), None


@cases.fires("module.logs.aws_s3_bucket_lifecycle_configuration.this[0]")
def noncurrent_versions_to_ia_after_7_days() -> Made:
    return _lifecycle(30, noncurrent=7), None


@cases.passes
def documented_lifecycle() -> Made:
    """AWS's example: IA at 30 days, Glacier at 60, expire at 365."""
    return _lifecycle(30, expire=365, noncurrent=30), None


@cases.passes
def glacier_at_one_day() -> Made:
    return _lifecycle(1, cls="GLACIER"), None


ENTRY = Entry(
    id="AR-14", title="Lifecycle rule below the storage class minimums", severity="high",
    failure="PutBucketLifecycleConfiguration fails with InvalidArgument: transitions to "
            "STANDARD_IA or ONEZONE_IA must wait at least 30 days (after creation, or after an "
            "object version becomes noncurrent), and an expiration must come after every "
            "transition of its rule; the provider checks neither",
    fix="transition to STANDARD_IA/ONEZONE_IA at 30 days or later (or straight to a Glacier "
        "class), and expire after the last transition",
    aws_docs="https://docs.aws.amazon.com/AmazonS3/latest/userguide/"
             "lifecycle-transition-general-considerations.html",
    rule=Rule(types=("aws_s3_bucket_lifecycle_configuration",), check=rule, cases=cases.plan),
)

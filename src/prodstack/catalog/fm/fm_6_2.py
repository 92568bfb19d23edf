"""FM-6.2: the Terraform state bucket has no versioning: one bad write loses the state."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from prodstack.catalog.contract import Result, VerifyContext
from prodstack.catalog.model import AuditInput, Cases, Entry, Hit, LiveCheck, Made, Rule, Unseen
from prodstack.catalog.plan_fixtures import backend
from prodstack.catalog.plan_queries import s3_backends
from prodstack.catalog.planbuilder import PlanBuilder
from prodstack.catalog.world import REGION, World
from prodstack.tf.plan import Plan, Resource

_STATE_NAME = re.compile(r"(?i)(tf|terraform)[-_.]?state|tfstate")


def _backend_buckets(inp: AuditInput) -> set[str]:
    return {b for _, settings in s3_backends(inp)
            if isinstance(b := settings.get("bucket"), str) and b}


def _is_state_bucket(bucket: Resource, backend_buckets: set[str]) -> bool:
    """Named in a backend block, or named or tagged as Terraform state."""
    names = bucket.strings("bucket") + bucket.strings("bucket_prefix")
    tags = bucket.get("tags")
    if isinstance(tags, dict):
        names += [v for v in tags.values() if isinstance(v, str)]
    return any(n in backend_buckets or _STATE_NAME.search(n) for n in names)


def versioning_enabled(plan: Plan, bucket: Resource) -> bool | None:
    """True/False, or None when the plan cannot tell (an unknown status)."""
    if bucket.get("versioning", "enabled") is True:
        return True
    for ver in plan.referrers(bucket, "aws_s3_bucket_versioning", "bucket"):
        status = ver.get("versioning_configuration", "status")
        if status == "Enabled":
            return True
        if not isinstance(status, str):
            return None
    return False


def rule(inp: AuditInput) -> Iterator[Hit | Unseen]:
    buckets = _backend_buckets(inp)
    for bucket in inp.plan.of("aws_s3_bucket"):
        if not _is_state_bucket(bucket, buckets):
            continue
        versioned = versioning_enabled(inp.plan, bucket)
        if versioned is None:
            yield Unseen(bucket.address, "cannot tell whether this Terraform state bucket is "
                         "versioned: its versioning status is only known after apply")
        elif versioned is False:
            yield Hit(bucket.address, "this Terraform state bucket has no versioning: an "
                      "overwritten or deleted state cannot be recovered")


def live(ctx: VerifyContext) -> Result:
    bucket = ctx.settings.state_bucket
    if not bucket:
        return Result.na("no state_bucket: the state is a local file of this machine")
    status = ctx.client("s3").get_bucket_versioning(Bucket=bucket).get("Status", "off")
    return Result.expect(status == "Enabled", f"state bucket {bucket} is versioned",
                         f"state bucket {bucket}: versioning {status}")


cases = Cases()


@cases.fires("aws_s3_bucket.state")
def state_bucket_unversioned() -> Made:
    return PlanBuilder().add("aws_s3_bucket.state", {"bucket": "acme-terraform-state"}), None


@cases.fires("aws_s3_bucket.infra")
def backend_bucket_unversioned() -> Made:
    b = PlanBuilder().add("aws_s3_bucket.infra", {"bucket": "acme-infra"})
    return b, backend({"bucket": "acme-infra", "key": "k", "region": "r"})


@cases.fires('module.state.aws_s3_bucket.this["primary"]')
def bucket_tagged_as_state_in_module_unversioned() -> Made:
    b = PlanBuilder().add('module.state.aws_s3_bucket.this["primary"]', {
        "bucket": "acme-x", "tags": {"purpose": "terraform-state"}})
    return b, None


@cases.passes
def ordinary_bucket_unversioned() -> Made:
    return PlanBuilder().add("aws_s3_bucket.assets", {"bucket": "acme-assets"}), None


@cases.passes
def state_bucket_with_versioning_resource() -> Made:
    b = (PlanBuilder()
         .add("aws_s3_bucket.state", {"bucket": "acme-tfstate"}, unknown={"id": True})
         .add("aws_s3_bucket_versioning.state",
              {"versioning_configuration": [{"status": "Enabled"}]},
              refs={"bucket": ["aws_s3_bucket.state.id", "aws_s3_bucket.state"]},
              unknown={"bucket": True}))
    return b, None


STATE_BUCKET = "acme-tf-state"


def _state_bucket(world: World, status: str) -> dict[str, Any]:
    s3 = world.client("s3")
    s3.create_bucket(Bucket=STATE_BUCKET, CreateBucketConfiguration={
        "LocationConstraint": REGION})
    s3.put_bucket_versioning(Bucket=STATE_BUCKET, VersioningConfiguration={"Status": status})
    return world.outputs


@cases.live("pass", sets=(f"state_bucket={STATE_BUCKET}",))
def versioned_state_bucket(world: World) -> dict[str, Any]:
    return _state_bucket(world, "Enabled")


@cases.live("fail", sets=(f"state_bucket={STATE_BUCKET}",))
def suspended_versioning(world: World) -> dict[str, Any]:
    return _state_bucket(world, "Suspended")


@cases.live("n/a")
def local_state(world: World) -> dict[str, Any]:
    return world.outputs


ENTRY = Entry(
    id="FM-6.2", title="State bucket without versioning", severity="high",
    failure="the Terraform state is not backed up: one bad write loses the map of "
            "everything deployed",
    fix="enable versioning on the state bucket (aws_s3_bucket_versioning status "
        "\"Enabled\"), with a noncurrent-version lifecycle; optionally replicate it "
        "(`prodstack bootstrap`)",
    rule=Rule(types=("aws_s3_bucket", "aws_s3_bucket_versioning"), check=rule,
              cases=cases.plan),
    live=LiveCheck(live, cases=cases.lives),
)

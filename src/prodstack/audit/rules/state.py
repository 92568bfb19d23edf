"""Terraform state: a backend that can initialise (FM-1.2), locking (FM-1.3), a versioned state
bucket (FM-6.2). The backend is not in a plan: FM-1.2/1.3 read the configuration folder."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from prodstack.audit.config import Backend
from prodstack.audit.plan import Plan, Resource
from prodstack.audit.rules.base import AuditInput, Hit, Rule

_REQUIRED = ("bucket", "key", "region")
_STATE_NAME = re.compile(r"(?i)(tf|terraform)[-_.]?state|tfstate")


def _s3_backends(inp: AuditInput) -> Iterator[tuple[Backend, dict[str, Any]]]:
    if inp.config is None:
        return
    for backend in inp.config.backends:
        if backend.kind == "s3":
            yield backend, {**inp.config.backend_config, **backend.settings}


def _set(value: Any) -> bool:
    return value not in (None, "", False)


def _true(value: Any) -> bool:
    """HCL turns "true" into true for a bool setting."""
    return value is True or (isinstance(value, str) and value.lower() == "true")


def backend_complete(inp: AuditInput) -> Iterator[Hit]:
    for backend, settings in _s3_backends(inp):
        missing = [k for k in _REQUIRED if not _set(settings.get(k))]
        if missing:
            files = inp.config.backend_config_files if inp.config else []
            given = f" (with {', '.join(files)})" if files else ""
            yield Hit(f"backend \"s3\" in {backend.source}",
                      f"the s3 backend{given} lacks {', '.join(missing)} and no backend "
                      "config file supplies it: `terraform init` stops and asks")


def backend_locking(inp: AuditInput) -> Iterator[Hit]:
    for backend, settings in _s3_backends(inp):
        if not _true(settings.get("use_lockfile")) and not _set(settings.get("dynamodb_table")):
            yield Hit(f"backend \"s3\" in {backend.source}",
                      "the s3 backend sets neither use_lockfile = true nor dynamodb_table: "
                      "two applies at once write the same state")


def _state_bucket_names(inp: AuditInput) -> set[str]:
    names = set()
    for _, settings in _s3_backends(inp):
        bucket = settings.get("bucket")
        if isinstance(bucket, str) and bucket:
            names.add(bucket)
    return names


def _is_state_bucket(bucket: Resource, backend_buckets: set[str]) -> bool:
    """Named in a backend block, or named or tagged as Terraform state."""
    names = bucket.strings("bucket") + bucket.strings("bucket_prefix")
    tags = bucket.get("tags")
    if isinstance(tags, dict):
        names += [v for v in tags.values() if isinstance(v, str)]
    return any(n in backend_buckets or _STATE_NAME.search(n) for n in names)


def versioning_enabled(plan: Plan, bucket: Resource) -> bool | None:
    """True/False, or None when the plan cannot tell (an unknown status)."""
    inline = bucket.get("versioning", "enabled")
    if inline is True:
        return True
    for ver in plan.referrers(bucket, "aws_s3_bucket_versioning", "bucket"):
        status = ver.get("versioning_configuration", "status")
        if status == "Enabled":
            return True
        if not isinstance(status, str):
            return None
    return False


def state_bucket_versioned(inp: AuditInput) -> Iterator[Hit]:
    backend_buckets = _state_bucket_names(inp)
    for bucket in inp.plan.of("aws_s3_bucket"):
        if _is_state_bucket(bucket, backend_buckets) and \
                versioning_enabled(inp.plan, bucket) is False:
            yield Hit(bucket.address, "this Terraform state bucket has no versioning: an "
                      "overwritten or deleted state cannot be recovered")


RULES = (
    Rule(
        id="FM-1.2", title="Empty remote backend", severity="critical",
        types=("terraform.backend.s3",),
        failure="`backend \"s3\" {}` declared without bucket, key or region: init fails, or "
                "every user types different values",
        fix="generate the backend settings per environment (bucket, key, region) or commit a "
            "`*.tfbackend` file passed with -backend-config",
        check=backend_complete, needs_config=True,
    ),
    Rule(
        id="FM-1.3", title="No state locking", severity="high",
        types=("terraform.backend.s3",),
        failure="no state locking: two concurrent applies corrupt the state",
        fix="set `use_lockfile = true` in the s3 backend (S3 native locking, Terraform >= 1.10)"
            " or a `dynamodb_table`",
        check=backend_locking, needs_config=True,
    ),
    Rule(
        id="FM-6.2", title="State bucket without versioning", severity="high",
        types=("aws_s3_bucket", "aws_s3_bucket_versioning"),
        failure="the Terraform state is not backed up: one bad write loses the map of "
                "everything deployed",
        fix="enable versioning on the state bucket (aws_s3_bucket_versioning status "
            "\"Enabled\"), with a noncurrent-version lifecycle; optionally replicate it",
        check=state_bucket_versioned,
    ),
)

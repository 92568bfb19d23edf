"""FM-1.3: no state locking: two concurrent applies write the same state."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prodstack.catalog.model import AuditInput, Cases, Entry, Hit, Made, Rule
from prodstack.catalog.plan_fixtures import backend, topic
from prodstack.catalog.plan_queries import is_set, s3_backends


def _true(value: Any) -> bool:
    """HCL turns "true" into true for a bool setting."""
    return value is True or (isinstance(value, str) and value.lower() == "true")


def rule(inp: AuditInput) -> Iterator[Hit]:
    for block, settings in s3_backends(inp):
        if not _true(settings.get("use_lockfile")) and not is_set(settings.get("dynamodb_table")):
            yield Hit(f"backend \"s3\" in {block.source}",
                      "the s3 backend sets neither use_lockfile = true nor dynamodb_table: "
                      "two applies at once write the same state")


cases = Cases()


@cases.fires("backend \"s3\" in main.tf")
def backend_without_locking() -> Made:
    return topic(), backend({"bucket": "b", "key": "k", "region": "us-west-1"})


@cases.passes
def backend_with_lockfile() -> Made:
    return topic(), backend({"bucket": "b", "key": "k", "region": "r", "use_lockfile": True})


@cases.passes
def backend_with_lockfile_from_tfbackend_file() -> Made:
    return topic(), backend({"bucket": "b", "key": "k", "region": "r"},
                            {"use_lockfile": "true"})


@cases.passes
def backend_with_dynamodb_lock() -> Made:
    return topic(), backend({"bucket": "b", "key": "k", "region": "r",
                             "dynamodb_table": "locks"})


ENTRY = Entry(
    id="FM-1.3", title="No state locking", severity="high",
    failure="no state locking: two concurrent applies corrupt the state",
    fix="set `use_lockfile = true` in the s3 backend (S3 native locking, Terraform >= 1.10)"
        " or a `dynamodb_table`",
    rule=Rule(types=("terraform.backend.s3",), check=rule, cases=cases.plan,
              needs_config=True),
    exercised=("fault test: a second run while the lock is held fails fast "
               "(tests/e2e/test_faults.py)",),
)

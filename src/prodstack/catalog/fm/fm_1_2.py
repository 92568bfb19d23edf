"""FM-1.2: an s3 backend declared empty (`backend "s3" {}`): `terraform init` cannot start."""

from __future__ import annotations

from collections.abc import Iterator

from prodstack.catalog.model import AuditInput, Cases, Entry, Hit, Made, Rule
from prodstack.catalog.plan_fixtures import backend, topic
from prodstack.catalog.plan_queries import is_set, s3_backends

REQUIRED = ("bucket", "key", "region")


def rule(inp: AuditInput) -> Iterator[Hit]:
    for block, settings in s3_backends(inp):
        missing = [k for k in REQUIRED if not is_set(settings.get(k))]
        if missing:
            files = inp.config.backend_config_files if inp.config else []
            given = f" (with {', '.join(files)})" if files else ""
            yield Hit(f"backend \"s3\" in {block.source}",
                      f"the s3 backend{given} lacks {', '.join(missing)} and no backend "
                      "config file supplies it: `terraform init` stops and asks")


cases = Cases()


@cases.fires("backend \"s3\" in main.tf")
def empty_s3_backend() -> Made:
    return topic(), backend({})


@cases.passes
def complete_s3_backend() -> Made:
    return topic(), backend({"bucket": "b", "key": "k", "region": "us-west-1"})


@cases.passes
def backend_completed_by_tfbackend_file() -> Made:
    return topic(), backend({}, {"bucket": "b", "key": "k", "region": "us-west-1"})


ENTRY = Entry(
    id="FM-1.2", title="Empty remote backend", severity="critical",
    failure="`backend \"s3\" {}` declared without bucket, key or region: init fails, or "
            "every user types different values",
    fix="generate the backend settings per environment (bucket, key, region) or commit a "
        "`*.tfbackend` file passed with -backend-config",
    rule=Rule(types=("terraform.backend.s3",), check=rule, cases=cases.plan,
              needs_config=True),
)

"""Two regions of one account: `--set region=us-east-1` beside a us-west-1 deployment
collides on no name that is global to the account or to AWS, and keeps its own state."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import resources

# Resource type -> the attributes that make its name unique beyond a region.
GLOBAL = {
    "aws_iam_role": ("name",),
    "aws_iam_instance_profile": ("name",),
    "aws_iam_policy": ("name",),
    "aws_iam_service_linked_role": ("aws_service_name",),
    "aws_s3_bucket": ("bucket",),
    "aws_cloudtrail": ("name",),  # a multi-region trail exists in every region
    "aws_route53_record": ("zone_id", "name", "type", "set_identifier"),
}


# ACM's DNS validation record for a domain is the same CNAME in every region of an account:
# both regions write it (allow_overwrite), by ACM's design (see the README, "Two regions").
SHARED_BY_DESIGN = {("aws_route53_record", "certificate_validation")}


def global_names(doc: dict[str, Any]) -> set[tuple[str, ...]]:
    names = set()
    for kind, attrs in GLOBAL.items():
        for label, body in resources(doc, kind).items():
            if (kind, label) not in SHARED_BY_DESIGN:
                names.add((kind, *(str(body.get(a)) for a in attrs)))
    return names


@pytest.mark.parametrize("env", ["production", "dev"])
def test_a_second_region_collides_on_nothing(synth, env):
    west = synth(env, "aws")
    east = synth(env, "aws", "region=us-east-1")
    west_names, east_names = global_names(west), global_names(east)
    assert len(west_names) > 10
    assert west_names.isdisjoint(east_names), sorted(west_names & east_names)
    assert west["terraform"]["backend"]["s3"]["key"] != east["terraform"]["backend"]["s3"]["key"]


def test_the_check_can_fail_on_a_name_without_the_region(synth):
    west = synth("production", "aws")
    names = {n for n in global_names(west) if n[0] == "aws_iam_role"}
    renamed = {(k, v.replace("-us-west-1-", "-us-east-1-")) for k, v in names}
    assert names.isdisjoint(renamed)
    assert names & {(k, v) for k, v in names}  # the same names do collide

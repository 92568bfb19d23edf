"""The shipped price table: dated, sourced, and complete for what prodstack's profiles use."""

from __future__ import annotations

import datetime

import pytest

from prodstack.config.profiles import PROFILES
from prodstack.ops.cost import prices

FAMILIES = ("t3", "t4g", "m6g", "m7g", "c7g")


def test_shipped_table_is_dated_and_names_its_source():
    table = prices.load()
    assert datetime.date.fromisoformat(table.as_of) <= datetime.date.today()
    assert "AWS Price List API" in table.source
    assert any("transcribed" in note for note in table.notes)


@pytest.mark.parametrize("region", ["us-west-1", "us-east-1"])
def test_regions_cover_the_families_and_profiles(region):
    rp = prices.load().region(region)
    types = rp.values["ec2_instance_hour"]
    for family in FAMILIES:
        assert any(t.startswith(f"{family}.") for t in types), family
    for profile in PROFILES.values():
        assert rp.table("ec2_instance_hour", profile.instance_type) is not None
        assert rp.rds_hour("postgres", profile.db_instance_class) is not None
    assert rp.table("ebs_gb_month", "gp3") is not None
    assert rp.table("rds_storage_gb_month", "gp3") is not None


@pytest.mark.parametrize("region", ["us-west-1", "us-east-1"])
def test_graviton_is_cheaper_than_the_x86_burstable_it_replaces(region):
    rp = prices.load().region(region)
    for size in ("micro", "small", "medium", "large"):
        assert rp.table("ec2_instance_hour", f"t4g.{size}") < \
            rp.table("ec2_instance_hour", f"t3.{size}")
        assert rp.rds_hour("postgres", f"db.t4g.{size}") < rp.rds_hour("postgres", f"db.t3.{size}")
    assert rp.table("ebs_gb_month", "gp3") < rp.table("ebs_gb_month", "gp2")


def test_discounts_are_fractions():
    for value in prices.load().discounts.values():
        assert 0 < value < 1

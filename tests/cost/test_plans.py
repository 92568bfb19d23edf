"""`prodstack cost` on real plans: prodstack's profiles, and a stack written outside the project.

Both plan offline against the emulator (terraform plan, nothing is created). The original
design of the failure analysis (tests/cost/fixtures/original_design) is also priced by hand
from the price table, as a cross-check of the estimator and of the figure in docs/costs.md.
"""

from __future__ import annotations

from typing import Any

import pytest

from prodstack.config.profiles import PROFILES
from prodstack.ops.cost import assumptions, prices
from prodstack.ops.cost.prices import RegionPrices
from prodstack.runtime import emulator
from tests.cost.conftest import FIXTURES, invoke_json

pytestmark = pytest.mark.plan


@pytest.fixture(scope="module")
def reports(tmp_path_factory, monkeypatch_module) -> dict[str, dict[str, Any]]:
    """The JSON report of each profile, planned with one emulator for the module."""
    monkeypatch_module.setenv("PRODSTACK_HOME", str(tmp_path_factory.mktemp("cost-home")))
    emulator.start()
    try:
        return {env: invoke_json("--env", env) for env in PROFILES}
    finally:
        emulator.stop()


def _items(report: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    return [i for i in report["items"] if i["address"].startswith(prefix)]


def test_dev_costs_less_than_staging_less_than_production(reports):
    totals = [reports[env]["total_monthly_usd"] for env in ("dev", "staging", "production")]
    assert totals == sorted(totals) and len(set(totals)) == 3, totals


@pytest.mark.parametrize("env", list(PROFILES))
def test_every_resource_of_every_profile_is_priced_or_known_free(reports, env):
    report = reports[env]
    assert report["region"] == "us-west-1"
    assert [i["address"] for i in report["items"] if i["status"] != "priced"
            and i["status"] != "free"] == []
    profile = PROFILES[env]
    (db,) = _items(report, "aws_db_instance.")
    assert profile.db_instance_class in db["basis"]
    assert ("Multi-AZ" in db["basis"]) == profile.db_multi_az
    assert len(_items(report, "aws_nat_gateway.")) == (2 if profile.nat_per_az else 1)
    (green,) = _items(report, "aws_autoscaling_group.web_green")
    assert green["monthly_usd"] == 0
    (blue,) = _items(report, "aws_autoscaling_group.web_blue")
    assert f"{profile.min_size} × {profile.instance_type}" in blue["basis"]
    assert report["savings"]["monthly_saving_usd"] > 0


def _price(found: float | None, what: str) -> float:
    """A price the oracle needs: a missing one fails the test (never a silent zero)."""
    assert found is not None, f"the price table has no {what}"
    return found


def original_design_monthly(rp: RegionPrices, a: assumptions.Assumptions) -> float:
    """The original design priced by hand: 2 NAT + EIP, ALB, 2 × t3.medium, db.t3.medium."""
    h = a["hours_per_month"]
    nat = 2 * h * rp["nat_gateway_hour"] + (
        a["nat_internet_gb_per_month"] + a["s3_traffic_gb_per_month"]) * rp["nat_gateway_gb"]
    public_ips = (2 + a["alb_public_ipv4"]) * h * rp["public_ipv4_hour"]
    alb = h * rp["alb_hour"] + a["alb_lcu"] * h * rp["alb_lcu_hour"]
    web = 2 * h * _price(rp.table("ec2_instance_hour", "t3.medium"), "t3.medium") + \
        2 * a["root_volume_gb"] * _price(rp.table("ebs_gb_month", "gp3"), "gp3")
    db = h * _price(rp.rds_hour("postgres", "db.t3.medium"), "db.t3.medium") + \
        100 * _price(rp.table("rds_storage_gb_month", "gp2"), "gp2 storage") + \
        100 * a["db_change_percent_per_day"] / 100 * 7 * rp["rds_backup_gb_month"] + \
        rp["secrets_manager_secret_month"] + \
        a["secret_api_calls_per_month"] / 10_000 * rp["secrets_manager_10k_api_calls"]
    return nat + public_ips + alb + web + db


def test_stack_written_outside_the_project(home):
    """A folder of HCL with count, a child module and no gateway endpoint, planned offline."""
    report = invoke_json(str(FIXTURES / "original_design"))
    assert report["region"] == "us-west-1"
    (asg,) = _items(report, "module.web.aws_autoscaling_group.web")
    assert "2 × t3.medium" in asg["basis"] and "desired_capacity" in asg["basis"]
    assert "module.web.aws_launch_template.web" in asg["basis"]
    nats = _items(report, "aws_nat_gateway.main[")
    assert len(nats) == 2 and all("no S3 gateway endpoint" in n["basis"] for n in nats)
    (db,) = _items(report, "aws_db_instance.main")
    assert "db.t3.medium postgres single-AZ" in db["basis"] and "100 GB" in db["basis"]
    expected = original_design_monthly(prices.load().region("us-west-1"), assumptions.defaults())
    assert report["total_monthly_usd"] == pytest.approx(expected, abs=0.02)
    assert emulator.running() is None, "the command stops the emulator it started"

"""`prodstack cost` through click's CliRunner: formats, --prices, --assume, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from prodstack.cli.cost import cost_cmd
from prodstack.ops.cost import prices
from prodstack.ops.cost.assumptions import ASSUMPTIONS
from tests.cost.conftest import FIXTURES, assert_one_line_error, invoke, invoke_json

WEB = str(FIXTURES / "web_plan.json")


def _shipped() -> dict:
    return json.loads(Path(prices.__file__).with_name(prices.SHIPPED).read_text())


def test_json_report_has_the_documented_keys():
    data = invoke_json(WEB)
    for key in ("total_monthly_usd", "region", "prices_as_of", "items", "assumptions", "savings"):
        assert key in data
    assert data["region"] == "us-east-1"
    assert data["prices_as_of"] == prices.load().as_of
    assert all({"address", "monthly_usd", "basis"} <= set(i) for i in data["items"])
    assert data["total_monthly_usd"] == pytest.approx(
        sum(i["monthly_usd"] for i in data["items"]), abs=0.02)
    assert set(data["assumptions"]) == {a.name for a in ASSUMPTIONS}
    assert {c["name"] for c in data["savings"]["commitments"]} == set(prices.DISCOUNTS)


def test_text_report_shows_items_total_savings_assumptions_and_source():
    result = invoke(WEB)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "aws_autoscaling_group.blue" in out
    assert "total per month, on demand" in out
    assert "1-year Compute Savings Plan" in out and "1-year RDS reserved" in out
    assert "nat_internet_gb_per_month = 50 GB" in out
    assert "unpriced" in out and "aws_instance.gpu" in out
    assert "AWS Price List API" in out and "transcribed" in out
    # What the total leaves out stands beside it, in every format.
    assert "total per month, on demand + 1 resource not priced (listed above)" in out
    data = invoke_json(WEB)
    assert data["not_priced"] == ["aws_instance.gpu"]
    assert data["total"] == f"${data['total_monthly_usd']:,.2f} + 1 resource not priced: " \
                            "aws_instance.gpu"


def test_empty_plan_and_state_json(tmp_path):
    empty = tmp_path / "empty.json"
    empty.write_text('{"format_version": "1.2", "resource_changes": []}')
    assert invoke_json(str(empty))["total_monthly_usd"] == 0
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"format_version": "1.0", "values": {"root_module": {
        "resources": [{"address": "aws_kms_key.k", "mode": "managed", "type": "aws_kms_key",
                       "name": "k", "values": {}}]}}}))
    assert invoke_json(str(state), "--region", "us-east-1")["total_monthly_usd"] == 1.06


def test_wired_into_a_command_group():
    group = click.Group("prodstack")
    group.add_command(cost_cmd)
    result = CliRunner().invoke(group, ["cost", WEB, "--format", "json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["region"] == "us-east-1"


def test_assume_overrides_are_used_and_marked():
    base = invoke_json(WEB)["total_monthly_usd"]
    data = invoke_json(WEB, "--assume", "hours_per_month=365")
    assert data["total_monthly_usd"] < base
    assert data["assumptions"]["hours_per_month"] == {
        "value": 365.0, "unit": "h", "meaning": "hours billed per month (365 × 24 / 12)",
        "default": False}
    text = invoke(WEB, "--assume", "hours_per_month=365").stdout
    assert " *hours_per_month = 365 h" in text


def test_assumptions_file_and_assume_wins_over_it(tmp_path):
    toml = tmp_path / "usage.toml"
    toml.write_text("[assumptions]\ns3_gb_per_bucket = 500\nhours_per_month = 100\n")
    data = invoke_json(WEB, "--assumptions", str(toml), "--assume", "hours_per_month=200")
    assert data["assumptions"]["s3_gb_per_bucket"]["value"] == 500
    assert data["assumptions"]["hours_per_month"]["value"] == 200


def test_prices_file_replaces_the_shipped_table(tmp_path):
    table = _shipped()
    table["as_of"] = "2030-01-01"
    table["regions"]["us-east-1"]["ec2_instance_hour"]["t4g.small"] = 1.0
    newer = tmp_path / "prices.json"
    newer.write_text(json.dumps(table))
    data = invoke_json(WEB, "--prices", str(newer))
    assert data["prices_as_of"] == "2030-01-01"
    blue = next(i for i in data["items"] if i["address"] == "aws_autoscaling_group.blue")
    assert blue["monthly_usd"] == pytest.approx(2 * 730 * 1.0 + 2 * 20 * 0.08 + 2 * 7 * 0.30)
    assert str(newer) in invoke(WEB, "--prices", str(newer)).stdout


def test_region_option_prices_another_region():
    data = invoke_json(WEB, "--region", "us-west-1")
    assert data["region"] == "us-west-1"
    blue = next(i for i in data["items"] if i["address"] == "aws_autoscaling_group.blue")
    assert "$0.02 " in blue["basis"]


def _bad_table(tmp_path: Path, change) -> str:
    table = _shipped()
    change(table)
    path = tmp_path / "bad-prices.json"
    path.write_text(json.dumps(table))
    return str(path)


@pytest.mark.parametrize(("change", "fragment"), [
    (lambda t: t.pop("as_of"), "'as_of' must be a date"),
    (lambda t: t.update(as_of="last spring"), "'as_of' must be a date"),
    (lambda t: t.update(source=""), "'source' must name"),
    (lambda t: t["regions"]["us-west-1"].pop("nat_gateway_hour"),
     "regions.us-west-1.nat_gateway_hour: missing"),
    (lambda t: t["regions"]["us-east-1"].update(alb_hour=-1),
     "regions.us-east-1.alb_hour: expected a non-negative number"),
    (lambda t: t["regions"]["us-east-1"]["ec2_instance_hour"].update({"t3.nano": "cheap"}),
     "regions.us-east-1.ec2_instance_hour.t3.nano"),
    (lambda t: t["regions"]["us-east-1"]["rds_instance_hour"].update(postgres=[]),
     "rds_instance_hour.postgres"),
    (lambda t: t["discounts"].update(rds_reserved_1yr_no_upfront=1.5),
     "discounts.rds_reserved_1yr_no_upfront"),
    (lambda t: t.update(regions={}), "'regions' must be an object"),
])
def test_bad_prices_file_is_one_line(tmp_path, change, fragment):
    assert_one_line_error(invoke(WEB, "--prices", _bad_table(tmp_path, change)), fragment)


def test_prices_file_missing_or_not_json(tmp_path):
    assert_one_line_error(invoke(WEB, "--prices", str(tmp_path / "none.json")), "not found")
    broken = tmp_path / "broken.json"
    broken.write_text("{ not json")
    assert_one_line_error(invoke(WEB, "--prices", str(broken)), "not valid JSON")


def test_region_missing_from_the_table(tmp_path):
    table = _bad_table(tmp_path, lambda t: t["regions"].pop("us-east-1"))
    assert_one_line_error(invoke(WEB, "--prices", table), "no prices for region 'us-east-1'")
    assert_one_line_error(invoke(WEB, "--region", "eu-north-1"), "no prices for region")


def test_missing_plan_file(home, tmp_path):
    assert_one_line_error(invoke(str(tmp_path / "plan.json")), "not found")


@pytest.mark.parametrize(("content", "fragment"), [
    (b"{\"format_version\": \"1.2\", \"hello\": 1}", "not a Terraform plan"),
    (b"[1, 2, 3]", "not a Terraform plan"),
    (b"resource \"aws_vpc\" \"main\" {}", "not JSON"),
    (b"PK\x03\x04binary", "binary plan file"),
    (b"\xff\xfe\x00", "not JSON"),
])
def test_not_a_plan(home, tmp_path, content, fragment):
    path = tmp_path / "input"
    path.write_bytes(content)
    assert_one_line_error(invoke(str(path)), fragment)


def test_folder_without_terraform(home, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert_one_line_error(invoke(str(empty)), "no Terraform configuration")


@pytest.mark.parametrize(("args", "fragment"), [
    (["--assume", "nat_gb=5"], "unknown assumption 'nat_gb'"),
    (["--assume", "hours_per_month"], "expected NAME=VALUE"),
    (["--assume", "hours_per_month=lots"], "must be a number"),
    (["--assume", "alb_lcu=-2"], "non-negative"),
    (["--env", "qa"], "unknown profile 'qa'"),
    (["--set", "instance_type=t3.small"], "--set apply to prodstack's own stack"),
    (["--config", "prodstack.toml"], "--config and --set apply to prodstack's own stack"),
])
def test_bad_options_are_one_line(home, args, fragment):
    assert_one_line_error(invoke(WEB, *args), fragment)


def test_bad_assumptions_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("hours_per_month = \n")
    assert_one_line_error(invoke(WEB, "--assumptions", str(bad)), "not valid TOML")
    assert_one_line_error(invoke(WEB, "--assumptions", str(tmp_path / "none.toml")), "not found")


def test_bad_setting_for_own_stack_is_one_line_before_planning(home):
    assert_one_line_error(invoke("--set", "instance_type=huge"), "setting 'instance_type'")
    assert not (home / "emulator.json").exists()

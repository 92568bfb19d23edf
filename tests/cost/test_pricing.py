"""Pricing functions on small hand-written plans (tests/cost/fixtures/*.json), offline.

Expected figures are worked out by hand from the shipped table: us-east-1 for web_plan and
services_plan, us-west-1 for database_plan; 730 hours a month.
"""

from __future__ import annotations

import pytest

from prodstack.ops.cost.estimate import COMPUTE_SP, RDS_RESERVED
from prodstack.ops.cost.report import savings
from prodstack.tf.plan import strip_instance_keys as strip_indexes
from tests.cost.conftest import estimate_data, estimate_of, item, load_fixture

H = 730


def test_region_comes_from_the_variable_the_provider_uses():
    est = estimate_of("web_plan.json")
    assert est.region == "us-east-1"
    assert "variable region" in est.region_basis


def test_asg_runs_min_size_of_the_launch_template_type():
    blue = item(estimate_of("web_plan.json"), "aws_autoscaling_group.blue")
    compute = 2 * H * 0.0168
    assert blue.monthly_usd == pytest.approx(compute + 2 * 20 * 0.08 + 2 * 7 * 0.30)
    assert "t4g.small" in blue.basis and "min_size" in blue.basis
    assert "aws_launch_template.web" in blue.basis
    assert blue.eligible == {COMPUTE_SP: pytest.approx(compute)}


def test_idle_colour_costs_nothing():
    green = item(estimate_of("web_plan.json"), "aws_autoscaling_group.green")
    assert green.monthly_usd == 0
    assert green.status == "priced"
    assert "no instances run" in green.basis


def test_asg_in_a_for_each_module_follows_its_own_template_and_desired_capacity():
    api = item(estimate_of("web_plan.json"), 'module.svc["api"].aws_autoscaling_group.this')
    assert api.monthly_usd == pytest.approx(3 * H * 0.0816 + 3 * 8 * 0.08)
    assert "desired_capacity" in api.basis and "m7g.large" in api.basis


def test_instance_with_public_ip_and_gp2_root():
    bastion = item(estimate_of("web_plan.json"), "aws_instance.bastion[0]")
    assert bastion.monthly_usd == pytest.approx(H * 0.0104 + 10 * 0.10 + H * 0.005)


def test_unknown_instance_type_is_unpriced_and_destroyed_resources_are_left_out():
    est = estimate_of("web_plan.json")
    gpu = item(est, "aws_instance.gpu")
    assert gpu.status == "unpriced" and "p5.48xlarge" in gpu.basis
    addresses = {i.address for i in est.items}
    assert "aws_instance.old" not in addresses
    assert "data.aws_ami.al2023" not in addresses


def test_launch_templates_are_free_because_their_asg_is_priced():
    lt = item(estimate_of("web_plan.json"), "aws_launch_template.web")
    assert lt.status == "free" and "auto scaling groups" in lt.basis


def test_rds_multi_az_doubles_instance_and_storage_and_counts_the_managed_secret():
    main = item(estimate_of("database_plan.json"), "aws_db_instance.main")
    instance = H * 0.075 * 2
    backups = 20 * 0.02 * 14 * 0.095
    assert main.monthly_usd == pytest.approx(instance + 20 * 0.138 * 2 + backups + 0.40 + 0.05)
    assert "Multi-AZ" in main.basis and "managed master password secret" in main.basis
    assert main.eligible == {RDS_RESERVED: pytest.approx(instance)}


def test_rds_replica_has_no_backups_and_single_az_is_one_copy():
    replica = item(estimate_of("database_plan.json"), "aws_db_instance.replica")
    assert replica.monthly_usd == pytest.approx(H * 0.037 + 20 * 0.138)
    assert "backups" not in replica.basis


def test_rds_engine_without_prices_is_partial_and_aurora_unpriced():
    est = estimate_of("database_plan.json")
    legacy = item(est, "aws_db_instance.legacy")
    assert legacy.status == "partial"
    assert legacy.monthly_usd == pytest.approx(20 * 0.138 + 20 * 0.02 * 7 * 0.095)
    assert item(est, "aws_db_instance.aurora").status == "unpriced"


def test_backup_plan_keeps_a_full_copy_plus_daily_changes():
    plan = item(estimate_of("database_plan.json"), "aws_backup_plan.main")
    stored = 40 * (1 + 0.02 * 35)  # main + legacy; the replica is not backed up
    assert plan.monthly_usd == pytest.approx(stored * 0.095)


def test_backup_change_rate_is_an_assumption():
    faster = item(estimate_of("database_plan.json", db_change_percent_per_day=10),
                  "aws_backup_plan.main")
    assert faster.monthly_usd == pytest.approx(40 * (1 + 0.10 * 35) * 0.095)


def test_planned_values_with_child_modules_and_region_from_an_endpoint():
    est = estimate_of("services_plan.json")
    assert est.region == "us-east-1"
    nat = item(est, 'module.net.aws_nat_gateway.az["a"]')
    # S3 has a gateway endpoint: only internet data crosses the NAT, shared by the two NATs.
    assert nat.monthly_usd == pytest.approx(H * 0.045 + 25 * 0.045)
    assert item(est, 'module.net.aws_eip.nat["a"]').monthly_usd == pytest.approx(H * 0.005)


def test_nat_carries_s3_traffic_without_a_gateway_endpoint():
    with_endpoint = item(estimate_of("services_plan.json"), 'module.net.aws_nat_gateway.az["a"]')
    data = load_fixture("services_plan.json")
    root = data["planned_values"]["root_module"]
    root["resources"] = [r for r in root["resources"] if r["address"] != "aws_vpc_endpoint.s3"]
    without = estimate_data(data, region="us-east-1")
    nat = item(without, 'module.net.aws_nat_gateway.az["a"]')
    assert nat.monthly_usd == pytest.approx(with_endpoint.monthly_usd + 50 * 0.045)
    assert "no S3 gateway endpoint" in nat.basis


@pytest.mark.parametrize(("address", "expected"), [
    ("aws_vpc_endpoint.ssm", 3 * H * 0.01),
    ("aws_lb.internal", H * 0.0225 + H * 0.008),
    ("aws_lb.nlb", H * 0.0225 + H * 0.006 + 2 * H * 0.005),
    ("aws_wafv2_web_acl.edge", 5 + 3 * 1 + 10 * 0.60),
    ("aws_cloudwatch_metric_alarm.standard", 0.10),
    ("aws_cloudwatch_metric_alarm.fast", 0.30),
    ("aws_cloudwatch_metric_alarm.math", 0.20),
    ("aws_cloudwatch_log_group.app", 0.50 + 0.15 * (30 / (365 / 12)) * 0.03),
    ("aws_cloudwatch_log_group.forever", 0.25 + 0.15 * 12 * 0.03),
    ("aws_cloudwatch_dashboard.main", 3.0),
    ("aws_kms_key.main", 1 + 2 * 0.03),
    ("aws_secretsmanager_secret.api", 0.40 + 0.05),
    ("aws_sns_topic.alerts", 200 / 100_000 * 2),
    ("aws_s3_bucket.assets", 20 * 0.023),
    ("aws_cloudtrail.a_main", 0.0),
    ("aws_cloudtrail.b_data", 2 * 2.0 + 10 * 0.10),
    ("aws_config_configuration_recorder.main", 1000 * 0.012),
    ("aws_config_config_rule.encrypted", 500 * 0.001),
    ("aws_route53_zone.main", 0.50),
    ("aws_ebs_volume.data", 100 * 0.08),
])
def test_service_prices(address, expected):
    assert item(estimate_of("services_plan.json"), address).monthly_usd == \
        pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize(("address", "status", "fragment"), [
    ("aws_lb.gwlb", "unpriced", "gateway load balancers"),
    ("aws_dynamodb_table.locks", "unpriced", "not in the price model"),
    ("aws_autoscaling_group.broken", "unpriced", "could not read"),
    ("aws_iam_role.app", "free", "no charge"),
    ("terraform_data.marker", "free", "not an AWS resource"),
    ("aws_vpc_endpoint.s3", "free", "gateway endpoints"),
])
def test_free_and_unpriced_never_crash(address, status, fragment):
    found = item(estimate_of("services_plan.json"), address)
    assert found.status == status and fragment in found.basis and found.monthly_usd == 0


def test_total_is_the_sum_of_items():
    est = estimate_of("services_plan.json")
    assert est.total == pytest.approx(sum(i.monthly_usd for i in est.items), abs=0.01)


def test_savings_apply_discounts_to_instance_hours_only():
    est = estimate_of("web_plan.json")
    compute = (2 * 0.0168 + 3 * 0.0816 + 0.0104) * H
    data = savings(est)
    sp = next(c for c in data["commitments"] if c["name"] == COMPUTE_SP)
    assert sp["eligible_monthly_usd"] == pytest.approx(compute, abs=0.01)
    assert sp["monthly_saving_usd"] == pytest.approx(compute * 0.27, abs=0.01)
    assert data["monthly_usd_with_commitments"] == pytest.approx(
        est.total - data["monthly_saving_usd"], abs=0.01)


def test_assumptions_change_the_estimate():
    base = item(estimate_of("services_plan.json"), "aws_s3_bucket.assets").monthly_usd
    more = item(estimate_of("services_plan.json", s3_gb_per_bucket=200),
                "aws_s3_bucket.assets").monthly_usd
    assert more == pytest.approx(base * 10)


@pytest.mark.parametrize(("address", "stripped"), [
    ("aws_nat_gateway.az[0]", "aws_nat_gateway.az"),
    ('module.svc["a]b"].module.x[2].aws_lb.web', "module.svc.module.x.aws_lb.web"),
    ('module.svc["say \\"hi\\""].aws_lb.web', "module.svc.aws_lb.web"),
])
def teststrip_indexes(address, stripped):
    assert strip_indexes(address) == stripped

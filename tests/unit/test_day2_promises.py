"""The stack keeps its promises on a real account (issue "On a real account, round 2"), pinned
on the synthesized aws production stack: each of these failed on the stack before the fix."""

from __future__ import annotations

import json
from typing import Any

import pytest

from prodstack.stack.parts.kept import kept
from tests.conftest import resources


def policy(body: dict[str, Any], key: str = "policy") -> dict[str, Any]:
    return json.loads(body[key])


@pytest.fixture
def aws(synth):
    return synth("production", "aws")


def test_the_role_cloudtrail_assumes_for_cloudwatch_logs_has_no_source_condition(aws):
    """CloudTrail's guide: that role's trust does not support aws:SourceArn/SourceAccount."""
    trust = policy(resources(aws, "aws_iam_role")["trail_to_logs"], "assume_role_policy")
    [statement] = trust["Statement"]
    assert statement["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    assert "Condition" not in statement


@pytest.mark.parametrize("address", [
    "aws_kms_key.data", "aws_kms_alias.data", "aws_kms_key.logs", "aws_kms_alias.logs",
    "aws_backup_vault.main", "aws_s3_bucket.data", "aws_s3_bucket_policy.data",
    "aws_s3_bucket.audit", "aws_s3_bucket_versioning.logs", "aws_iam_role.backup",
    "aws_iam_role_policy_attachment.backup_backup",
    "aws_iam_role_policy_attachment.backup_restore"])
def test_a_plain_down_keeps_what_data_needs(aws, address):
    """The final snapshot and every recovery point are encrypted with the data key; the vault
    holds the recovery points, and AWS Backup manages their lifecycle with its role; the data
    bucket holds the application's data."""
    type_, name = address.split(".")
    assert name in resources(aws, type_), address  # it exists in the stack
    assert kept(address)


@pytest.mark.parametrize("address", ["aws_db_instance.main", "aws_backup_plan.main",
                                     "aws_backup_selection.database", "aws_lb.web",
                                     "aws_iam_role.web",
                                     "aws_iam_role_policy_attachment.web_ssm_core"])
def test_a_plain_down_destroys_the_rest(address):
    assert not kept(address)


def test_the_application_may_use_its_data_bucket_and_key(aws):
    statements = {s["Sid"]: s for s in policy(
        resources(aws, "aws_iam_role_policy")["web_use_data_bucket"])["Statement"]}
    bucket = resources(aws, "aws_s3_bucket")["data"]["bucket"]
    assert statements["ListOwnDataBucket"]["Resource"].endswith(f":s3:::{bucket}")
    objects = statements["ReadWriteOwnData"]
    assert objects["Resource"].endswith(f":s3:::{bucket}/*")
    assert {"s3:GetObject", "s3:PutObject", "s3:DeleteObject"} <= set(objects["Action"])
    key = statements["EncryptOwnDataThroughS3"]
    assert key["Resource"] == "${aws_kms_key.data.arn}"
    assert set(key["Action"]) == {"kms:GenerateDataKey", "kms:Decrypt"}
    assert key["Condition"]["StringEquals"]["kms:ViaService"] == "s3.us-west-1.amazonaws.com"
    depends = resources(aws, "aws_autoscaling_group")["web_blue"]["depends_on"]
    assert "aws_iam_role_policy.web_use_data_bucket" in depends


def test_an_instance_refresh_launches_before_it_terminates(aws):
    for asg in resources(aws, "aws_autoscaling_group").values():
        [preferences] = asg["instance_refresh"][0]["preferences"]
        assert preferences["min_healthy_percentage"] == 100
        assert preferences["max_healthy_percentage"] == 200


def test_the_flow_log_waits_for_its_role_policy(aws):
    assert resources(aws, "aws_flow_log")["vpc"]["depends_on"] == [
        "aws_iam_role_policy.flow_logs"]


def test_the_parameter_group_can_be_replaced_before_it_is_destroyed(aws):
    group = resources(aws, "aws_db_parameter_group")["main"]
    assert "name" not in group and group["name_prefix"] == "prodstack-production-postgres16-"
    assert group["lifecycle"]["create_before_destroy"] is True


def test_the_dashboard_name_carries_the_region(aws):
    """Dashboards are global to the account."""
    name = resources(aws, "aws_cloudwatch_dashboard")["main"]["dashboard_name"]
    assert "us-west-1" in name


def test_extra_config_parameters_are_read_before_instances_start(synth, tmp_path):
    folder = tmp_path / "infra"
    folder.mkdir()
    (folder / "queue.tf").write_text(
        'resource "aws_ssm_parameter" "queue_url" {\n'
        '  name = "${local.prodstack.app_parameter_path}/QUEUE_URL"\n'
        '  type = "String"\n  insecure_value = "https://example.invalid/q"\n}\n')
    doc = synth("production", "aws", f"extra_config={folder}")
    for asg in resources(doc, "aws_autoscaling_group").values():
        assert "aws_ssm_parameter.queue_url" in asg["depends_on"]


def test_each_region_answers_while_its_own_health_check_passes(aws):
    """Route 53 counts a target group without targets as unhealthy, and the idle colour's is
    always empty: the latency record follows a health check of the region's load balancer."""
    record = resources(aws, "aws_route53_record")["site"]
    assert record["alias"][0]["evaluate_target_health"] is False
    assert record["health_check_id"] == "${aws_route53_health_check.site.id}"
    check = resources(aws, "aws_route53_health_check")["site"]
    assert (check["type"], check["port"]) == ("HTTPS", 443)
    assert check["fqdn"] == "${aws_lb.web.dns_name}"
    assert check["resource_path"] == "/"


def test_the_health_check_follows_the_applications_path(synth):
    doc = synth("production", "aws", "health_check_path=/healthz")
    assert resources(doc, "aws_route53_health_check")["site"]["resource_path"] == "/healthz"


def test_a_region_opened_after_august_2022_grants_the_log_delivery_principal_only(synth):
    doc = synth("production", "aws", "region=eu-central-2")
    assert "aws_elb_service_account" not in doc.get("data", {})
    logs = policy(resources(doc, "aws_s3_bucket_policy")["logs"])
    sids = {s["Sid"]: s for s in logs["Statement"]}
    assert "AlbAccessLogs" not in sids
    assert sids["AlbAccessLogsDelivery"]["Principal"] == {
        "Service": "logdelivery.elasticloadbalancing.amazonaws.com"}


def test_an_older_region_grants_its_elb_account_too(aws):
    assert "main" in aws["data"]["aws_elb_service_account"]


def test_a_misspelt_region_is_refused_with_the_closest_name():
    from prodstack.config.load import load_settings
    from prodstack.core.errors import SettingError

    with pytest.raises(SettingError, match=r"'us-wset-1'.*did you mean us-west-1"):
        load_settings(overrides=["region=us-wset-1"])
    assert load_settings(overrides=["region=il-central-1"]).region == "il-central-1"


def test_zones_are_chosen_among_those_that_offer_the_instance_type(aws):
    offers = aws["data"]["aws_ec2_instance_type_offerings"]["web"]
    assert offers["filter"] == [{"name": "instance-type", "values": ["t4g.small"]}]
    assert "offer instance type t4g.small" in \
        offers["lifecycle"]["postcondition"][0]["error_message"]
    assert "data.aws_ec2_instance_type_offerings.web.locations" in aws["locals"]["usable_azs"]
    zones = [s["availability_zone"] for s in resources(aws, "aws_subnet").values()]
    assert set(zones) == {"${local.usable_azs[0]}", "${local.usable_azs[1]}"}


def test_alarms_may_use_the_topics_key_for_this_accounts_alarms_only(aws):
    key = policy(resources(aws, "aws_kms_key")["logs"])
    [grant] = [s for s in key["Statement"] if s["Sid"] == "AlarmsPublishToTheEncryptedTopic"]
    assert grant["Condition"]["StringEquals"]["aws:SourceAccount"] == \
        "${data.aws_caller_identity.current.account_id}"
    assert grant["Condition"]["ArnLike"]["aws:SourceArn"].endswith(
        ":cloudwatch:us-west-1:${data.aws_caller_identity.current.account_id}:alarm:*")

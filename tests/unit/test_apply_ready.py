"""What AWS enforces and the emulator does not, pinned on the synthesized aws production stack:
one test per defect a first `up --target aws` would have met (issue "Apply-ready on a real
AWS account"). Each of these failed on the stack as it was before."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import resources


def policy(body: dict[str, Any], key: str = "policy") -> dict[str, Any]:
    return json.loads(body[key])


def statement(doc: dict[str, Any], sid: str) -> dict[str, Any]:
    return next(s for s in doc["Statement"] if s.get("Sid") == sid)


@pytest.fixture
def aws(synth):
    return synth("production", "aws")


def test_cloudtrail_may_describe_its_key_without_an_encryption_context(aws):
    key = policy(resources(aws, "aws_kms_key")["logs"])
    trail = [s for s in key["Statement"] if s["Principal"] == {
        "Service": "cloudtrail.amazonaws.com"}]
    describe = [s for s in trail if "kms:DescribeKey" in json.dumps(s["Action"])]
    assert len(describe) == 1
    assert "kms:EncryptionContext" not in json.dumps(describe[0].get("Condition", {}))
    encrypt = next(s for s in trail if s["Action"] == "kms:GenerateDataKey*")
    assert "kms:EncryptionContext:aws:cloudtrail:arn" in json.dumps(encrypt["Condition"])
    trail_name = resources(aws, "aws_cloudtrail")["main"]["name"]
    for each in trail:  # confused deputy: only this trail
        assert each["Condition"]["StringEquals"]["aws:SourceArn"].endswith(f":trail/{trail_name}")


def test_config_delivers_to_a_bucket_without_object_lock(aws):
    channel = resources(aws, "aws_config_delivery_channel")["main"]
    assert channel["s3_bucket_name"] == "${aws_s3_bucket.logs.id}"
    assert "logs" not in resources(aws, "aws_s3_bucket_object_lock_configuration")
    assert resources(aws, "aws_s3_bucket")["logs"].get("object_lock_enabled") is None
    logs_policy = policy(resources(aws, "aws_s3_bucket_policy")["logs"])
    write = statement(logs_policy, "ConfigWrite")
    assert write["Resource"].endswith("/config/AWSLogs/${data.aws_caller_identity.current."
                                      "account_id}/Config/*")
    audit_policy = json.dumps(policy(resources(aws, "aws_s3_bucket_policy")["audit"]))
    assert "config.amazonaws.com" not in audit_policy


def test_the_config_role_itself_may_write_the_delivery_bucket(aws):
    role_policy = policy(resources(aws, "aws_iam_role_policy")["config_delivery"])
    assert resources(aws, "aws_iam_role_policy")["config_delivery"]["role"] == \
        "${aws_iam_role.config.id}"
    actions = {s["Action"] for s in role_policy["Statement"]}
    assert actions == {"s3:PutObject", "s3:GetBucketAcl"}
    put = statement(role_policy, "DeliverConfigurationHistory")
    assert put["Condition"]["StringLike"]["s3:x-amz-acl"] == "bucket-owner-full-control"
    recorder_status_deps = resources(aws, "aws_config_delivery_channel")["main"]["depends_on"]
    assert "aws_iam_role_policy.config_delivery" in recorder_status_deps


def test_account_global_names_carry_the_region(aws):
    for kind in ("aws_iam_role", "aws_iam_instance_profile"):
        for body in resources(aws, kind).values():
            assert body["name"].startswith("prodstack-production-us-west-1-"), body["name"]
    assert resources(aws, "aws_cloudtrail")["main"]["name"] == \
        "prodstack-production-us-west-1-trail"
    assert aws["terraform"]["backend"]["s3"]["key"] == \
        "prodstack/production/us-west-1/terraform.tfstate"
    record = resources(aws, "aws_route53_record")["site"]
    assert record["set_identifier"] == "us-west-1"
    assert record["latency_routing_policy"] == [{"region": "us-west-1"}]


def test_cpu_is_watched_on_both_colours_and_the_gate_reads_its_alarms_from_outputs(aws):
    alarms = resources(aws, "aws_cloudwatch_metric_alarm")
    cpu = {n: a for n, a in alarms.items() if a["metric_name"] == "CPUUtilization"
           and a["namespace"] == "AWS/EC2"}
    assert {a["dimensions"]["AutoScalingGroupName"] for a in cpu.values()} == {
        "${aws_autoscaling_group.web_blue.name}", "${aws_autoscaling_group.web_green.name}"}
    gate = aws["output"]["deploy_gate_alarms"]["value"]
    assert gate["green"] == ["${aws_cloudwatch_metric_alarm.alb_5xx.alarm_name}",
                             "${aws_cloudwatch_metric_alarm.target_5xx.alarm_name}",
                             "${aws_cloudwatch_metric_alarm.unhealthy_hosts_green.alarm_name}"]


def test_patching_never_reboots_an_instance_behind_elb_health_checks(aws):
    task = resources(aws, "aws_ssm_maintenance_window_task")["patch"]
    parameters = task["task_invocation_parameters"][0]["run_command_parameters"][0]["parameter"]
    assert {"name": "RebootOption", "values": ["NoReboot"]} in parameters
    assert all(g["health_check_type"] == "ELB" for g in
               resources(aws, "aws_autoscaling_group").values())


def test_the_cloudwatch_agent_writes_only_its_own_groups_and_namespace(aws):
    agent = policy(resources(aws, "aws_iam_role_policy")["web_cloudwatch_agent"])
    groups = statement(agent, "OwnLogGroups")
    assert set(groups["Action"]) == {"logs:CreateLogStream", "logs:PutLogEvents",
                                     "logs:DescribeLogStreams"}
    # the environment's own groups (httpd's, and the application's that an extension adds
    # under /prodstack/production/), never the trail's or the flow logs' (/prodstack-production/)
    assert groups["Resource"].endswith(":log-group:/prodstack/production/*:*")
    assert statement(agent, "OwnMetrics")["Condition"]["StringEquals"][
        "cloudwatch:namespace"] == "prodstack/production"
    text = json.dumps(agent)
    assert "PutRetentionPolicy" not in text and "CreateLogGroup" not in text
    attached = [a["policy_arn"] for a in resources(aws, "aws_iam_role_policy_attachment").values()]
    assert not any("CloudWatchAgentServerPolicy" in arn for arn in attached)


def test_the_data_key_names_its_principals(aws):
    key = policy(resources(aws, "aws_kms_key")["data"])
    for each in key["Statement"]:
        if each["Sid"] == "AccountAdministers":
            continue
        condition = each["Condition"]["StringEquals"]
        assert condition["aws:PrincipalArn"].endswith(
            ":role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling")
        assert "kms:ViaService" not in json.dumps(each)
    grant = statement(key, "AutoScalingGrantsForItsVolumes")
    assert grant["Action"] == "kms:CreateGrant"
    assert grant["Condition"]["Bool"] == {"kms:GrantIsForAWSResource": "true"}


def test_no_key_grant_that_no_resource_uses(aws):
    logs_key = json.dumps(policy(resources(aws, "aws_kms_key")["logs"]))
    assert "events.amazonaws.com" not in logs_key and "backup.amazonaws.com" not in logs_key


def test_service_principals_carry_source_conditions(aws):
    buckets = {n: policy(b) for n, b in resources(aws, "aws_s3_bucket_policy").items()}
    for doc in buckets.values():
        for each in doc["Statement"]:
            service = each.get("Principal", {}).get("Service")
            if service in ("cloudtrail.amazonaws.com", "config.amazonaws.com",
                           "logging.s3.amazonaws.com"):
                condition = json.dumps(each["Condition"])
                assert "aws:SourceArn" in condition or "aws:SourceAccount" in condition, each
    waf = policy(resources(aws, "aws_cloudwatch_log_resource_policy")["waf"], "policy_document")
    assert waf["Statement"][0]["Condition"]["StringEquals"]["aws:SourceAccount"]


def test_rds_log_exports_go_to_groups_the_stack_owns(aws):
    db = resources(aws, "aws_db_instance")["main"]
    groups = resources(aws, "aws_cloudwatch_log_group")
    for log in db["enabled_cloudwatch_logs_exports"]:
        group = groups[f"rds_{log}"]
        assert group["name"] == f"/aws/rds/instance/{db['identifier']}/{log}"
        assert group["kms_key_id"] == "${aws_kms_key.logs.arn}"
        assert group["retention_in_days"] == 365
        assert f"aws_cloudwatch_log_group.rds_{log}" in db["depends_on"]


def test_waf_logging_has_a_managed_delivery_policy(aws):
    logging = resources(aws, "aws_wafv2_web_acl_logging_configuration")["web"]
    assert logging["depends_on"] == ["aws_cloudwatch_log_resource_policy.waf"]
    group = resources(aws, "aws_cloudwatch_log_group")["waf"]["name"]
    assert group.startswith("aws-waf-logs-")
    waf = policy(resources(aws, "aws_cloudwatch_log_resource_policy")["waf"], "policy_document")
    assert waf["Statement"][0]["Principal"] == {"Service": "delivery.logs.amazonaws.com"}
    assert waf["Statement"][0]["Resource"].endswith(f":log-group:{group}:log-stream:*")


def test_the_dashboard_averages_cpu_and_shows_p95_latency(aws):
    body = json.loads(resources(aws, "aws_cloudwatch_dashboard")["main"]["dashboard_body"])
    stats = {w["properties"]["title"]: w["properties"]["stat"] for w in body["widgets"]}
    assert stats["Response time (p95)"] == "p95"
    assert stats["Web tier CPU (average)"] == "Average"
    assert stats["Requests and 5xx"] == "Sum"


def test_the_certificate_covers_only_the_served_name(aws):
    cert = resources(aws, "aws_acm_certificate")["site"]
    assert cert["domain_name"] == "shop.acme.io"
    assert "subject_alternative_names" not in cert


@pytest.mark.parametrize("env", ["staging", "dev"])
def test_audit_objects_are_not_archived_just_before_they_expire(synth, env):
    rule = resources(synth(env, "aws"), "aws_s3_bucket_lifecycle_configuration")["audit"]["rule"][0]
    expire = rule["expiration"][0]["days"]
    for transition in rule.get("transition", []):
        assert expire - transition["days"] >= 90  # Glacier IR bills 90 days at least


def test_staging_keeps_its_profiles_protection_and_retention(synth):
    from prodstack.config.profiles import PROFILES

    doc = synth("staging", "aws")
    assert resources(doc, "aws_lb")["web"]["enable_deletion_protection"] is True
    lock = resources(doc, "aws_s3_bucket_object_lock_configuration")["audit"]
    assert lock["rule"][0]["default_retention"][0]["days"] == \
        PROFILES["staging"].audit_retention_days == 180


def test_bucket_policies_are_known_at_plan_time(aws):
    """No managed resource's ARN in a bucket policy (data sources are read at plan time):
    buckets are named by ARNs built from known names, so the plan shows the policies and the
    audit can read them."""
    import re

    for body in resources(aws, "aws_s3_bucket_policy").values():
        assert not re.search(r"\$\{aws_[a-z0-9_]+\.[a-z0-9_]+\.arn\}", body["policy"])

"""The synthesized production stack, module by module: inventories of types, counts and values.

Each test reads the Terraform JSON that `prodstack synth` writes; the catalog id in a test's
name is the failure mode whose fix it pins down.
"""

from __future__ import annotations

import base64
import json

import pytest

from tests.conftest import AWS_SETS, count, resources

PRODUCTION_INVENTORY = {
    "aws_vpc": 1, "aws_subnet": 6, "aws_internet_gateway": 1, "aws_nat_gateway": 2,
    "aws_eip": 2, "aws_route_table": 4, "aws_route_table_association": 6, "aws_route": 3,
    "aws_vpc_endpoint": 2, "aws_flow_log": 1, "aws_security_group": 3,
    "aws_lb": 1, "aws_lb_listener": 2, "aws_lb_target_group": 2, "aws_acm_certificate": 1,
    "aws_acm_certificate_validation": 1, "aws_wafv2_web_acl": 1,
    "aws_wafv2_web_acl_association": 1, "aws_launch_template": 1,
    "aws_autoscaling_group": 2, "aws_autoscaling_policy": 4, "aws_db_instance": 1,
    "aws_s3_bucket": 3, "aws_s3_bucket_public_access_block": 3, "aws_s3_bucket_versioning": 3,
    "aws_s3_bucket_policy": 3, "aws_s3_bucket_lifecycle_configuration": 3,
    "aws_cloudtrail": 1, "aws_config_configuration_recorder": 1,
    "aws_config_delivery_channel": 1, "aws_config_config_rule": 6, "aws_sns_topic": 1,
    "aws_cloudwatch_metric_alarm": 16, "aws_cloudwatch_log_metric_filter": 4,
    "aws_cloudwatch_dashboard": 1, "aws_ssm_maintenance_window": 1, "aws_backup_plan": 1,
    "aws_backup_vault": 1, "aws_kms_key": 2,
}


@pytest.mark.parametrize("target", ["local", "aws"])
def test_production_inventory(synth, target):
    doc = synth("production", target)
    got = {t: count(doc, t) for t in PRODUCTION_INVENTORY}
    assert got == PRODUCTION_INVENTORY


def test_every_part_of_the_design_on_both_targets(synth):
    for target in ("local", "aws"):
        doc = synth("production", target)
        assert set(PRODUCTION_INVENTORY) <= set(doc["resource"]), target


def test_default_tags_spell_environment_in_lower_case(synth):
    provider = synth()["provider"]["aws"][0]
    assert provider["default_tags"][0]["tags"] == {
        "environment": "production", "project": "prodstack", "managed-by": "prodstack"}


# --- network -------------------------------------------------------------------------------

def test_subnets_per_tier_and_az_do_not_overlap(synth):
    subnets = resources(synth(), "aws_subnet")
    cidrs = [s["cidr_block"] for s in subnets.values()]
    assert len(set(cidrs)) == 6
    assert {n.split("_")[0] for n in subnets} == {"public", "app", "db"}
    assert all(not s.get("map_public_ip_on_launch") for s in subnets.values())


def test_fm_3_2_each_app_route_table_uses_its_own_nat(synth):
    routes = resources(synth(), "aws_route")
    nats = {r["nat_gateway_id"] for n, r in routes.items() if n.startswith("app_")}
    assert nats == {"${aws_nat_gateway.az_0.id}", "${aws_nat_gateway.az_1.id}"}


def test_dev_declares_its_single_nat_trade(synth):
    doc = synth("dev")
    assert count(doc, "aws_nat_gateway") == 1
    from prodstack.config.profiles import PROFILES
    assert "FM-3.2" in {t.fm_id for t in PROFILES["dev"].trades}


def test_three_azs_give_three_nats(synth):
    doc = synth("production", "local", "azs=3")
    assert count(doc, "aws_nat_gateway") == 3
    assert count(doc, "aws_subnet") == 9


def test_fm_5_1_gateway_endpoints_on_private_route_tables(synth):
    endpoints = resources(synth(), "aws_vpc_endpoint")
    assert {e["service_name"] for e in endpoints.values()} == {
        "com.amazonaws.us-west-1.s3", "com.amazonaws.us-west-1.dynamodb"}
    for endpoint in endpoints.values():
        assert endpoint["vpc_endpoint_type"] == "Gateway"
        assert len(endpoint["route_table_ids"]) == 3  # app per AZ + database


def test_fm_4_3_flow_logs_to_encrypted_log_group(synth):
    doc = synth()
    flow = resources(doc, "aws_flow_log")["vpc"]
    assert flow["traffic_type"] == "ALL" and flow["vpc_id"] == "${aws_vpc.main.id}"
    assert resources(doc, "aws_cloudwatch_log_group")["flow_logs"]["kms_key_id"]


def test_database_port_is_open_only_to_the_web_tier(synth):
    rules = resources(synth(), "aws_vpc_security_group_ingress_rule")
    db_sg = "${aws_security_group.db.id}"
    db_rules = [r for r in rules.values() if r["security_group_id"] == db_sg]
    assert db_rules == [rules["db_from_web"]]
    assert db_rules[0]["referenced_security_group_id"] == "${aws_security_group.web.id}"
    assert all("cidr_ipv4" not in r for r in db_rules)


# --- edge ----------------------------------------------------------------------------------

def test_fm_1_1_listener_uses_the_validated_certificate(synth):
    doc = synth("production", "aws")
    https = resources(doc, "aws_lb_listener")["https"]
    assert https["certificate_arn"] == "${aws_acm_certificate_validation.site.certificate_arn}"
    assert resources(doc, "aws_acm_certificate")["site"]["domain_name"] == "shop.acme.io"
    records = resources(doc, "aws_route53_record")["certificate_validation"]
    assert records["zone_id"] == "Z0123456789ABC"


def test_fm_1_1_existing_certificate_skips_acm(synth):
    arn = "arn:aws:acm:us-west-1:123456789012:certificate/0f3a2b1c-aaaa-bbbb-cccc-0123456789ab"
    doc = synth("production", "aws", f"certificate_arn={arn}")
    assert count(doc, "aws_acm_certificate") == 0
    assert resources(doc, "aws_lb_listener")["https"]["certificate_arn"] == arn


def test_fm_x7_https_listener_tls13_and_http_redirects(synth):
    listeners = resources(synth(), "aws_lb_listener")
    assert listeners["https"]["ssl_policy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    redirect = listeners["http"]["default_action"][0]
    assert redirect["type"] == "redirect"
    assert redirect["redirect"][0]["protocol"] == "HTTPS"


def test_alb_hardening(synth):
    alb = resources(synth(), "aws_lb")["web"]
    assert alb["internal"] is False and alb["drop_invalid_header_fields"] is True
    assert alb["access_logs"][0]["enabled"] is True
    assert alb["enable_deletion_protection"] is True


def test_fm_2_1_waf_rate_rule_and_managed_groups_associated(synth):
    doc = synth()
    acl = resources(doc, "aws_wafv2_web_acl")["web"]
    kinds = [next(iter(rule["statement"][0])) for rule in acl["rule"]]
    assert kinds[0] == "rate_based_statement"
    assert kinds.count("managed_rule_group_statement") >= 3
    assoc = resources(doc, "aws_wafv2_web_acl_association")["web"]
    assert assoc["resource_arn"] == "${aws_lb.web.arn}"


def test_fm_6_1_weighted_forward_to_blue_and_green(synth):
    https = resources(synth(), "aws_lb_listener")["https"]
    groups = https["default_action"][0]["forward"][0]["target_group"]
    assert [g["weight"] for g in groups] == [100, 0]
    assert {g["arn"] for g in groups} == {"${aws_lb_target_group.blue.arn}",
                                          "${aws_lb_target_group.green.arn}"}
    assert https["lifecycle"]["ignore_changes"] == ["default_action"]


# --- web tier ------------------------------------------------------------------------------

def test_fm_x6_launch_template_requires_imdsv2_and_encrypts(synth):
    lt = resources(synth(), "aws_launch_template")["web"]
    assert lt["metadata_options"][0]["http_tokens"] == "required"
    ebs = lt["block_device_mappings"][0]["ebs"][0]
    assert ebs["encrypted"] == "true" and ebs["kms_key_id"] == "${aws_kms_key.data.arn}"
    assert lt["monitoring"][0]["enabled"] is True
    assert lt["network_interfaces"][0]["associate_public_ip_address"] is False
    script = base64.b64decode(lt["user_data"]).decode()
    assert "Production Server" in script and "amazon-cloudwatch-agent" in script


def test_graviton_default_uses_the_arm64_image(synth):
    data = synth()["data"]["aws_ssm_parameter"]["al2023"]
    assert data["name"].endswith("al2023-ami-kernel-default-arm64")
    doc = synth("production", "local", "instance_type=t3.small")
    assert doc["data"]["aws_ssm_parameter"]["al2023"]["name"].endswith("x86_64")


@pytest.mark.parametrize("colour", ["blue", "green"])
def test_fm_3_4_x2_x3_asg_health_checks_pinned_version_no_desired(synth, colour):
    asg = resources(synth(), "aws_autoscaling_group")[f"web_{colour}"]
    assert asg["health_check_type"] == "ELB"
    assert asg["health_check_grace_period"] >= 600
    release = "jsondecode(aws_ssm_parameter.release.insecure_value)"
    assert asg["launch_template"][0] == {
        "id": f"${{try({release}.templates.{colour}.id, aws_launch_template.web.id)}}",
        "version": f'${{try({release}.templates.{colour}.version == "terraform" ? '
                   "tostring(aws_launch_template.web.default_version) : "
                   f"{release}.templates.{colour}.version, "
                   "tostring(aws_launch_template.web.default_version))}"}
    assert asg["instance_refresh"][0]["strategy"] == "Rolling"
    assert "desired_capacity" not in asg
    assert len(asg["vpc_zone_identifier"]) == 2
    assert asg["target_group_arns"] == [f"${{aws_lb_target_group.{colour}.arn}}"]


def test_fm_6_1_release_record_owns_live_colour_and_versions(synth):
    doc = synth()
    asgs = resources(doc, "aws_autoscaling_group")
    release = "jsondecode(aws_ssm_parameter.release.insecure_value)"
    assert asgs["web_blue"]["min_size"] == f'${{try({release}.live, "blue") == "blue" ? 2 : 0}}'
    assert asgs["web_green"]["min_size"] == (
        f'${{try({release}.live, "blue") == "green" ? 2 : 0}}')
    record = resources(doc, "aws_ssm_parameter")["release"]
    assert record["lifecycle"] == {"ignore_changes": ["insecure_value"]}
    # Known at plan time: a first plan shows each ASG's real size (and `prodstack cost` can
    # price it); the templates are filled in by the first deploy.
    assert record["insecure_value"] == '${jsonencode({live = "blue"})}'


def test_fm_3_3_target_tracking_on_cpu_and_requests(synth):
    policies = resources(synth(), "aws_autoscaling_policy")
    metrics = sorted(p["target_tracking_configuration"][0]["predefined_metric_specification"][0]
                     ["predefined_metric_type"] for p in policies.values())
    assert metrics == ["ALBRequestCountPerTarget"] * 2 + ["ASGAverageCPUUtilization"] * 2


def test_instance_role_reads_only_its_own_secret(synth):
    doc = synth()
    attached = {a["policy_arn"].rsplit("/", 1)[-1]
                for n, a in resources(doc, "aws_iam_role_policy_attachment").items()
                if n.startswith("web_")}
    assert attached == {"AmazonSSMManagedInstanceCore"}
    policy = json.loads(resources(doc, "aws_iam_role_policy")["web_read_db_secret"]["policy"])
    resources_read = [s["Resource"] for s in policy["Statement"]]
    assert resources_read[0] == "${aws_db_instance.main.master_user_secret[0].secret_arn}"
    assert "*" not in resources_read


# --- database ------------------------------------------------------------------------------

def test_database_production_values(synth):
    db = resources(synth(), "aws_db_instance")["main"]
    assert db["publicly_accessible"] is False  # FM-2.2 written out
    assert db["multi_az"] is True  # FM-3.1
    assert db["manage_master_user_password"] is True and "password" not in db  # FM-X1
    assert db["engine_version"] == "16" and db["auto_minor_version_upgrade"] is True  # FM-X4
    assert db["deletion_protection"] is True and db["skip_final_snapshot"] is False  # FM-X5
    assert db["max_allocated_storage"] > db["allocated_storage"]  # FM-5.3
    assert db["backup_retention_period"] >= 7  # FM-4.4
    assert db["storage_encrypted"] is True and db["kms_key_id"]
    assert db["db_name"] == "productiondb"
    assert db["final_snapshot_identifier"].startswith("prodstack-production-db-final-")


def test_dev_database_trades_are_declared(synth):
    db = resources(synth("dev"), "aws_db_instance")["main"]
    assert db["multi_az"] is False and db["skip_final_snapshot"] is True
    from prodstack.config.profiles import PROFILES
    assert {"FM-3.1", "FM-X5"} <= {t.fm_id for t in PROFILES["dev"].trades}
    assert not PROFILES["production"].trades


# --- storage, audit, monitoring, operations --------------------------------------------------

def test_buckets_are_private_versioned_encrypted_tls_only(synth):
    doc = synth()
    for name in ("logs", "audit", "data"):
        assert resources(doc, "aws_s3_bucket_public_access_block")[name]["block_public_policy"]
        status = resources(doc, "aws_s3_bucket_versioning")[name]["versioning_configuration"]
        assert status == [{"status": "Enabled"}]
        policy = json.loads(resources(doc, "aws_s3_bucket_policy")[name]["policy"])
        deny = policy["Statement"][0]
        assert deny["Effect"] == "Deny"
        assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    sse = resources(doc, "aws_s3_bucket_server_side_encryption_configuration")
    assert sse["data"]["rule"][0]["apply_server_side_encryption_by_default"][0][
        "sse_algorithm"] == "aws:kms"
    # ALB and S3 access logs only land in SSE-S3 buckets
    assert sse["logs"]["rule"][0]["apply_server_side_encryption_by_default"][0][
        "sse_algorithm"] == "AES256"
    assert set(resources(doc, "aws_s3_bucket_logging")) == {"audit", "data"}


def test_fm_2_3_audit_bucket_has_object_lock(synth):
    doc = synth()
    assert resources(doc, "aws_s3_bucket")["audit"]["object_lock_enabled"] is True
    lock = resources(doc, "aws_s3_bucket_object_lock_configuration")["audit"]
    # production: no one may delete the trail's logs before their retention ends
    assert lock["rule"][0]["default_retention"][0]["mode"] == "COMPLIANCE"
    staging = resources(synth("staging"), "aws_s3_bucket_object_lock_configuration")["audit"]
    assert staging["rule"][0]["default_retention"][0]["mode"] == "GOVERNANCE"


def test_fm_2_4_trail_to_cloudwatch_logs(synth):
    doc = synth()
    trail = resources(doc, "aws_cloudtrail")["main"]
    assert trail["is_multi_region_trail"] and trail["enable_log_file_validation"]
    assert trail["kms_key_id"] == "${aws_kms_key.logs.arn}"
    assert trail["cloud_watch_logs_group_arn"] == "${aws_cloudwatch_log_group.trail.arn}:*"
    assert resources(doc, "aws_cloudwatch_log_group")["trail"]["retention_in_days"] >= 90
    assert trail["s3_bucket_name"] == "${aws_s3_bucket.audit.id}"


def test_config_rules_cover_the_design(synth):
    rules = {r["source"][0]["source_identifier"]
             for r in resources(synth(), "aws_config_config_rule").values()}
    assert {"S3_BUCKET_PUBLIC_READ_PROHIBITED", "ENCRYPTED_VOLUMES", "RDS_STORAGE_ENCRYPTED",
            "RDS_MULTI_AZ_SUPPORT"} <= rules


def test_fm_4_1_4_2_alarms_cover_the_set_and_all_notify(synth):
    doc = synth()
    alarms = resources(doc, "aws_cloudwatch_metric_alarm")
    metrics = {a["metric_name"] for a in alarms.values()}
    assert {"UnHealthyHostCount", "HTTPCode_ELB_5XX_Count", "TargetResponseTime",
            "CPUUtilization", "FreeStorageSpace", "DatabaseConnections",
            "ErrorPortAllocation"} <= metrics
    for alarm in alarms.values():
        assert alarm["alarm_actions"] == ["${aws_sns_topic.alarms.arn}"]
        assert alarm["actions_enabled"] is True
    assert count(doc, "aws_sns_topic_subscription") >= 1
    assert resources(doc, "aws_sns_topic")["alarms"]["kms_master_key_id"]


def test_trail_metric_filters(synth):
    filters = resources(synth(), "aws_cloudwatch_log_metric_filter")
    assert set(filters) == {"root_account_usage", "unauthorized_api_calls",
                            "iam_policy_changes", "console_signin_without_mfa"}


def test_alarm_emails_from_settings(synth):
    doc = synth("production", "local", "alarm_emails=a@acme.io,b@acme.io")
    subs = resources(doc, "aws_sns_topic_subscription")
    assert sorted(s["endpoint"] for s in subs.values()) == ["a@acme.io", "b@acme.io"]


def test_fm_4_4_backup_plan_and_selection_on_aws(synth):
    doc = synth("production", "aws")
    assert resources(doc, "aws_backup_selection")["database"]["resources"] == [
        "${aws_db_instance.main.arn}"]
    rule = resources(doc, "aws_backup_plan")["main"]["rule"][0]
    assert rule["lifecycle"][0]["delete_after"] >= 7


def test_patching_window_targets_the_web_tier_on_aws(synth):
    doc = synth("production", "aws")
    target = resources(doc, "aws_ssm_maintenance_window_target")["web"]
    assert target["targets"][0] == {"key": "tag:PatchGroup",
                                    "values": ["prodstack-production-web"]}
    task = resources(doc, "aws_ssm_maintenance_window_task")["patch"]
    assert task["task_arn"] == "AWS-RunPatchBaseline"


def test_ssm_parameters_are_the_release_record_and_the_app_configuration(synth):
    """.checkov.yaml skips CKV2_AWS_34 (SSM parameters encrypted) for the release record and
    the application's configuration alone: String parameters none of which holds a secret
    (the database password stays in its RDS-managed secret; app.env keys that look like
    secrets are refused). Another parameter, or one of these turning secret, fails here."""
    from prodstack.config.naming import STACK_KEYS

    for env in ("production", "staging", "dev"):
        for doc in (synth(env), synth(env, "aws", *AWS_SETS)):
            params = resources(doc, "aws_ssm_parameter")
            assert sorted(params) == sorted(
                ["release", *(f"app_{key.lower()}" for key in STACK_KEYS)])
            for label, param in params.items():
                assert param["type"] == "String" and "value" not in param, label
                if label != "release":
                    assert param["name"].startswith(f"/prodstack/{env}/app/")
            secret = params["app_db_secret_arn"]["insecure_value"]
            assert secret == "${aws_db_instance.main.master_user_secret[0].secret_arn}"

"""The production stack on the emulator: up, a clean re-plan, live checks, down --purge.

One deployment shared by the whole module; the last test tears it down and proves through
boto3 that nothing is left. If a test in between fails, the fixture still purges.
"""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import Cli, boto

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def deployed(cli: Cli, fresh_emulator: str):
    cli("up")
    outputs = json.loads(cli("outputs", "--format", "json").stdout)
    yield outputs
    state = cli.home / "local-production" / "terraform.tfstate"
    if state.exists() and json.loads(state.read_text()).get("resources"):
        cli("down", "--yes", "--purge", check=False)


def test_up_prints_the_outputs(deployed):
    assert deployed["environment"] == "production"
    assert deployed["vpc_id"].startswith("vpc-")
    assert len(deployed["nat_gateway_ids"]) == 2
    assert set(deployed["target_groups"]) == {"blue", "green"}
    assert deployed["url"] == "https://prodstack-demo.test/"


def test_replan_shows_no_changes(cli, deployed):
    proc = cli("plan", "--detailed-exitcode", check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No changes" in proc.stdout


def test_live_network_and_edge(deployed, fresh_emulator):
    ec2 = boto("ec2", fresh_emulator)
    nats = ec2.describe_nat_gateways(
        Filters=[{"Name": "vpc-id", "Values": [deployed["vpc_id"]]}])["NatGateways"]
    assert len({n["SubnetId"] for n in nats if n["State"] == "available"}) == 2
    elbv2 = boto("elbv2", fresh_emulator)
    lb = elbv2.describe_load_balancers(LoadBalancerArns=[deployed["alb_arn"]])
    assert lb["LoadBalancers"][0].get("Scheme", "internet-facing") == "internet-facing"
    listener = elbv2.describe_listeners(ListenerArns=[deployed["https_listener_arn"]])
    assert listener["Listeners"][0]["SslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    acm = boto("acm", fresh_emulator)
    cert = acm.describe_certificate(CertificateArn=listener["Listeners"][0]["Certificates"][0][
        "CertificateArn"])
    assert cert["Certificate"]["Status"] == "ISSUED"
    waf = boto("wafv2", fresh_emulator)
    acl = waf.get_web_acl_for_resource(ResourceArn=deployed["alb_arn"])["WebACL"]
    assert any("RateBasedStatement" in r["Statement"] for r in acl["Rules"])


def test_live_web_tier_and_database(deployed, fresh_emulator):
    asg = boto("autoscaling", fresh_emulator).describe_auto_scaling_groups(
        AutoScalingGroupNames=[deployed["asg_names"]["blue"]])["AutoScalingGroups"][0]
    assert asg["HealthCheckType"] == "ELB" and asg["HealthCheckGracePeriod"] >= 600
    assert len(asg["Instances"]) >= 2
    db = boto("rds", fresh_emulator).describe_db_instances(
        DBInstanceIdentifier=deployed["db_identifier"])["DBInstances"][0]
    assert db["MultiAZ"] is True and db["PubliclyAccessible"] is False
    assert db["StorageEncrypted"] is True and db["DeletionProtection"] is True
    assert db["MasterUserSecret"]["SecretArn"] == deployed["db_secret_arn"]


def test_live_audit(deployed, fresh_emulator):
    status = boto("cloudtrail", fresh_emulator).get_trail_status(Name=deployed["trail_name"])
    assert status["IsLogging"] is True
    recorders = boto("config", fresh_emulator).describe_configuration_recorder_status()
    assert recorders["ConfigurationRecordersStatus"][0]["recording"] is True


def verify(cli: Cli) -> tuple[int, dict[str, dict]]:
    proc = cli("verify", "--format", "json", check=False)
    assert "Traceback" not in proc.stderr
    checks = {c["id"]: c for c in json.loads(proc.stdout)["checks"]}
    return proc.returncode, checks


def test_verify_passes_on_a_fresh_deployment(cli, deployed):
    code, checks = verify(cli)
    failed = {i: c["detail"] for i, c in checks.items() if c["status"] == "fail"}
    assert code == 0 and not failed, failed
    passed = [i for i, c in checks.items() if c["status"] == "pass"]
    assert len(passed) >= 15
    for fm in ("FM-3.1", "FM-4.3", "FM-2.1", "FM-4.2", "FM-2.4", "FM-3.2", "FM-X6", "FM-1.1"):
        assert checks[fm]["status"] == "pass", checks[fm]
    assert checks["FM-7.1"]["status"] == "n/a" and checks["FM-7.1"]["detail"]


def _alarm_name(deployed) -> str:
    return deployed["alarm_topic_arn"].rsplit(":", 1)[-1].replace("-alarms", "-alb-5xx")


FAULTS = {
    "FM-3.1": (
        lambda url, out: boto("rds", url).modify_db_instance(
            DBInstanceIdentifier=out["db_identifier"], MultiAZ=False, ApplyImmediately=True),
        lambda url, out: boto("rds", url).modify_db_instance(
            DBInstanceIdentifier=out["db_identifier"], MultiAZ=True, ApplyImmediately=True)),
    "FM-2.1": (
        lambda url, out: boto("wafv2", url).disassociate_web_acl(ResourceArn=out["alb_arn"]),
        lambda url, out: boto("wafv2", url).associate_web_acl(
            WebACLArn=out["web_acl_arn"], ResourceArn=out["alb_arn"])),
    "FM-4.2": (
        lambda url, out: boto("cloudwatch", url).disable_alarm_actions(
            AlarmNames=[_alarm_name(out)]),
        lambda url, out: boto("cloudwatch", url).enable_alarm_actions(
            AlarmNames=[_alarm_name(out)])),
    "FM-2.4": (
        lambda url, out: boto("cloudtrail", url).stop_logging(Name=out["trail_name"]),
        lambda url, out: boto("cloudtrail", url).start_logging(Name=out["trail_name"])),
}


@pytest.mark.parametrize("fm_id", sorted(FAULTS))
def test_out_of_band_change_fails_verify_naming_the_id(cli, deployed, fresh_emulator, fm_id):
    inject, repair = FAULTS[fm_id]
    inject(fresh_emulator, deployed)
    try:
        code, checks = verify(cli)
        assert code == 1
        assert checks[fm_id]["status"] == "fail", checks[fm_id]
        assert [i for i, c in checks.items() if c["status"] == "fail"] == [fm_id]
    finally:
        repair(fresh_emulator, deployed)
    assert verify(cli)[0] == 0


def test_deleted_flow_logs_fail_verify_and_up_repairs_them(cli, deployed, fresh_emulator):
    boto("ec2", fresh_emulator).delete_flow_logs(FlowLogIds=[deployed["flow_log_id"]])
    code, checks = verify(cli)
    assert code == 1 and checks["FM-4.3"]["status"] == "fail"
    cli("up")
    assert verify(cli)[0] == 0
    assert cli("plan", "--detailed-exitcode", check=False).returncode == 0


def _weights(deployed, url) -> dict[str, int]:
    listener = boto("elbv2", url).describe_listeners(
        ListenerArns=[deployed["https_listener_arn"]])["Listeners"][0]
    groups = listener["DefaultActions"][0]["ForwardConfig"]["TargetGroups"]
    colour = {arn: c for c, arn in deployed["target_groups"].items()}
    return {colour[g["TargetGroupArn"]]: g["Weight"] for g in groups}


def _desired(deployed, url) -> dict[str, int]:
    groups = boto("autoscaling", url).describe_auto_scaling_groups(
        AutoScalingGroupNames=list(deployed["asg_names"].values()))["AutoScalingGroups"]
    colour = {name: c for c, name in deployed["asg_names"].items()}
    return {colour[g["AutoScalingGroupName"]]: g["DesiredCapacity"] for g in groups}


def _report(proc) -> dict:
    """The deploy's JSON report; a deploy that printed none fails with its stderr."""
    assert proc.stdout.strip(), f"deploy exited {proc.returncode}: {proc.stderr[-3000:]}"
    return json.loads(proc.stdout)


FAST = ("--step-seconds", "0", "--poll-seconds", "1", "--timeout", "60", "--format", "json")


def test_deploy_shifts_traffic_to_the_new_colour(cli, deployed, fresh_emulator):
    proc = cli("deploy", "--image-id", "ami-0fedcba9876543210", *FAST)
    report = _report(proc)
    assert (report["status"], report["from"], report["to"]) == ("succeeded", "blue", "green")
    assert [s["weight"] for s in report["steps"]] == [10, 50, 100]
    assert _weights(deployed, fresh_emulator) == {"blue": 0, "green": 100}
    assert _desired(deployed, fresh_emulator)["blue"] == 0
    assert cli("plan", "--detailed-exitcode", check=False).returncode == 0
    assert verify(cli)[0] == 0


def test_failed_gate_rolls_back(cli, deployed, fresh_emulator):
    alarm = deployed["alarm_topic_arn"].rsplit(":", 1)[-1].replace("-alarms", "-target-5xx")
    cloudwatch = boto("cloudwatch", fresh_emulator)
    cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="test")
    try:
        proc = cli("deploy", "--image-id", "ami-0aaaaaaaaaaaaaaa1", *FAST, check=False)
    finally:
        cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="OK", StateReason="test")
    report = _report(proc)
    assert proc.returncode == 1 and report["status"] == "rolled_back"
    assert alarm in report["steps"][0]["alarms"] and len(report["steps"]) == 1
    assert _weights(deployed, fresh_emulator) == {"blue": 0, "green": 100}
    assert _desired(deployed, fresh_emulator)["blue"] == 0
    assert cli("plan", "--detailed-exitcode", check=False).returncode == 0


def test_deploy_rollback_returns_to_the_previous_colour(cli, deployed, fresh_emulator):
    report = _report(cli("deploy", "--rollback", *FAST))
    assert (report["status"], report["to"]) == ("succeeded", "blue")
    assert _weights(deployed, fresh_emulator) == {"blue": 100, "green": 0}
    assert cli("plan", "--detailed-exitcode", check=False).returncode == 0


def test_down_keeps_audit_data_and_the_next_up_adopts_it(cli, deployed, fresh_emulator):
    proc = cli("down", "--yes")
    assert "final database snapshot: prodstack-production-db-final-" in proc.stdout
    snapshot = proc.stdout.split("final database snapshot: ")[1].split()[0]
    rds = boto("rds", fresh_emulator)
    assert rds.describe_db_snapshots(DBSnapshotIdentifier=snapshot)["DBSnapshots"]
    assert rds.describe_db_instances()["DBInstances"] == []
    ec2 = boto("ec2", fresh_emulator)
    assert [v for v in ec2.describe_vpcs()["Vpcs"] if not v.get("IsDefault")] == []
    buckets = {b["Name"] for b in boto("s3", fresh_emulator).list_buckets()["Buckets"]}
    assert buckets == {deployed["buckets"]["audit"], deployed["buckets"]["logs"]}
    cli("up")
    again = json.loads(cli("outputs", "--format", "json").stdout)
    assert again["buckets"] == deployed["buckets"]
    assert cli("plan", "--detailed-exitcode", check=False).returncode == 0


def test_down_purge_leaves_nothing(cli, deployed, fresh_emulator):
    proc = cli("down", "--yes", "--purge")
    assert "destroyed" in proc.stdout
    ec2 = boto("ec2", fresh_emulator)
    vpcs = [v for v in ec2.describe_vpcs()["Vpcs"] if not v.get("IsDefault")]
    assert vpcs == []
    nats = [n for n in ec2.describe_nat_gateways()["NatGateways"] if n["State"] != "deleted"]
    assert nats == []
    assert boto("elbv2", fresh_emulator).describe_load_balancers()["LoadBalancers"] == []
    assert boto("autoscaling", fresh_emulator).describe_auto_scaling_groups()[
        "AutoScalingGroups"] == []
    assert boto("rds", fresh_emulator).describe_db_instances()["DBInstances"] == []
    assert boto("rds", fresh_emulator).describe_db_snapshots(SnapshotType="manual")[
        "DBSnapshots"] == []
    assert boto("s3", fresh_emulator).list_buckets()["Buckets"] == []
    assert boto("cloudtrail", fresh_emulator).describe_trails()["trailList"] == []
    assert boto("wafv2", fresh_emulator).list_web_acls(Scope="REGIONAL")["WebACLs"] == []

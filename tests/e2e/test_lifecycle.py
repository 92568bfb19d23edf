"""The production stack on the strict emulator, operated in the order a user works.

One deployment shared by the whole module, the tests in order: up → clean re-plan → live
checks → verify → the application's role uses its data bucket and key, its parameters and
the database's secret, and is refused what is not its own → a backup job's recovery point
restored by `backup verify --snapshot vault` (and kept) → a second environment in the same
account and region is told what collides before any apply → properties broken out of band
are named by verify and repaired by up → deploy → a failed gate rolls back → clean re-plan →
backup verify of a new snapshot (one database left) → a launch template change through
Terraform rolls through the instance refresh → clean re-plan → deploy --rollback → down
(keeps the final snapshot, the data, the audit data, the vault with its recovery point and
their keys) → the kept final snapshot restores → down --purge removes them and leaves
nothing. If a test in between fails, the fixture still purges. Every prodstack command runs
as the CI role of docs/ci.md (its policy and nothing else) and is refused nowhere.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from prodstack.catalog import CATALOG
from prodstack.config.load import load_settings
from prodstack.runtime import emulator
from tests.e2e.ci_identity import CiRole
from tests.e2e.conftest import Cli, boto

pytestmark = pytest.mark.e2e
SETS: list[str] = []  # settings in force: the instance type changes half-way
CI: list[CiRole] = []  # the role prodstack runs as (tests/e2e/ci_identity.py)


def run(cli: Cli, *args: str, check: bool = True) -> Any:
    sets = [arg for pair in SETS for arg in ("--set", pair)]
    return CI[0](cli, *args, *sets, check=check)


def replan_is_clean(cli: Cli) -> None:
    proc = run(cli, "plan", "--detailed-exitcode", check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


@pytest.fixture(scope="module")
def deployed(cli: Cli, fresh_emulator: str):
    SETS.clear()
    CI[:] = [CiRole.create(fresh_emulator, load_settings())]
    run(cli, "up")
    outputs = json.loads(run(cli, "outputs", "--format", "json").stdout)
    yield outputs
    state = cli.home / "local-production" / "terraform.tfstate"
    if state.exists() and json.loads(state.read_text()).get("resources"):
        run(cli, "down", "--yes", "--purge", check=False)


def verify(cli: Cli) -> tuple[int, dict[str, dict]]:
    proc = run(cli, "verify", "--format", "json", check=False)
    assert "Traceback" not in proc.stderr
    checks = {c["id"]: c for c in json.loads(proc.stdout)["checks"]}
    return proc.returncode, checks


def test_up_prints_the_outputs(deployed):
    assert deployed["environment"] == "production"
    assert deployed["vpc_id"].startswith("vpc-")
    assert len(deployed["nat_gateway_ids"]) == 2
    assert set(deployed["target_groups"]) == {"blue", "green"}
    assert deployed["url"] == "https://prodstack-demo.test/"


def test_replan_shows_no_changes(cli, deployed):
    replan_is_clean(cli)


def test_the_emulator_holds_every_part(deployed, fresh_emulator):
    url = fresh_emulator
    listener = boto("elbv2", url).describe_listeners(
        ListenerArns=[deployed["https_listener_arn"]])["Listeners"][0]
    assert listener["SslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    cert = boto("acm", url).describe_certificate(
        CertificateArn=listener["Certificates"][0]["CertificateArn"])["Certificate"]
    assert cert["Status"] == "ISSUED"
    db = boto("rds", url).describe_db_instances(
        DBInstanceIdentifier=deployed["db_identifier"])["DBInstances"][0]
    assert db["MultiAZ"] is True and db["DeletionProtection"] is True
    assert db["MasterUserSecret"]["SecretArn"] == deployed["db_secret_arn"]
    # What the local target once left out is applied like on AWS.
    backup = boto("backup", url)
    selections = backup.list_backup_selections(BackupPlanId=deployed["backup_plan_id"])
    assert [s["SelectionName"] for s in selections["BackupSelectionsList"]] == [
        "prodstack-production-database"]
    ssm = boto("ssm", url)
    window = deployed["maintenance_window_id"]
    assert ssm.describe_maintenance_window_targets(WindowId=window)["Targets"]
    [task] = ssm.describe_maintenance_window_tasks(WindowId=window)["Tasks"]
    assert task["TaskArn"] == "AWS-RunPatchBaseline"


def test_verify_passes_on_a_fresh_deployment(cli, deployed):
    code, checks = verify(cli)
    failed = {i: c["detail"] for i, c in checks.items() if c["status"] == "fail"}
    assert code == 0 and not failed, failed
    assert set(checks) == {e.id for e in CATALOG.live_checks}
    not_passed = {i: c["status"] for i, c in checks.items() if c["status"] != "pass"}
    # The emulator runs no instances, and the stack keeps its state locally.
    assert not_passed == {"FM-7.1": "n/a", "FM-6.2": "n/a"}, not_passed


def _as_role(url: str, role_arn: str) -> Callable[[str], Any]:
    """boto3 clients signed with the role's credentials: the strict emulator authorizes
    their requests against the role's policies (and the bucket's, key's and secret's)."""
    creds = boto("sts", url).assume_role(RoleArn=role_arn, RoleSessionName="app")[
        "Credentials"]
    return lambda service: boto3.client(
        service, region_name="us-west-1", endpoint_url=url,
        aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"])


def _refused(call: Callable[[], Any]) -> str:
    try:
        call()
    except ClientError as exc:
        return str(exc.response["Error"]["Code"])
    return ""


def test_the_application_uses_its_bucket_key_parameters_and_secret(deployed, fresh_emulator):
    """As the instances' role: the data bucket (SSE-KMS with the data key), the application's
    parameters and the database's secret work; what is not its own is refused."""
    url = fresh_emulator
    role = boto("iam", url).get_role(RoleName="prodstack-production-us-west-1-web")["Role"]
    app = _as_role(url, role["Arn"])
    s3, bucket = app("s3"), deployed["buckets"]["data"]
    s3.put_object(Bucket=bucket, Key="orders/1.json", Body=b'{"id": 1}')
    assert s3.get_object(Bucket=bucket, Key="orders/1.json")["Body"].read() == b'{"id": 1}'
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == [
        "orders/1.json"]
    parameters = app("ssm").get_parameters_by_path(Path="/prodstack/production/app")[
        "Parameters"]
    assert {p["Name"].rsplit("/", 1)[1] for p in parameters} >= {"DATA_BUCKET", "DB_HOST"}
    secret = json.loads(app("secretsmanager").get_secret_value(
        SecretId=deployed["db_secret_arn"])["SecretString"])
    assert secret["username"] and secret["password"]
    assert _refused(lambda: s3.put_object(Bucket=deployed["buckets"]["logs"], Key="x",
                                          Body=b"x")) == "AccessDenied"
    assert _refused(lambda: app("ssm").get_parameter(
        Name=deployed["release_parameter"])) == "AccessDeniedException"


def test_a_backup_job_makes_a_recovery_point_that_backup_verify_restores(cli, deployed,
                                                                          fresh_emulator):
    """The backup plan's rule (run now: the emulator has no clock) backs the database up into
    the vault; `backup verify --snapshot vault` restores that recovery point and keeps it."""
    url = fresh_emulator
    jobs = emulator.run_backup_plan(url, deployed["backup_plan_id"], "us-west-1")
    assert [j["State"] for j in jobs] == ["COMPLETED"], jobs
    backup = boto("backup", url)
    vault = "prodstack-production-vault"
    points = backup.list_recovery_points_by_backup_vault(BackupVaultName=vault)[
        "RecoveryPoints"]
    assert [p["RecoveryPointArn"] for p in points] == [jobs[0]["RecoveryPointArn"]]
    proc = run(cli, "backup", "verify", "--snapshot", "vault", "--format", "json",
               "--poll-interval", "0", check=False)
    report = json.loads(proc.stdout)
    assert proc.returncode == 0 and report["status"] == "passed", report["checks"]
    assert report["recovery_point"] and jobs[0]["RecoveryPointArn"] in json.dumps(report)
    assert backup.list_recovery_points_by_backup_vault(BackupVaultName=vault)[
        "RecoveryPoints"], "the drill keeps the recovery point it restored"


def test_a_second_environment_beside_it_is_told_what_collides_before_any_apply(
        cli, deployed, fresh_emulator):
    """One AWS Config recorder per region and account: staging in the same account and
    region stops after its plan, naming production's recorder and the setting that reuses
    it, with nothing applied. Staging's pipeline runs as staging's own CI role."""
    staging = CiRole.create(fresh_emulator, load_settings(env="staging"))
    proc = staging(cli, "up", "--env", "staging", check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    [line] = [ln for ln in proc.stderr.splitlines() if ln.startswith("prodstack: error")]
    assert "nothing was applied" in line and "'prodstack-production-recorder'" in line
    assert "config_recorder = false" in line
    state = cli.home / "local-staging" / "terraform.tfstate"
    assert not state.exists() or not json.loads(state.read_text()).get("resources")
    assert not (cli.home / "local-staging" / "tfplan").exists()


def _alarm(out: dict[str, Any], suffix: str) -> str:
    return next(n for n in out["alarm_names"] if n.endswith(suffix))


def _cpu_policy(url: str, out: dict[str, Any]) -> str:
    policies = boto("autoscaling", url).describe_policies(
        AutoScalingGroupName=out["asg_names"]["blue"])["ScalingPolicies"]
    return next(p["PolicyName"] for p in policies if p["PolicyName"].endswith("-cpu"))


def _modify_db(url: str, out: dict[str, Any], **change: Any) -> None:
    boto("rds", url).modify_db_instance(DBInstanceIdentifier=out["db_identifier"],
                                        ApplyImmediately=True, **change)


def _fixed_storage(url: str, out: dict[str, Any]) -> None:
    db = boto("rds", url).describe_db_instances(
        DBInstanceIdentifier=out["db_identifier"])["DBInstances"][0]
    _modify_db(url, out, MaxAllocatedStorage=db["AllocatedStorage"])


def _delete_dynamodb_endpoint(url: str, out: dict[str, Any]) -> None:
    ec2 = boto("ec2", url)
    endpoints = ec2.describe_vpc_endpoints(Filters=[
        {"Name": "vpc-id", "Values": [out["vpc_id"]]}])["VpcEndpoints"]
    ec2.delete_vpc_endpoints(VpcEndpointIds=[
        e["VpcEndpointId"] for e in endpoints if e["ServiceName"].endswith(".dynamodb")])


def _imdsv1_version_on_latest(url: str, out: dict[str, Any]) -> None:
    """A template version with IMDSv1 open, added by hand, run by the live ASG as $Latest."""
    ec2, template = boto("ec2", url), out["launch_template_id"]
    ec2.create_launch_template_version(LaunchTemplateId=template, SourceVersion="$Latest",
                                       LaunchTemplateData={"MetadataOptions": {
                                           "HttpTokens": "optional"}})
    boto("autoscaling", url).update_auto_scaling_group(
        AutoScalingGroupName=out["asg_names"]["blue"],
        LaunchTemplate={"LaunchTemplateId": template, "Version": "$Latest"})


def _split_traffic(url: str, out: dict[str, Any]) -> None:
    boto("elbv2", url).modify_listener(ListenerArn=out["https_listener_arn"], DefaultActions=[{
        "Type": "forward", "ForwardConfig": {"TargetGroups": [
            {"TargetGroupArn": arn, "Weight": 50} for arn in out["target_groups"].values()]}}])


def _unmanaged_password(url: str, out: dict[str, Any]) -> None:
    _modify_db(url, out, ManageMasterUserPassword=False, MasterUserPassword="Hand-set-1234")


# Catalog id -> a change made behind Terraform's back that its live check must name.
BREAKS: dict[str, Callable[[str, dict[str, Any]], Any]] = {
    "FM-2.1": lambda url, out: boto("wafv2", url).disassociate_web_acl(
        ResourceArn=out["alb_arn"]),
    "FM-2.3": lambda url, out: boto("s3", url).put_object_lock_configuration(
        Bucket=out["buckets"]["audit"], ObjectLockConfiguration={"ObjectLockEnabled": "Enabled"}),
    "FM-2.4": lambda url, out: boto("cloudtrail", url).stop_logging(Name=out["trail_name"]),
    "FM-3.1": lambda url, out: _modify_db(url, out, MultiAZ=False),
    "FM-X5": lambda url, out: _modify_db(url, out, DeletionProtection=False),
    "FM-4.4": lambda url, out: _modify_db(url, out, BackupRetentionPeriod=3),
    "FM-2.2": lambda url, out: _modify_db(url, out, PubliclyAccessible=True),
    "FM-5.3": _fixed_storage,
    "FM-X1": _unmanaged_password,  # the provider cannot see it: up repairs it before it plans
    "FM-X4": lambda url, out: _modify_db(url, out, AutoMinorVersionUpgrade=False),
    "FM-X7": lambda url, out: boto("elbv2", url).modify_listener(
        ListenerArn=out["https_listener_arn"], SslPolicy="ELBSecurityPolicy-2016-08"),
    "OPS-PATCHING": lambda url, out: boto("ssm", url).update_maintenance_window(
        WindowId=out["maintenance_window_id"], Enabled=False),
    "FM-5.1": _delete_dynamodb_endpoint,
    "EDGE-REDIRECT": lambda url, out: boto("elbv2", url).modify_listener(
        ListenerArn=out["http_listener_arn"], DefaultActions=[{
            "Type": "fixed-response", "FixedResponseConfig": {
                "StatusCode": "200", "ContentType": "text/plain", "MessageBody": "plain"}}]),
    "FM-6.1": _split_traffic,  # deploys own the weights: up puts them back as the record says
    "WEB-AZS": lambda url, out: boto("autoscaling", url).update_auto_scaling_group(
        AutoScalingGroupName=out["asg_names"]["blue"],
        VPCZoneIdentifier=out["app_subnet_ids"][0]),
    "FM-4.2": lambda url, out: boto("cloudwatch", url).disable_alarm_actions(
        AlarmNames=[_alarm(out, "-alb-5xx")]),
    "FM-4.3": lambda url, out: boto("ec2", url).delete_flow_logs(
        FlowLogIds=[out["flow_log_id"]]),
    "FM-3.4": lambda url, out: boto("autoscaling", url).update_auto_scaling_group(
        AutoScalingGroupName=out["asg_names"]["blue"], HealthCheckGracePeriod=60),
    "FM-3.3": lambda url, out: boto("autoscaling", url).delete_policy(
        AutoScalingGroupName=out["asg_names"]["blue"], PolicyName=_cpu_policy(url, out)),
    "AUDIT-CONFIG": lambda url, out: boto("config", url).stop_configuration_recorder(
        ConfigurationRecorderName=out["recorder_name"]),
    "EDGE-ALB": lambda url, out: boto("elbv2", url).modify_load_balancer_attributes(
        LoadBalancerArn=out["alb_arn"], Attributes=[
            {"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "false"}]),
    "S3-BASELINE": lambda url, out: boto("s3", url).delete_bucket_policy(
        Bucket=out["buckets"]["data"]),
}

# Changes that more than one check must name, with what the detail of each says.
SHARED_BREAKS: list[tuple[Callable[[str, dict[str, Any]], Any], dict[str, str]]] = [
    (lambda url, out: boto("cloudwatch", url).delete_alarms(
        AlarmNames=[_alarm(out, "-rds-cpu")]),
     {"FM-4.1": "deleted: prodstack-production-rds-cpu",
      "FM-4.2": "prodstack-production-rds-cpu: deleted"}),
    (lambda url, out: boto("ec2", url).delete_nat_gateway(
        NatGatewayId=out["nat_gateway_ids"][1]),
     {"FM-3.2": "1 NAT gateways in 1 AZs", "NET-ROUTES": "routes through"}),
    (_imdsv1_version_on_latest, {"FM-X2": "uses $Latest", "FM-X6": "IMDSv1 open"}),
]

# Live checks that no change on the deployed emulator stack can fail, and why; their failing
# states are the catalog's in-process live cases (tests/catalog).
UNBREAKABLE = {
    "FM-1.1": "the emulator issues every certificate it is asked for "
              "(MOTO_ACM_VALIDATION_WAIT)",
    "DB-ENCRYPTED": "AWS cannot take a database's encryption off",
    "FM-6.2": "n/a on the emulator: the stack keeps its state locally",
    "FM-7.1": "n/a on the emulator: nothing answers HTTP",
}


def test_every_live_check_is_broken_here_or_says_why():
    broken = set(BREAKS) | {i for _, named in SHARED_BREAKS for i in named}
    assert not broken & set(UNBREAKABLE)
    missing = {e.id for e in CATALOG.live_checks} - broken - set(UNBREAKABLE)
    assert not missing, f"add a break for {sorted(missing)} to BREAKS (or say why not)"
    assert broken | set(UNBREAKABLE) == {e.id for e in CATALOG.live_checks}


def test_properties_broken_out_of_band_are_named_and_up_repairs_them(cli, deployed,
                                                                     fresh_emulator):
    for brk in [*BREAKS.values(), *(b for b, _ in SHARED_BREAKS)]:
        brk(fresh_emulator, deployed)
    code, checks = verify(cli)
    assert code == 1
    failed = {i for i, c in checks.items() if c["status"] == "fail"}
    named = {i: said for _, expected in SHARED_BREAKS for i, said in expected.items()}
    assert failed == set(BREAKS) | set(named), {
        i: checks[i]["detail"] for i in failed ^ (set(BREAKS) | set(named))}
    wrong = {i: checks[i]["detail"] for i, said in named.items()
             if said not in checks[i]["detail"]}
    assert not wrong, wrong
    assert "actions disabled" in checks["FM-4.2"]["detail"]  # its own break still shows
    proc = run(cli, "up")
    # What Terraform alone would never put back (prodstack.ops.blind_drift, deploy.align_traffic).
    assert "turning the management back on" in proc.stderr, proc.stderr[-3000:]
    assert "all traffic back on blue" in proc.stderr, proc.stderr[-3000:]
    code, checks = verify(cli)
    assert code == 0, {i: c["detail"] for i, c in checks.items() if c["status"] == "fail"}
    replan_is_clean(cli)


def _weights(deployed, url) -> dict[str, int]:
    listener = boto("elbv2", url).describe_listeners(
        ListenerArns=[deployed["https_listener_arn"]])["Listeners"][0]
    groups = listener["DefaultActions"][0]["ForwardConfig"]["TargetGroups"]
    colour = {arn: c for c, arn in deployed["target_groups"].items()}
    return {colour[g["TargetGroupArn"]]: g["Weight"] for g in groups}


def _groups(deployed, url) -> dict[str, dict[str, Any]]:
    groups = boto("autoscaling", url).describe_auto_scaling_groups(
        AutoScalingGroupNames=list(deployed["asg_names"].values()))["AutoScalingGroups"]
    colour = {name: c for c, name in deployed["asg_names"].items()}
    return {colour[g["AutoScalingGroupName"]]: g for g in groups}


def _report(proc) -> dict:
    """The deploy's JSON report; a deploy that printed none fails with its stderr."""
    assert proc.stdout.strip(), f"deploy exited {proc.returncode}: {proc.stderr[-3000:]}"
    return json.loads(proc.stdout)


FAST = ("--step-seconds", "0", "--poll-seconds", "1", "--timeout", "60", "--format", "json")


def test_deploy_shifts_traffic_to_the_new_colour(cli, deployed, fresh_emulator):
    report = _report(run(cli, "deploy", *FAST))
    assert (report["status"], report["from"], report["to"]) == ("succeeded", "blue", "green")
    assert [s["weight"] for s in report["steps"]] == [10, 50, 100]
    assert _weights(deployed, fresh_emulator) == {"blue": 0, "green": 100}
    assert _groups(deployed, fresh_emulator)["blue"]["DesiredCapacity"] == 0
    assert verify(cli)[0] == 0  # the re-plan follows the failed gate, which changes nothing


def test_failed_gate_rolls_back(cli, deployed, fresh_emulator):
    alarm = _alarm(deployed, "-target-5xx")
    cloudwatch = boto("cloudwatch", fresh_emulator)
    cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="test")
    try:
        proc = run(cli, "deploy", "--image-id", "ami-0aaaaaaaaaaaaaaa1", *FAST, check=False)
    finally:
        cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="OK", StateReason="test")
    report = _report(proc)
    assert proc.returncode == 1 and report["status"] == "rolled_back"
    assert alarm in report["steps"][0]["alarms"] and len(report["steps"]) == 1
    assert _weights(deployed, fresh_emulator) == {"blue": 0, "green": 100}
    assert _groups(deployed, fresh_emulator)["blue"]["DesiredCapacity"] == 0
    replan_is_clean(cli)


def test_backup_verify_restores_and_leaves_one_database(cli, deployed, fresh_emulator):
    proc = run(cli, "backup", "verify", "--format", "json", "--poll-interval", "0",
               check=False)
    report = json.loads(proc.stdout)
    assert proc.returncode == 0 and report["status"] == "passed", report["checks"]
    assert report["cleaned_up"] is True
    rds = boto("rds", fresh_emulator)
    assert [d["DBInstanceIdentifier"] for d in rds.describe_db_instances()["DBInstances"]] == [
        deployed["db_identifier"]]
    assert not [s for s in rds.describe_db_snapshots(SnapshotType="manual")["DBSnapshots"]
                if "-verify-" in s["DBSnapshotIdentifier"]]


def test_a_template_change_rolls_through_the_instance_refresh(cli, deployed, fresh_emulator):
    SETS.append("instance_type=t4g.medium")
    run(cli, "up")
    live = _groups(deployed, fresh_emulator)["green"]
    ec2 = boto("ec2", fresh_emulator)
    template = ec2.describe_launch_templates(
        LaunchTemplateIds=[deployed["launch_template_id"]])["LaunchTemplates"][0]
    assert live["LaunchTemplate"]["Version"] == str(template["LatestVersionNumber"])
    data = ec2.describe_launch_template_versions(
        LaunchTemplateId=template["LaunchTemplateId"],
        Versions=[live["LaunchTemplate"]["Version"]])["LaunchTemplateVersions"][0]
    assert data["LaunchTemplateData"]["InstanceType"] == "t4g.medium"
    # Terraform starts the refresh and does not wait for it (as on AWS): the refresh ends
    # on its own, a few seconds later on the emulator.
    autoscaling = boto("autoscaling", fresh_emulator)
    deadline = time.monotonic() + 60
    while True:
        refreshes = autoscaling.describe_instance_refreshes(
            AutoScalingGroupName=deployed["asg_names"]["green"])["InstanceRefreshes"]
        if not refreshes or refreshes[0]["Status"] not in ("Pending", "InProgress") or \
                time.monotonic() > deadline:
            break
        time.sleep(1)
    assert refreshes and refreshes[0]["Status"] == "Successful", refreshes
    replan_is_clean(cli)
    assert verify(cli)[0] == 0


def test_deploy_rollback_returns_to_the_previous_colour(cli, deployed, fresh_emulator):
    report = _report(run(cli, "deploy", "--rollback", *FAST))
    assert (report["status"], report["to"]) == ("succeeded", "blue")
    assert _weights(deployed, fresh_emulator) == {"blue": 100, "green": 0}
    replan_is_clean(cli)


def test_down_keeps_the_snapshot_and_the_audit_data(cli, deployed, fresh_emulator):
    proc = run(cli, "down", "--yes")
    assert "final database snapshot: prodstack-production-db-final-" in proc.stdout
    snapshot = proc.stdout.split("final database snapshot: ")[1].split()[0]
    rds = boto("rds", fresh_emulator)
    assert rds.describe_db_snapshots(DBSnapshotIdentifier=snapshot)["DBSnapshots"]
    assert rds.describe_db_instances()["DBInstances"] == []
    ec2 = boto("ec2", fresh_emulator)
    assert [v for v in ec2.describe_vpcs()["Vpcs"] if not v.get("IsDefault")] == []
    buckets = {b["Name"] for b in boto("s3", fresh_emulator).list_buckets()["Buckets"]}
    assert buckets == set(deployed["buckets"].values())  # audit, logs and the data
    # the backups: the vault with its recovery point, and the key that encrypts them
    backup = boto("backup", fresh_emulator)
    assert backup.list_recovery_points_by_backup_vault(
        BackupVaultName="prodstack-production-vault")["RecoveryPoints"]
    # (that the next `up` adopts what down kept: test_app.py, on the staging profile)


def test_the_kept_final_snapshot_restores_after_down(cli, deployed, fresh_emulator):
    """What a plain down keeps can be restored: the final snapshot and the key it is
    encrypted with (a down that deleted the key would leave an unrestorable snapshot)."""
    rds = boto("rds", fresh_emulator)
    [snapshot] = [s for s in rds.describe_db_snapshots(SnapshotType="manual")["DBSnapshots"]
                  if "-db-final-" in s["DBSnapshotIdentifier"]]
    key = boto("kms", fresh_emulator).describe_key(KeyId=snapshot["KmsKeyId"])["KeyMetadata"]
    assert key["KeyState"] == "Enabled"
    restored = "prodstack-production-db-restored-after-down"
    rds.restore_db_instance_from_db_snapshot(
        DBInstanceIdentifier=restored, DBSnapshotIdentifier=snapshot["DBSnapshotIdentifier"],
        DBInstanceClass="db.t4g.small", PubliclyAccessible=False, MultiAZ=False)
    try:
        deadline = time.monotonic() + 60
        while True:
            [db] = rds.describe_db_instances(DBInstanceIdentifier=restored)["DBInstances"]
            if db["DBInstanceStatus"] == "available" or time.monotonic() > deadline:
                break
            time.sleep(1)
        assert db["DBInstanceStatus"] == "available" and db["StorageEncrypted"]
    finally:
        rds.delete_db_instance(DBInstanceIdentifier=restored, SkipFinalSnapshot=True)
        deadline = time.monotonic() + 60
        while rds.describe_db_instances()["DBInstances"] and time.monotonic() < deadline:
            time.sleep(1)


def test_down_purge_leaves_nothing(cli, deployed, fresh_emulator):
    # After the plain down, as a user finishes with a stack: what down kept goes too.
    proc = run(cli, "down", "--yes", "--purge")
    for bucket in ("audit", "logs"):
        assert f"purged bucket {deployed['buckets'][bucket]}" in proc.stdout, proc.stdout
    assert "purged snapshot prodstack-production-db-final-" in proc.stdout, proc.stdout
    ec2 = boto("ec2", fresh_emulator)
    assert [v for v in ec2.describe_vpcs()["Vpcs"] if not v.get("IsDefault")] == []
    assert [n for n in ec2.describe_nat_gateways()["NatGateways"]
            if n["State"] != "deleted"] == []
    assert boto("elbv2", fresh_emulator).describe_load_balancers()["LoadBalancers"] == []
    assert boto("autoscaling", fresh_emulator).describe_auto_scaling_groups()[
        "AutoScalingGroups"] == []
    rds = boto("rds", fresh_emulator)
    assert rds.describe_db_instances()["DBInstances"] == []
    assert rds.describe_db_snapshots(SnapshotType="manual")["DBSnapshots"] == []
    assert boto("s3", fresh_emulator).list_buckets()["Buckets"] == []
    assert boto("cloudtrail", fresh_emulator).describe_trails()["trailList"] == []
    assert boto("wafv2", fresh_emulator).list_web_acls(Scope="REGIONAL")["WebACLs"] == []
    assert boto("backup", fresh_emulator).list_backup_plans()["BackupPlansList"] == []
    assert boto("backup", fresh_emulator).list_backup_vaults()["BackupVaultList"] == []
    assert rds.describe_db_snapshots(SnapshotType="awsbackup")["DBSnapshots"] == []
    assert boto("ssm", fresh_emulator).describe_maintenance_windows()["WindowIdentities"] == []
    assert not (cli.home / "local-production" / "journal.json").exists()

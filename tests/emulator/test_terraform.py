"""The patches seen from Terraform: the AWS provider creates, reads back, updates and destroys
what the local target used to leave out or work around (a minute or two).

One small configuration, with the provider pointed at the emulator exactly as the local target
points it (`prodstack.platform.local.provider_settings`): a backup vault (force_destroy), plan,
IAM role and selection; a maintenance window with a target and a RUN_COMMAND task shaped as in
`prodstack.stack.parts.operations`; a VPC, subnet, launch template, target group and an ASG that
rolls with `instance_refresh`; a trail. Apply, re-plan (clean), change the launch template
and the window's target and task, apply (the ASG rolls through StartInstanceRefresh), re-plan
(clean), destroy.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from prodstack.platform.local import provider_settings
from prodstack.tf.cliconfig import write_cli_config
from tests.emulator.conftest import REGION, Client, prodstack_home

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not on PATH"),
]

P = "tfe2e"  # every name starts with this (the emulator is shared with the other tests)
DB_ARN = f"arn:aws:rds:{REGION}:123456789012:db:{P}-db"
TIMEOUT = 600


def ref(expression: str) -> str:
    return "${" + expression + "}"


def trail_bucket_policy() -> str:
    arn = f"arn:aws:s3:::{P}-trail-logs"
    source = {"StringEquals": {"aws:SourceArn":
                               f"arn:aws:cloudtrail:{REGION}:123456789012:trail/{P}-trail"}}
    principal = {"Service": "cloudtrail.amazonaws.com"}
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": principal, "Action": "s3:GetBucketAcl",
         "Resource": arn, "Condition": source},
        {"Effect": "Allow", "Principal": principal, "Action": "s3:PutObject",
         "Resource": f"{arn}/AWSLogs/123456789012/*",
         "Condition": {"StringEquals": {**source["StringEquals"],
                                        "s3:x-amz-acl": "bucket-owner-full-control"}}}]})


def configuration(endpoint: str, instance_type: str, priority: int,
                  patch_groups: list[str]) -> dict[str, Any]:
    assume = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRole",
        "Principal": {"Service": "backup.amazonaws.com"}}]})
    resources: dict[str, dict[str, Any]] = {
        "aws_backup_vault": {"main": {"name": f"{P}-vault", "force_destroy": True}},
        "aws_backup_plan": {"main": {"name": f"{P}-backup", "rule": [{
            "rule_name": "daily", "target_vault_name": ref("aws_backup_vault.main.name"),
            "schedule": "cron(0 5 * * ? *)", "start_window": 60, "completion_window": 180,
            "lifecycle": [{"delete_after": 7}]}]}},
        "aws_iam_role": {"backup": {"name": f"{P}-backup", "assume_role_policy": assume}},
        "aws_iam_role_policy_attachment": {"backup": {
            "role": ref("aws_iam_role.backup.name"),
            "policy_arn": "arn:aws:iam::aws:policy/service-role/"
                          "AWSBackupServiceRolePolicyForBackup"}},
        "aws_backup_selection": {"database": {
            "name": f"{P}-database", "plan_id": ref("aws_backup_plan.main.id"),
            "iam_role_arn": ref("aws_iam_role.backup.arn"), "resources": [DB_ARN]}},
        "aws_ssm_maintenance_window": {"patching": {
            "name": f"{P}-patching", "schedule": "cron(0 3 ? * SUN *)", "duration": 3,
            "cutoff": 1, "allow_unassociated_targets": False,
            "description": "Weekly OS patching of the web tier"}},
        "aws_ssm_maintenance_window_target": {"web": {
            "window_id": ref("aws_ssm_maintenance_window.patching.id"), "name": "web-tier",
            "resource_type": "INSTANCE",
            "targets": [{"key": "tag:PatchGroup", "values": patch_groups}]}},
        "aws_ssm_maintenance_window_task": {"patch": {
            "window_id": ref("aws_ssm_maintenance_window.patching.id"),
            "name": "patch-web-tier", "task_type": "RUN_COMMAND",
            "task_arn": "AWS-RunPatchBaseline", "priority": priority,
            "max_concurrency": "50%", "max_errors": "1",
            "targets": [{"key": "WindowTargetIds",
                         "values": [ref("aws_ssm_maintenance_window_target.web.id")]}],
            "task_invocation_parameters": [{"run_command_parameters": [{
                "timeout_seconds": 3600,
                "parameter": [{"name": "Operation", "values": ["Install"]},
                              {"name": "RebootOption", "values": ["RebootIfNeeded"]}]}]}]}},
        "aws_vpc": {"main": {"cidr_block": "10.77.0.0/16"}},
        "aws_subnet": {"app": {"vpc_id": ref("aws_vpc.main.id"), "cidr_block": "10.77.1.0/24",
                               "availability_zone": f"{REGION}a"}},
        "aws_lb_target_group": {"web": {"name": f"{P}-web", "port": 80, "protocol": "HTTP",
                                        "vpc_id": ref("aws_vpc.main.id")}},
        "aws_launch_template": {"web": {"name": f"{P}-web", "image_id": "ami-12c6146b",
                                        "instance_type": instance_type,
                                        "update_default_version": True}},
        "aws_autoscaling_group": {"web": {
            "name": f"{P}-web", "min_size": 1, "max_size": 2,
            "vpc_zone_identifier": [ref("aws_subnet.app.id")],
            "target_group_arns": [ref("aws_lb_target_group.web.arn")],
            "health_check_type": "ELB", "wait_for_capacity_timeout": "0",
            "launch_template": [{"id": ref("aws_launch_template.web.id"),
                                 "version": ref("aws_launch_template.web.latest_version")}],
            "instance_refresh": [{"strategy": "Rolling",
                                  "preferences": [{"min_healthy_percentage": 90}]}]}},
        "aws_s3_bucket": {"trail": {"bucket": f"{P}-trail-logs", "force_destroy": True}},
        # CloudTrail's guide: the bucket policy grants the service GetBucketAcl and PutObject
        # (the strict emulator refuses CreateTrail without it, as AWS does)
        "aws_s3_bucket_policy": {"trail": {"bucket": ref("aws_s3_bucket.trail.id"),
                                           "policy": trail_bucket_policy()}},
        "aws_cloudtrail": {"main": {"name": f"{P}-trail",
                                    "s3_bucket_name": ref("aws_s3_bucket.trail.id"),
                                    "depends_on": ["aws_s3_bucket_policy.trail"]}},
    }
    provider = {"region": REGION, **copy.deepcopy(provider_settings(endpoint))}
    return {"terraform": {"required_providers": {"aws": {"source": "hashicorp/aws",
                                                         "version": "~> 5.100"}}},
            "provider": {"aws": [provider]}, "resource": resources}


class Terraform:
    def __init__(self, workdir: Path, home: Path) -> None:
        self.workdir = workdir
        with prodstack_home(home):
            cli_config = write_cli_config(os.environ.get("PRODSTACK_PLUGIN_MIRROR"))
        self.env = {**os.environ, "TF_CLI_CONFIG_FILE": str(cli_config),
                    "TF_IN_AUTOMATION": "1", "TF_INPUT": "0", "CHECKPOINT_DISABLE": "1"}

    def write(self, config: dict[str, Any]) -> None:
        (self.workdir / "main.tf.json").write_text(json.dumps(config, indent=1))

    def __call__(self, *args: str, codes: tuple[int, ...] = (0,)) -> str:
        proc = subprocess.run(["terraform", *args, "-no-color"], cwd=self.workdir, env=self.env,
                              capture_output=True, text=True, timeout=TIMEOUT, check=False)
        output = proc.stdout + proc.stderr
        assert proc.returncode in codes, f"terraform {args[0]} exited {proc.returncode}:\n" \
                                         f"{output[-6000:]}"
        return output


def asg(aws: Client) -> dict[str, Any]:
    return dict(aws("autoscaling").describe_auto_scaling_groups(
        AutoScalingGroupNames=[f"{P}-web"])["AutoScalingGroups"][0])


def last_refresh(aws: Client) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while True:
        found = aws("autoscaling").describe_instance_refreshes(
            AutoScalingGroupName=f"{P}-web")["InstanceRefreshes"]
        assert found, "the apply started no instance refresh"
        if found[0]["Status"] not in ("Pending", "InProgress", "Cancelling"):
            return dict(found[0])
        assert time.monotonic() < deadline, found[0]
        time.sleep(0.5)


def test_apply_replan_update_destroy(tmp_path: Path, emulator_url: str, aws: Client):
    tf = Terraform(tmp_path, tmp_path)
    tf.write(configuration(emulator_url, "t3.micro", 1, ["web"]))
    tf("init", "-input=false")
    tf("apply", "-auto-approve", "-input=false", "-parallelism=10")
    tf("plan", "-detailed-exitcode", "-input=false", "-parallelism=10")
    first = asg(aws)
    assert first["LaunchTemplate"]["Version"] == "1"
    assert [i["InstanceType"] for i in first["Instances"]] == ["t3.micro"]

    tf.write(configuration(emulator_url, "t3.small", 2, ["web", "api"]))
    tf("apply", "-auto-approve", "-input=false", "-parallelism=10")
    refresh = last_refresh(aws)
    assert (refresh["Status"], refresh["PercentageComplete"]) == ("Successful", 100)
    second = asg(aws)
    assert second["LaunchTemplate"]["Version"] == "2"
    assert [i["InstanceType"] for i in second["Instances"]] == ["t3.small"]
    assert {i["InstanceId"] for i in second["Instances"]}.isdisjoint(
        {i["InstanceId"] for i in first["Instances"]})
    targets = aws("elbv2").describe_target_health(
        TargetGroupArn=second["TargetGroupARNs"][0])["TargetHealthDescriptions"]
    assert [t["Target"]["Id"] for t in targets] == [i["InstanceId"] for i in second["Instances"]]
    ssm = aws("ssm")
    window = ssm.describe_maintenance_windows(Filters=[
        {"Key": "Name", "Values": [f"{P}-patching"]}])["WindowIdentities"][0]["WindowId"]
    [target] = ssm.describe_maintenance_window_targets(WindowId=window)["Targets"]
    assert target["Targets"] == [{"Key": "tag:PatchGroup", "Values": ["web", "api"]}]
    [task] = ssm.describe_maintenance_window_tasks(WindowId=window)["Tasks"]
    assert task["Priority"] == 2
    tf("plan", "-detailed-exitcode", "-input=false", "-parallelism=10")

    tf("destroy", "-auto-approve", "-input=false", "-parallelism=10")
    assert aws("autoscaling").describe_auto_scaling_groups(
        AutoScalingGroupNames=[f"{P}-web"])["AutoScalingGroups"] == []
    assert f"{P}-trail" not in [t["Name"] for t in
                                aws("cloudtrail").describe_trails()["trailList"]]
    assert ssm.describe_maintenance_windows(Filters=[
        {"Key": "Name", "Values": [f"{P}-patching"]}])["WindowIdentities"] == []
    backup = aws("backup")
    assert f"{P}-vault" not in [v["BackupVaultName"] for v in
                                backup.list_backup_vaults()["BackupVaultList"]]
    # The destroyed plan's name is free again (the local target no longer needs a suffix).
    plan_id = backup.create_backup_plan(BackupPlan={"BackupPlanName": f"{P}-backup", "Rules": [
        {"RuleName": "daily", "TargetBackupVaultName": "any"}]})["BackupPlanId"]
    backup.delete_backup_plan(BackupPlanId=plan_id)

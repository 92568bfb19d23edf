"""Live checks of the web tier (ASG, launch template, scaling) and the database."""

from __future__ import annotations

import json
from typing import Any

from prodstack.stack.webtier import HEALTH_CHECK_GRACE_SECONDS
from prodstack.verify.base import Result, VerifyContext, check


def live_colour(ctx: VerifyContext) -> str:
    """The live colour from the release record that `prodstack deploy` keeps."""
    name = ctx.outputs.get("release_parameter")
    if not name:
        return "blue"
    value = ctx.client("ssm").get_parameter(Name=name)["Parameter"]["Value"]
    return str(json.loads(value).get("live", "blue"))


def _live_asg(ctx: VerifyContext) -> dict[str, Any]:
    name = ctx.outputs["asg_names"][live_colour(ctx)]
    groups = ctx.client("autoscaling").describe_auto_scaling_groups(
        AutoScalingGroupNames=[name])["AutoScalingGroups"]
    if not groups:
        raise LookupError(f"auto scaling group {name} does not exist")
    return groups[0]


def _db(ctx: VerifyContext) -> dict[str, Any]:
    return ctx.client("rds").describe_db_instances(
        DBInstanceIdentifier=ctx.outputs["db_identifier"])["DBInstances"][0]


@check("WEB-AZS", "The web tier spans the availability zones")
def asg_spans_azs(ctx: VerifyContext) -> Result:
    asg = _live_asg(ctx)
    azs = asg.get("AvailabilityZones", [])
    return Result.expect(len(azs) >= min(2, ctx.settings.azs), f"{asg['AutoScalingGroupName']} "
                         f"in {len(azs)} AZs, {len(asg.get('Instances', []))} instances",
                         f"{asg['AutoScalingGroupName']} spans only {azs}")


@check("FM-3.4", "ELB health checks with a grace period of at least 600 s")
def health_checks(ctx: VerifyContext) -> Result:
    asg = _live_asg(ctx)
    grace = asg.get("HealthCheckGracePeriod", 0)
    return Result.expect(asg["HealthCheckType"] == "ELB" and grace >= HEALTH_CHECK_GRACE_SECONDS,
                         f"ELB health checks, grace {grace} s",
                         f"{asg['HealthCheckType']} health checks, grace {grace} s")


@check("FM-3.3", "Target-tracking scaling policies on CPU and requests per target")
def scaling_policies(ctx: VerifyContext) -> Result:
    name = ctx.outputs["asg_names"][live_colour(ctx)]
    policies = ctx.client("autoscaling").describe_policies(
        AutoScalingGroupName=name)["ScalingPolicies"]
    metrics = {p.get("TargetTrackingConfiguration", {}).get("PredefinedMetricSpecification", {})
               .get("PredefinedMetricType") for p in policies}
    wanted = {"ASGAverageCPUUtilization", "ALBRequestCountPerTarget"}
    return Result.expect(wanted <= metrics, f"{len(policies)} target-tracking policies on {name}",
                         f"{name} lacks {sorted(wanted - metrics)}")


@check("FM-X6", "IMDSv2 required by the launch template version in use")
def imdsv2(ctx: VerifyContext) -> Result:
    asg = _live_asg(ctx)
    spec = asg.get("LaunchTemplate") or asg.get("MixedInstancesPolicy", {}).get(
        "LaunchTemplate", {}).get("LaunchTemplateSpecification", {})
    version = str(spec.get("Version", "$Default"))
    template = spec.get("LaunchTemplateId") or ctx.outputs["launch_template_id"]
    versions = ctx.client("ec2").describe_launch_template_versions(
        LaunchTemplateId=template, Versions=[version])["LaunchTemplateVersions"]
    tokens = versions[0]["LaunchTemplateData"].get("MetadataOptions", {}).get("HttpTokens")
    return Result.expect(tokens == "required", f"version {version}: http_tokens = required",
                         f"version {version}: http_tokens = {tokens or 'optional'} (IMDSv1 open)")


@check("FM-X2", "The ASG pins a launch template version (no $Latest)")
def pinned_version(ctx: VerifyContext) -> Result:
    spec = _live_asg(ctx).get("LaunchTemplate", {})
    version = str(spec.get("Version", ""))
    return Result.expect(version.isdigit(), f"pinned to version {version}",
                         f"uses {version or 'no version'}: instance refresh never starts")


@check("FM-3.1", "The database is Multi-AZ")
def multi_az(ctx: VerifyContext) -> Result:
    db = _db(ctx)
    if not db["MultiAZ"] and (trade := ctx.accepted_trade("FM-3.1")):
        return Result.na(f"single-AZ; {trade}")
    return Result.expect(db["MultiAZ"], f"{db['DBInstanceIdentifier']} is Multi-AZ",
                         f"{db['DBInstanceIdentifier']} runs in one AZ")


@check("FM-2.2", "The database is not publicly accessible")
def not_public(ctx: VerifyContext) -> Result:
    db = _db(ctx)
    return Result.expect(not db["PubliclyAccessible"], "not publicly accessible",
                         f"{db['DBInstanceIdentifier']} is publicly accessible")


@check("DB-ENCRYPTED", "Database storage is encrypted with a KMS key")
def db_encrypted(ctx: VerifyContext) -> Result:
    db = _db(ctx)
    return Result.expect(bool(db["StorageEncrypted"]), f"encrypted ({db.get('KmsKeyId', '')})",
                         "storage is not encrypted")


@check("FM-X5", "Deletion protection and a final snapshot in production")
def deletion_protection(ctx: VerifyContext) -> Result:
    db = _db(ctx)
    if not ctx.profile.db_deletion_protection:
        return Result.na(ctx.accepted_trade("FM-X5") or "not required by this profile")
    return Result.expect(bool(db.get("DeletionProtection")), "deletion protection on",
                         f"{db['DBInstanceIdentifier']} can be deleted by anyone with rights")


@check("FM-X1", "The master password is managed by RDS in Secrets Manager")
def managed_secret(ctx: VerifyContext) -> Result:
    secret = _db(ctx).get("MasterUserSecret", {})
    return Result.expect(bool(secret.get("SecretArn")), f"secret {secret.get('SecretArn', '')}",
                         "no managed master secret: the password lives somewhere else")


@check("FM-4.4", "Backups retained at least 7 days, and a backup plan exists")
def backups(ctx: VerifyContext) -> Result:
    db = _db(ctx)
    retention = db.get("BackupRetentionPeriod", 0)
    plan_id = ctx.outputs.get("backup_plan_id")
    plans = {p["BackupPlanId"] for p in
             ctx.client("backup").list_backup_plans()["BackupPlansList"]}
    problems = []
    if retention < 7:
        problems.append(f"retention {retention} days")
    if plan_id not in plans:
        problems.append(f"backup plan {plan_id} missing")
    return Result.expect(not problems, f"retention {retention} days, backup plan {plan_id}",
                         "; ".join(problems))

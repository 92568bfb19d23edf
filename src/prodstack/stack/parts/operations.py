"""Operations: an SSM maintenance window that patches the web tier, and AWS Backup for the database.

Patching that the ASGs survive: the ASGs use ELB health checks, so an instance that reboots
fails them and is replaced (the grace period covers launches only). The weekly window
therefore installs security updates without rebooting (`RebootOption = NoReboot`), at most
half the fleet at a time; whatever needs a reboot (a kernel, glibc) arrives as a fresh image:
the launch template follows the latest Amazon Linux 2023 AMI, so `prodstack up` after AWS
publishes one makes a new template version, and `prodstack deploy` rolls it out blue/green
behind the health gates (before the first deploy, `up` rolls the live ASG through its
instance refresh).

Fixes the stack side of FM-4.4: a backup plan with a retention of its own, beside the RDS
automated backups, covering the database through a backup selection (`prodstack backup
verify --snapshot vault` restores its newest recovery point); and AWS Backup restore testing
(AWS Backup developer guide, "Restore testing"), so that restores are tested in the account
every week even when nobody runs `backup verify`:
- the plan (`aws_backup_restore_testing_plan`) starts on Mondays at 09:00 UTC, when the
  daily backup (05:00, start window one hour, completion window three) is done, within
  `RESTORE_TEST_START_HOURS`; it picks the newest snapshot recovery point of the stack's vault
  from the last `RESTORE_TEST_LOOKBACK_DAYS` days (LATEST_WITHIN_WINDOW: the one a real
  restore would use);
- the selection (`aws_backup_restore_testing_selection`) names the database (protected
  resource type RDS), restores with the backup role (it has AWSBackupServiceRolePolicyFor-
  Restores), and overrides the restore metadata so that the test instance lands where the
  database is: its DB subnet group (database subnets, no route to the internet) and its
  security group (AWS Backup developer guide, "Restore testing inferred metadata":
  `dbSubnetGroupName`, and `vpcSecurityGroupIds` as a JSON list; without them AWS Backup
  restores into the default VPC, which may not exist). AWS Backup infers the rest (an
  identifier starting `awsbackup-restore-test-`) and deletes the test instance when the
  validation window closes (`RESTORE_TEST_VALIDATION_HOURS`: time for a validation hook,
  kept short because the instance is billed meanwhile). Each test is billed per restore job
  (`prodstack cost`).
"""

from __future__ import annotations

from dataclasses import dataclass

from prodstack.stack.context import Context
from prodstack.stack.parts.database import Database
from prodstack.stack.parts.foundation import Base
from prodstack.stack.parts.iam import service_role
from prodstack.stack.parts.kept import KEPT_ROLE, KEPT_ROLE_POLICIES, KEPT_VAULT
from prodstack.stack.parts.keys import Keys
from prodstack.tf.document import Block, expr

PATCH_SCHEDULE = "cron(0 3 ? * SUN *)"
BACKUP_SCHEDULE = "cron(0 5 * * ? *)"
RESTORE_TEST_SCHEDULE = "cron(0 9 ? * MON *)"  # weekly, after Monday's backup
RESTORE_TEST_START_HOURS = 4
RESTORE_TEST_LOOKBACK_DAYS = 7
RESTORE_TEST_VALIDATION_HOURS = 1


@dataclass(frozen=True)
class Operations:
    maintenance_window: Block
    backup_plan: Block
    restore_testing_plan: Block


def build(ctx: Context, r: Base, keys: Keys, db: Database) -> Operations:
    plan, vault, role = _backup(ctx, r, keys, db)
    return Operations(maintenance_window=_patching(ctx), backup_plan=plan,
                      restore_testing_plan=_restore_testing(ctx, vault, role, db))


def _patching(ctx: Context) -> Block:
    doc = ctx.doc
    window = doc.resource(
        "aws_ssm_maintenance_window", "patching", name=ctx.name("patching"),
        schedule=PATCH_SCHEDULE, duration=3, cutoff=1, allow_unassociated_targets=False,
        description="Weekly OS patching of the web tier", tags=ctx.tags("patching"),
    )
    target = doc.resource(
        "aws_ssm_maintenance_window_target", "web", window_id=window.id, name="web-tier",
        resource_type="INSTANCE",
        targets=[{"key": "tag:PatchGroup", "values": [ctx.name("web")]}],
    )
    doc.resource(
        "aws_ssm_maintenance_window_task", "patch", window_id=window.id, name="patch-web-tier",
        task_type="RUN_COMMAND", task_arn="AWS-RunPatchBaseline", priority=1,
        max_concurrency="50%", max_errors="1",
        targets=[{"key": "WindowTargetIds", "values": [target.id]}],
        task_invocation_parameters=[{"run_command_parameters": [{
            "timeout_seconds": 3600,
            "parameter": [{"name": "Operation", "values": ["Install"]},
                          {"name": "RebootOption", "values": ["NoReboot"]}],
        }]}],
    )
    return window


def _backup(ctx: Context, r: Base, keys: Keys, db: Database) -> tuple[Block, Block, Block]:
    """The vault, the daily plan and its selection of the database; returns (plan, vault,
    the role AWS Backup assumes to back up and to restore)."""
    doc, p = ctx.doc, ctx.profile
    vault = doc.resource("aws_backup_vault", KEPT_VAULT, name=ctx.names.vault,
                         kms_key_arn=keys.data.arn, tags=ctx.tags("vault"))
    plan = doc.resource(
        "aws_backup_plan", "main", name=ctx.name("backup"),
        rule=[{"rule_name": "daily", "target_vault_name": vault.name_attr,
               "schedule": BACKUP_SCHEDULE, "start_window": 60, "completion_window": 180,
               "lifecycle": [{"delete_after": p.backup_plan_retention_days}]}],
        tags=ctx.tags("backup"),
    )
    role = service_role(ctx, r, KEPT_ROLE, "backup.amazonaws.com", KEPT_ROLE_POLICIES)
    doc.resource("aws_backup_selection", "database", name=ctx.name("database"),
                 plan_id=plan.id, iam_role_arn=role.arn, resources=[db.instance.arn])
    return plan, vault, role


def _restore_testing(ctx: Context, vault: Block, role: Block, db: Database) -> Block:
    """A weekly restore test of the database's newest recovery point (see the module)."""
    doc = ctx.doc
    plan = doc.resource(
        "aws_backup_restore_testing_plan", "database", name=ctx.names.restore_testing_plan,
        schedule_expression=RESTORE_TEST_SCHEDULE, start_window_hours=RESTORE_TEST_START_HOURS,
        recovery_point_selection=[{
            "algorithm": "LATEST_WITHIN_WINDOW", "include_vaults": [vault.arn],
            "recovery_point_types": ["SNAPSHOT"],
            "selection_window_days": RESTORE_TEST_LOOKBACK_DAYS}],
        tags=ctx.tags("restore-testing"),
    )
    instance = db.instance
    doc.resource(
        "aws_backup_restore_testing_selection", "database", name="database",
        restore_testing_plan_name=plan.name_attr, protected_resource_type="RDS",
        protected_resource_arns=[instance.arn], iam_role_arn=role.arn,
        restore_metadata_overrides={
            "dbSubnetGroupName": instance["db_subnet_group_name"],
            "vpcSecurityGroupIds": expr(f"jsonencode({instance.address}.vpc_security_group_ids)"),
        },
        validation_window_hours=RESTORE_TEST_VALIDATION_HOURS,
    )
    return plan

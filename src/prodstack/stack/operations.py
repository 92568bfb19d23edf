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
automated backups, covering the database through a backup selection. (`prodstack backup
verify` restores from it; the emulator cannot create selections, see the local target.)
"""

from __future__ import annotations

from dataclasses import dataclass

from prodstack.stack.context import Context
from prodstack.stack.database import Database
from prodstack.stack.foundation import Base
from prodstack.stack.iam import service_role
from prodstack.stack.kept import KEPT_VAULT
from prodstack.stack.keys import Keys
from prodstack.tf.document import Block

PATCH_SCHEDULE = "cron(0 3 ? * SUN *)"
BACKUP_SCHEDULE = "cron(0 5 * * ? *)"


@dataclass(frozen=True)
class Operations:
    maintenance_window: Block
    backup_plan: Block


def build(ctx: Context, r: Base, keys: Keys, db: Database) -> Operations:
    return Operations(maintenance_window=_patching(ctx),
                      backup_plan=_backup(ctx, r, keys, db))


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


def _backup(ctx: Context, r: Base, keys: Keys, db: Database) -> Block:
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
    role = service_role(ctx, r, "backup", "backup.amazonaws.com", {
        "backup_backup": "service-role/AWSBackupServiceRolePolicyForBackup",
        "backup_restore": "service-role/AWSBackupServiceRolePolicyForRestores"})
    doc.resource("aws_backup_selection", "database", name=ctx.name("database"),
                 plan_id=plan.id, iam_role_arn=role.arn, resources=[db.instance.arn])
    return plan

"""Database: RDS PostgreSQL in the database subnets, its parameters, monitoring and secret access.

Fixes FM-2.2 (`publicly_accessible = false` written out), FM-3.1 (Multi-AZ in production),
FM-5.3 (profile-sized class, storage autoscaling), FM-X1 (master password managed by RDS in
Secrets Manager, never in state), FM-X4 (major version pinned, minor versions upgraded by
AWS), FM-X5 (deletion protection and a final snapshot in production; both are lifted only
by `prodstack down`, as part of a confirmed teardown). The final snapshot is named after the
instance's creation time, kept in a `terraform_data`, so every deployment's is unique.
"""

from __future__ import annotations

from dataclasses import dataclass

from prodstack.config.limits import ENGINE_MAJOR
from prodstack.stack.context import Context
from prodstack.stack.parts.foundation import Base
from prodstack.stack.parts.iam import service_role
from prodstack.stack.parts.keys import Keys
from prodstack.stack.parts.network import Network
from prodstack.tf.document import Block, expr

LOG_EXPORTS = ("postgresql", "upgrade")
DB_NAME = "productiondb"
MASTER_USERNAME = "dbadmin"


@dataclass(frozen=True)
class Database:
    instance: Block
    secret_arn: str  # the master password's secret, managed by RDS


def build(ctx: Context, r: Base, keys: Keys, net: Network) -> Database:
    doc, p = ctx.doc, ctx.profile
    subnet_group = doc.resource(
        "aws_db_subnet_group", "main", name=ctx.name("db"),
        subnet_ids=[sn.id for sn in net.db_subnets], tags=ctx.tags("db"),
    )
    params = doc.resource(
        # A prefix, not a name: with create_before_destroy, a changed group is created
        # before the old one goes, and a fixed name would be taken (DBParameterGroupAlreadyExists).
        "aws_db_parameter_group", "main", name_prefix=ctx.name(f"postgres{ENGINE_MAJOR}-"),
        family=f"postgres{ENGINE_MAJOR}",
        description=f"{ctx.names.prefix}: TLS only, connection and slow-query logging",
        parameter=[
            {"name": "rds.force_ssl", "value": "1"},
            {"name": "log_connections", "value": "1"},
            {"name": "log_disconnections", "value": "1"},
            {"name": "log_min_duration_statement", "value": "1000"},
        ],
        tags=ctx.tags("db"),
        lifecycle={"create_before_destroy": True},
    )
    monitoring_role = None
    if p.db_monitoring_interval:
        monitoring_role = service_role(
            ctx, r, "rds_monitoring", "monitoring.rds.amazonaws.com",
            {"rds_monitoring": "service-role/AmazonRDSEnhancedMonitoringRole"},
            condition={"StringEquals": {"aws:SourceAccount": r.account_id}})
    protected = p.db_deletion_protection
    final_snapshot = None
    if p.db_final_snapshot:
        created = doc.resource("terraform_data", "db_created", input=expr("plantimestamp()"),
                               lifecycle={"ignore_changes": ["input"]})
        final_snapshot = (ctx.name("db") + "-final-" +
                          expr(f'formatdate("YYYYMMDDhhmmss", {created.address}.output)'))
    # RDS would create the exported log groups itself: unencrypted and kept forever.
    groups = [doc.resource(
        "aws_cloudwatch_log_group", f"rds_{log}",
        name=ctx.names.db_log_group(log),
        retention_in_days=p.log_retention_days, kms_key_id=keys.logs.arn,
        tags=ctx.tags(f"db-{log}")) for log in LOG_EXPORTS]
    instance = doc.resource(
        "aws_db_instance", "main", identifier=ctx.name("db"), engine="postgres",
        engine_version=ENGINE_MAJOR, auto_minor_version_upgrade=True,
        instance_class=p.db_instance_class, db_name=DB_NAME,
        username=MASTER_USERNAME, manage_master_user_password=True,
        master_user_secret_kms_key_id=keys.data.arn,
        db_subnet_group_name=subnet_group.name_attr, parameter_group_name=params.name_attr,
        vpc_security_group_ids=[net.security_groups.db.id], publicly_accessible=False,
        multi_az=p.db_multi_az, storage_type="gp3", storage_encrypted=True,
        kms_key_id=keys.data.arn, allocated_storage=p.db_allocated_storage,
        max_allocated_storage=p.db_max_allocated_storage,
        backup_retention_period=p.db_backup_retention_days,
        backup_window="03:00-04:00", maintenance_window="sun:04:30-sun:05:30",
        copy_tags_to_snapshot=True, iam_database_authentication_enabled=True,
        enabled_cloudwatch_logs_exports=list(LOG_EXPORTS),
        performance_insights_enabled=p.db_performance_insights,
        performance_insights_kms_key_id=keys.data.arn if p.db_performance_insights else None,
        performance_insights_retention_period=7 if p.db_performance_insights else None,
        monitoring_interval=p.db_monitoring_interval,
        monitoring_role_arn=monitoring_role.arn if monitoring_role else None,
        deletion_protection=protected,
        skip_final_snapshot=not p.db_final_snapshot,
        final_snapshot_identifier=final_snapshot,
        apply_immediately=p.db_apply_immediately,
        tags=ctx.tags("db"),
        depends_on=groups,
    )
    return Database(instance=instance, secret_arn=instance["master_user_secret[0].secret_arn"])

"""Database: RDS PostgreSQL in the database subnets, its parameters, monitoring and secret access.

Fixes FM-2.2 (`publicly_accessible = false` written out), FM-3.1 (Multi-AZ in production),
FM-5.3 (profile-sized class, storage autoscaling), FM-X1 (master password managed by RDS in
Secrets Manager, never in state), FM-X4 (major version pinned, minor versions upgraded by
AWS), FM-X5 (deletion protection and a final snapshot in production; both are lifted only
by `prodstack down`, as part of a confirmed teardown). The final snapshot is named after the
instance's creation time, kept in a `terraform_data`, so every deployment's is unique.
"""

from __future__ import annotations

from prodstack.stack.context import StackContext
from prodstack.tf.document import expr, policy_document

ENGINE_MAJOR = "16"
DB_NAME = "productiondb"
MASTER_USERNAME = "dbadmin"


def build(ctx: StackContext) -> None:
    doc, r, p = ctx.doc, ctx.refs, ctx.profile
    subnet_group = doc.resource(
        "aws_db_subnet_group", "main", name=ctx.name("db"),
        subnet_ids=[sn.id for sn in r.db_subnets], tags=ctx.tags("db"),
    )
    params = doc.resource(
        "aws_db_parameter_group", "main", name=ctx.name(f"postgres{ENGINE_MAJOR}"),
        family=f"postgres{ENGINE_MAJOR}",
        description=f"{ctx.prefix}: TLS only, connection and slow-query logging",
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
        monitoring_role = ctx.service_role(
            "rds_monitoring", "monitoring.rds.amazonaws.com",
            {"rds_monitoring": "service-role/AmazonRDSEnhancedMonitoringRole"})
    protected = p.db_deletion_protection
    final_snapshot = None
    if p.db_final_snapshot:
        created = doc.resource("terraform_data", "db_created", input=expr("plantimestamp()"),
                               lifecycle={"ignore_changes": ["input"]})
        final_snapshot = (ctx.name("db") + "-final-" +
                          expr(f'formatdate("YYYYMMDDhhmmss", {created.address}.output)'))
    r.db = doc.resource(
        "aws_db_instance", "main", identifier=ctx.name("db"), engine="postgres",
        engine_version=ENGINE_MAJOR, auto_minor_version_upgrade=True,
        instance_class=ctx.settings.value("db_instance_class"), db_name=DB_NAME,
        username=MASTER_USERNAME, manage_master_user_password=True,
        master_user_secret_kms_key_id=r.data_key.arn,
        db_subnet_group_name=subnet_group.name_attr, parameter_group_name=params.name_attr,
        vpc_security_group_ids=[r.db_sg.id], publicly_accessible=False,
        multi_az=p.db_multi_az, storage_type="gp3", storage_encrypted=True,
        kms_key_id=r.data_key.arn, allocated_storage=p.db_allocated_storage,
        max_allocated_storage=p.db_max_allocated_storage,
        backup_retention_period=p.db_backup_retention_days,
        backup_window="03:00-04:00", maintenance_window="sun:04:30-sun:05:30",
        copy_tags_to_snapshot=True, iam_database_authentication_enabled=True,
        enabled_cloudwatch_logs_exports=["postgresql", "upgrade"],
        performance_insights_enabled=p.db_performance_insights,
        performance_insights_kms_key_id=r.data_key.arn if p.db_performance_insights else None,
        performance_insights_retention_period=7 if p.db_performance_insights else None,
        monitoring_interval=p.db_monitoring_interval,
        monitoring_role_arn=monitoring_role.arn if monitoring_role else None,
        deletion_protection=protected,
        skip_final_snapshot=not p.db_final_snapshot,
        final_snapshot_identifier=final_snapshot,
        apply_immediately=ctx.settings.env != "production",
        tags=ctx.tags("db"),
    )
    # The web tier may read this database's managed secret, and nothing else.
    doc.resource(
        "aws_iam_role_policy", "web_read_db_secret", name="read-db-secret", role=r.web_role.id,
        policy=policy_document(
            {"Sid": "ReadOwnDatabaseSecret", "Effect": "Allow",
             "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
             "Resource": r.db["master_user_secret[0].secret_arn"]},
            {"Sid": "DecryptThatSecret", "Effect": "Allow", "Action": "kms:Decrypt",
             "Resource": r.data_key.arn,
             "Condition": {"StringEquals": {
                 "kms:ViaService": f"secretsmanager.{r.region}.amazonaws.com"}}},
        ),
    )

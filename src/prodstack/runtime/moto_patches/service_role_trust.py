"""Strict: a service assumes the role it is given only if the role's trust policy lets it, with
the request context that service really sends.

moto: no action that hands a role to a service reads the role: CreateDBInstance and
ModifyDBInstance with a MonitoringRoleArn, CreateFlowLogs with a DeliverLogsPermissionArn and
CreateBackupSelection with an IamRoleArn accept any ARN, even of a role that does not exist;
CreateAutoScalingGroup names AWSServiceRoleForAutoScaling without creating it.
AWS (API references, "CreateDBInstance", "CreateFlowLogs", "CreateBackupSelection",
"CreateAutoScalingGroup"; guides cited in REFUSES):
- RDS Enhanced Monitoring: monitoring.rds.amazonaws.com must be able to assume the role (the
  request carries aws:SourceAccount and aws:SourceArn, the DB instance's ARN), else
  InvalidParameterValue "IAM role ARN value is invalid or does not include the required
  permissions for: ENHANCED_MONITORING".
- VPC flow logs to CloudWatch Logs: CreateFlowLogs succeeds, but a role that
  vpc-flow-logs.amazonaws.com cannot assume (aws:SourceAccount, aws:SourceArn of the flow log)
  or that may not logs:CreateLogStream / logs:PutLogEvents on the group makes the flow log
  DeliverLogsStatus FAILED, DeliverLogsErrorMessage "Access error" (and, unlike moto, a
  flow log given its group by LogDestination ARN, as Terraform does, delivers when it can).
- AWS Backup: CreateBackupSelection answers InvalidParameterValueException "IAM Role <arn>
  cannot be assumed by AWS Backup" (the message the AWS provider retries on); AWS Backup
  documents no aws:Source* keys for its role's trust, so none are sent.
- Auto Scaling creates AWSServiceRoleForAutoScaling when a group is created without a
  ServiceLinkedRoleARN and the role does not exist (its trust is AWS's own).
Not refused, as AWS does not refuse it at create time: RegisterTaskWithMaintenanceWindow (SSM
checks the ServiceRoleArn only when the task runs; its API lists no error for it).
"""

from __future__ import annotations

import json
from typing import Any

from moto.autoscaling.models import AutoScalingBackend
from moto.backup.exceptions import InvalidParameterValueException
from moto.backup.responses import BackupResponse
from moto.ec2.models.flow_logs import FlowLogsBackend
from moto.iam.models import iam_backends
from moto.logs.models import logs_backends
from moto.rds.exceptions import InvalidParameterValue
from moto.rds.models import RDSBackend
from moto.utilities.utils import get_partition

from prodstack.catalog.ready.ar_8_flow_logs_role import FLOW_LOGS, WRITE
from prodstack.catalog.ready.ar_9_rds_monitoring import MONITORING
from prodstack.runtime.moto_patches import _service_policies as sp

MOTO_VERSION = "5.2.5"
BACKUP = sp.service("backup.amazonaws.com")
ENHANCED_MONITORING = ("IAM role ARN value is invalid or does not include the required "
                       "permissions for: ENHANCED_MONITORING")

REFUSES = (
    ("RDS CreateDBInstance/ModifyDBInstance with MonitoringInterval > 0 and a MonitoringRoleArn "
     "that does not exist or that monitoring.rds.amazonaws.com may not assume (with "
     "aws:SourceAccount and aws:SourceArn of the instance)", "InvalidParameterValue",
     "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Monitoring.OS.Enabling.html"),
    ("VPC CreateFlowLogs to CloudWatch Logs with a role that vpc-flow-logs.amazonaws.com may "
     "not assume (aws:SourceAccount, aws:SourceArn of the flow log) or use to write the group: "
     "accepted, and the flow log reports DeliverLogsStatus FAILED",
     "DeliverLogsErrorMessage \"Access error\"",
     "https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html"),
    ("AWS Backup CreateBackupSelection with an IamRoleArn that does not exist or that "
     "backup.amazonaws.com may not assume", "InvalidParameterValueException",
     "https://docs.aws.amazon.com/aws-backup/latest/devguide/iam-service-roles.html"),
)


def monitoring_role_ok(account: str, region: str, db_id: str, arn: str) -> bool:
    source = {"aws:SourceAccount": account,
              "aws:SourceArn": f"arn:{get_partition(region)}:rds:{region}:{account}:db:{db_id}"}
    return sp.trusts(sp.role(account, region, arn), MONITORING, source)


def _param(kwargs: dict[str, Any], snake: str, camel: str) -> Any:
    return kwargs.get(snake, kwargs.get(camel))


def _check_monitoring(backend: RDSBackend, db_id: str, interval: Any, arn: Any) -> None:
    if arn and interval not in (None, "", 0, "0") and not monitoring_role_ok(
            backend.account_id, backend.region_name, db_id, str(arn)):
        raise InvalidParameterValue(ENHANCED_MONITORING)


def backup_role_ok(account: str, region: str, arn: str | None) -> bool:
    """backup.amazonaws.com may assume the role (also for StartBackupJob/StartRestoreJob)."""
    return sp.trusts(sp.role(account, region, arn), BACKUP)


def flow_log_delivers(account: str, region: str, flow: Any) -> bool:
    """The group exists (named, or given by ARN: moto looks only at a LogGroupName and
    reports any flow log given a LogDestination as failed) and the role lets the service in."""
    destination = flow.log_destination or ""
    group = destination.removesuffix(":*") if ":log-group:" in destination else (
        f"arn:{get_partition(region)}:logs:{region}:{account}:log-group:{flow.log_group_name}")
    if group.split(":log-group:", 1)[1] not in logs_backends[account][region].groups:
        return False
    role = sp.role(account, region, flow.deliver_logs_permission_arn)
    source = {"aws:SourceAccount": account, "aws:SourceArn":
              f"arn:{get_partition(region)}:ec2:{region}:{account}:vpc-flow-log/{flow.id}"}
    if not sp.trusts(role, FLOW_LOGS, source):
        return False
    stream = f"{group}:log-stream:{flow.resource_id}-all"
    return all(sp.role_may(role, action, (group, f"{group}:*", stream))  # type: ignore[arg-type]
               for action in WRITE)


def apply() -> None:
    create_db, modify_db = RDSBackend.create_db_instance, RDSBackend.modify_db_instance

    def create_db_instance(self: RDSBackend, db_kwargs: dict[str, Any]) -> Any:
        _check_monitoring(self, str(_param(db_kwargs, "db_instance_identifier",
                                           "DBInstanceIdentifier")),
                          _param(db_kwargs, "monitoring_interval", "MonitoringInterval"),
                          _param(db_kwargs, "monitoring_role_arn", "MonitoringRoleArn"))
        return create_db(self, db_kwargs)

    def modify_db_instance(self: RDSBackend, db_instance_identifier: str,
                           db_kwargs: dict[str, Any]) -> Any:
        current = self.describe_db_instances(db_instance_identifier)[0]
        interval = _param(db_kwargs, "monitoring_interval", "MonitoringInterval")
        arn = _param(db_kwargs, "monitoring_role_arn", "MonitoringRoleArn")
        _check_monitoring(self, db_instance_identifier,
                          current.monitoring_interval if interval is None else interval,
                          current.monitoring_role_arn if arn is None else arn)
        return modify_db(self, db_instance_identifier, db_kwargs)

    RDSBackend.create_db_instance = create_db_instance  # type: ignore[method-assign]
    RDSBackend.modify_db_instance = modify_db_instance  # type: ignore[method-assign]

    create_flow_logs = FlowLogsBackend.create_flow_logs

    def create_flow_logs_checked(self: Any, *args: Any, **kwargs: Any) -> Any:
        made, unsuccessful = create_flow_logs(self, *args, **kwargs)
        for flow in made:
            if (flow.log_destination_type or "cloud-watch-logs") != "cloud-watch-logs":
                continue
            delivers = flow_log_delivers(self.account_id, self.region_name, flow)
            flow.deliver_logs_status = "SUCCESS" if delivers else "FAILED"
            flow.deliver_logs_error_message = None if delivers else "Access error"
        return made, unsuccessful

    FlowLogsBackend.create_flow_logs = create_flow_logs_checked  # type: ignore[method-assign]

    create_selection = BackupResponse.create_backup_selection

    def create_backup_selection(self: BackupResponse) -> Any:
        arn = (json.loads(self.body or "{}").get("BackupSelection") or {}).get("IamRoleArn")
        backend = self.backup_backend
        if arn and not backup_role_ok(backend.account_id, backend.region_name, arn):
            raise InvalidParameterValueException(
                msg=f"IAM Role {arn} cannot be assumed by AWS Backup")
        return create_selection(self)

    BackupResponse.create_backup_selection = create_backup_selection  # type: ignore[method-assign]

    create_group = AutoScalingBackend.create_auto_scaling_group

    def create_auto_scaling_group(self: AutoScalingBackend, *args: Any, **kwargs: Any) -> Any:
        iam = iam_backends[self.account_id][get_partition(self.region_name)]
        if not any(r.name == "AWSServiceRoleForAutoScaling" for r in iam.get_roles()):
            iam.create_service_linked_role("autoscaling.amazonaws.com", "", "")
        return create_group(self, *args, **kwargs)

    AutoScalingBackend.create_auto_scaling_group = create_auto_scaling_group  # type: ignore[method-assign]

"""AWS Backup keeps recovery points: backup jobs create them, vaults list them.

moto: StartBackupJob, DescribeBackupJob, ListBackupJobs, the recovery point actions
(ListRecoveryPointsByBackupVault, ListRecoveryPointsByResource, DescribeRecoveryPoint,
DeleteRecoveryPoint, GetRecoveryPointRestoreMetadata) are not implemented (HTTP 404/500), so
nothing is ever backed up and every vault looks empty (NumberOfRecoveryPoints 0).
AWS (AWS Backup API reference, "StartBackupJob", "DescribeBackupJob", "ListBackupJobs",
"ListRecoveryPointsByBackupVault", "ListRecoveryPointsByResource", "DescribeRecoveryPoint",
"DeleteRecoveryPoint", "GetRecoveryPointRestoreMetadata"; Developer Guide, "Amazon RDS
backups"): a backup job of an RDS DB instance creates an RDS snapshot of type `awsbackup`
(DescribeDBSnapshots SnapshotType="awsbackup" lists it), encrypted with the instance's key,
whose ARN is the recovery point's; the vault lists the point with its lifecycle (DeleteAt =
creation + DeleteAfterDays) until DeleteRecoveryPoint deletes it and its snapshot; an
unknown vault, job or point is ResourceNotFoundException. RDS restores and copies such a
snapshot when named by its identifier (moto looks only at manual and automated ones, so
that lookup is extended to `awsbackup` snapshots). Here a job completes at once;
`backup_plan_run` runs a plan's rules (what AWS does on the rule's schedule).
"""

from __future__ import annotations

import json
from typing import Any

from moto.backup import urls
from moto.backup.exceptions import ResourceNotFoundException
from moto.backup.responses import BackupResponse
from moto.rds.models import DBSnapshot, RDSBackend

from prodstack.runtime.moto_patches import _backup_store as backups

MOTO_VERSION = "5.2.5"
PATHS = ("{0}/backup-jobs/$", "{0}/backup-jobs/(?P<job>[^/]+)$",
         "{0}/backup-vaults/(?P<name>[^/]+)/recovery-points/$",
         "{0}/backup-vaults/(?P<name>[^/]+)/recovery-points/(?P<arn>.+)$",
         "{0}/resources/(?P<arn>.+)/recovery-points/$")


def start_backup_job(self: BackupResponse) -> str:
    params = json.loads(self.body or "{}")
    job = backups.start_job(self.backup_backend, params["BackupVaultName"],
                            params["ResourceArn"], params["IamRoleArn"], params.get("Lifecycle"),
                            {})
    return json.dumps({"BackupJobId": job["BackupJobId"], "CreationDate": job["CreationDate"],
                       "RecoveryPointArn": job.get("RecoveryPointArn"), "IsParent": False})


def describe_backup_job(self: BackupResponse) -> str:
    job_id = backups.uri(self, "backupJobId")
    job = backups.store(self.backup_backend).jobs.get(job_id)
    if job is None:
        raise ResourceNotFoundException(msg=f"Cannot find job with ID {job_id}")
    return json.dumps(job)


def list_backup_jobs(self: BackupResponse) -> str:
    filters = {"ResourceArn": "resourceArn", "State": "state",
               "BackupVaultName": "backupVaultName", "ResourceType": "resourceType"}
    wanted = {key: backups.query(self, name) for key, name in filters.items()}
    jobs = [job for job in backups.store(self.backup_backend).jobs.values()
            if all(value is None or job.get(key) == value for key, value in wanted.items())]
    return backups.page(jobs, self, "BackupJobs")


def list_recovery_points_by_backup_vault(self: BackupResponse) -> str:
    backend, name = self.backup_backend, backups.uri(self, "backupVaultName")
    backend.describe_backup_vault(name)  # ResourceNotFoundException
    plan = backups.query(self, "backupPlanId")
    arn, type_ = backups.query(self, "resourceArn"), backups.query(self, "resourceType")
    points = [p.describe() for p in backups.in_vault(backend, name)
              if (arn is None or p.resource_arn == arn)
              and (type_ is None or p.resource_type == type_)
              and (plan is None or p.created_by.get("BackupPlanId") == plan)]
    return backups.page(points, self, "RecoveryPoints")


def list_recovery_points_by_resource(self: BackupResponse) -> str:
    arn = backups.uri(self, "resourceArn")
    points = [p.summary() for p in backups.store(self.backup_backend).points.values()
              if p.resource_arn == arn]
    return backups.page(points, self, "RecoveryPoints")


def describe_recovery_point(self: BackupResponse) -> str:
    return json.dumps(backups.point(self.backup_backend, backups.uri(self, "backupVaultName"),
                                    backups.uri(self, "recoveryPointArn")).describe())


def delete_recovery_point(self: BackupResponse) -> str:
    backend = self.backup_backend
    backups.delete_point(backend, backups.point(backend, backups.uri(self, "backupVaultName"),
                                                backups.uri(self, "recoveryPointArn")))
    return "{}"


def get_recovery_point_restore_metadata(self: BackupResponse) -> str:
    found = backups.point(self.backup_backend, backups.uri(self, "backupVaultName"),
                          backups.uri(self, "recoveryPointArn"))
    return json.dumps({"BackupVaultArn": found.vault.backup_vault_arn,
                       "RecoveryPointArn": found.arn, "ResourceType": found.resource_type,
                       "RestoreMetadata": found.restore_metadata})


ACTIONS = (start_backup_job, describe_backup_job, list_backup_jobs,
           list_recovery_points_by_backup_vault, list_recovery_points_by_resource,
           describe_recovery_point, delete_recovery_point, get_recovery_point_restore_metadata)


def _find_backup_snapshots() -> None:
    describe = RDSBackend.describe_db_snapshots

    def describe_with_backup_snapshots(self: RDSBackend, db_instance_identifier: str | None,
                                       db_snapshot_identifier: str | None = None,
                                       snapshot_type: str | None = None,
                                       filters: dict[str, Any] | None = None) -> list[DBSnapshot]:
        named = self.database_snapshots.get((db_snapshot_identifier or "").lower())
        if (named is not None and named.snapshot_type == "awsbackup" and snapshot_type is None
                and not filters and not db_instance_identifier):
            return [named]
        return describe(self, db_instance_identifier, db_snapshot_identifier, snapshot_type,
                        filters)

    RDSBackend.describe_db_snapshots = describe_with_backup_snapshots  # type: ignore[method-assign]


def apply() -> None:
    _find_backup_snapshots()
    for action in ACTIONS:
        setattr(BackupResponse, action.__name__, action)
    for path in PATHS:
        urls.url_paths[path] = urls.response.dispatch

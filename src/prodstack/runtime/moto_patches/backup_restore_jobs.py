"""AWS Backup restore jobs: StartRestoreJob restores an RDS recovery point into a DB instance.

moto: StartRestoreJob, DescribeRestoreJob and ListRestoreJobs are not implemented (HTTP 404),
so no recovery point can be restored through AWS Backup.
AWS (AWS Backup API reference, "StartRestoreJob", "DescribeRestoreJob", "ListRestoreJobs";
Developer Guide, "Restore an Amazon RDS database"): StartRestoreJob takes the recovery point's
ARN, an IAM role and the restore metadata (GetRecoveryPointRestoreMetadata's keys, as
strings: DBInstanceIdentifier, DBInstanceClass, DBSubnetGroupName, VpcSecurityGroupIds as a
JSON list, MultiAZ, PubliclyAccessible, Port, AvailabilityZone, StorageType,
DeletionProtection, CopyTagsToSnapshot, …) and answers a RestoreJobId; RDS restores the
snapshot behind the point (RestoreDBInstanceFromDBSnapshot, so the emulator's restore rules
and key states apply). DescribeRestoreJob reports the job: RUNNING while the instance is
being created, COMPLETED with CreatedResourceArn once it is available, FAILED with RDS's
error as StatusMessage; an unknown job or recovery point is ResourceNotFoundException.
"""

from __future__ import annotations

import json
from typing import Any

from moto.backup import urls
from moto.backup.exceptions import InvalidParameterValueException, ResourceNotFoundException
from moto.backup.responses import BackupResponse
from moto.core.exceptions import ServiceException
from moto.core.utils import unix_time
from moto.moto_api._internal import mock_random
from moto.rds.models import rds_backends

from prodstack.runtime.moto_patches import _backup_store as backups

MOTO_VERSION = "5.2.5"
PATHS = ("{0}/restore-jobs/$", "{0}/restore-jobs/(?P<job>[^/]+)$")
# Restore metadata keys, and the RestoreDBInstanceFromDBSnapshot setting each one gives.
TEXT = {"DBInstanceIdentifier": "db_instance_identifier",
        "DBInstanceClass": "db_instance_class", "DBSubnetGroupName": "db_subnet_group_name",
        "AvailabilityZone": "availability_zone", "StorageType": "storage_type",
        "DBParameterGroupName": "db_parameter_group_name",
        "OptionGroupName": "option_group_name", "LicenseModel": "license_model"}
BOOLEAN = {"MultiAZ": "multi_az", "PubliclyAccessible": "publicly_accessible",
           "DeletionProtection": "deletion_protection",
           "CopyTagsToSnapshot": "copy_tags_to_snapshot",
           "AutoMinorVersionUpgrade": "auto_minor_version_upgrade",
           "EnableIAMDatabaseAuthentication": "enable_iam_database_authentication"}
NUMBER = {"Port": "port", "Iops": "iops", "AllocatedStorage": "allocated_storage"}


def overrides(metadata: dict[str, str]) -> dict[str, Any]:
    """RestoreDBInstanceFromDBSnapshot's settings from restore metadata."""
    out: dict[str, Any] = {TEXT[k]: v for k, v in metadata.items() if k in TEXT}
    out |= {BOOLEAN[k]: str(v).lower() == "true" for k, v in metadata.items() if k in BOOLEAN}
    out |= {NUMBER[k]: int(v) for k, v in metadata.items() if k in NUMBER}
    if metadata.get("VpcSecurityGroupIds"):
        out["vpc_security_group_ids"] = json.loads(metadata["VpcSecurityGroupIds"])
    if "db_instance_identifier" not in out:
        raise InvalidParameterValueException(msg="DBInstanceIdentifier is required in Metadata")
    return out


def start_restore_job(self: BackupResponse) -> str:
    params = json.loads(self.body or "{}")
    backend = self.backup_backend
    found = backups.store(backend).points.get(params["RecoveryPointArn"])
    if found is None:
        raise ResourceNotFoundException(msg=f"Recovery point {params['RecoveryPointArn']} "
                                            "not found")
    job_id = str(mock_random.uuid4()).upper()
    now = unix_time()
    job: dict[str, Any] = {
        "AccountId": backend.account_id, "RestoreJobId": job_id,
        "RecoveryPointArn": found.arn, "SourceResourceArn": found.resource_arn,
        "BackupVaultArn": found.vault.backup_vault_arn, "CreationDate": now,
        "IamRoleArn": params.get("IamRoleArn"), "ResourceType": found.resource_type,
        "RecoveryPointCreationDate": found.creation_date, "BackupSizeInBytes": 0,
        "Status": "RUNNING", "PercentDone": "0.00%", "IsParent": False}
    if found.snapshot_id is None:
        job.update(Status="FAILED", CompletionDate=now,
                   StatusMessage=f"Restoring a {found.resource_type} recovery point is not "
                                 "supported by the emulator")
    else:
        parts = found.arn.split(":")
        rds = rds_backends[parts[4]][parts[3]]
        settings = overrides({**found.restore_metadata, **(params.get("Metadata") or {})})
        try:
            instance = rds.restore_db_instance_from_db_snapshot(found.snapshot_id, settings)
            job["CreatedResourceArn"] = instance.db_instance_arn
        except ServiceException as exc:
            job.update(Status="FAILED", CompletionDate=now, StatusMessage=exc.message)
    backups.store(backend).restore_jobs[job_id] = job
    return json.dumps({"RestoreJobId": job_id})


def _current(job: dict[str, Any]) -> dict[str, Any]:
    """The job as it stands: COMPLETED once the restored instance is available."""
    if job["Status"] == "RUNNING":
        parts = job["CreatedResourceArn"].split(":")
        rds = rds_backends[parts[4]][parts[3]]
        instance = rds.databases.get(parts[6])
        if instance is not None:  # describing it settles a restore that has taken its time
            instance = rds.describe_db_instances(parts[6])[0]
        if instance is not None and instance.status == "available":
            job.update(Status="COMPLETED", PercentDone="100.00%", CompletionDate=unix_time())
        elif instance is None:
            job.update(Status="FAILED", StatusMessage="The restored DB instance was deleted",
                       CompletionDate=unix_time())
    return job


def describe_restore_job(self: BackupResponse) -> str:
    job_id = backups.uri(self, "restoreJobId")
    job = backups.store(self.backup_backend).restore_jobs.get(job_id)
    if job is None:
        raise ResourceNotFoundException(msg=f"Cannot find restore job with ID {job_id}")
    return json.dumps(_current(job))


def list_restore_jobs(self: BackupResponse) -> str:
    status, type_ = backups.query(self, "status"), backups.query(self, "resourceType")
    jobs = [_current(job) for job in backups.store(self.backup_backend).restore_jobs.values()]
    return backups.page([job for job in jobs if status in (None, job["Status"])
                         and type_ in (None, job["ResourceType"])], self, "RestoreJobs")


def apply() -> None:
    for action in (start_restore_job, describe_restore_job, list_restore_jobs):
        setattr(BackupResponse, action.__name__, action)
    for path in PATHS:
        urls.url_paths[path] = urls.response.dispatch

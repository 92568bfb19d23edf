"""Shared by the AWS Backup modules: backup jobs and the recovery points they create.

A job runs at once (AWS takes minutes): for an RDS DB instance it takes an RDS snapshot of
type `awsbackup` named `awsbackup:job-<id>`, encrypted with the instance's key like every
RDS snapshot, whose ARN is the recovery point's ARN (AWS Backup Developer Guide, "Creating a
backup", "Amazon RDS backups"); for any other resource the recovery point is
`arn:aws:backup:<region>:<account>:recovery-point:<id>` with nothing behind it. Jobs and
recovery points live on moto's `BackupBackend` of the Region (so a reset drops them).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from moto.backup.exceptions import ResourceNotFoundException
from moto.backup.models import BackupBackend, Vault
from moto.backup.responses import BackupResponse
from moto.core.utils import unix_time
from moto.moto_api._internal import mock_random
from moto.rds.models import rds_backends

DAY = 86400.0
# Resource types as AWS Backup names them, by the service of the resource's ARN.
RESOURCE_TYPES = {"rds": "RDS", "ec2": "EC2", "dynamodb": "DynamoDB", "s3": "S3",
                  "elasticfilesystem": "EFS", "fsx": "FSx", "storagegateway": "Storage Gateway",
                  "docdb": "DocumentDB", "neptune": "Neptune", "redshift": "Redshift"}


@dataclass
class RecoveryPoint:
    arn: str
    vault: Vault
    resource_arn: str
    resource_type: str
    iam_role_arn: str
    lifecycle: dict[str, Any]
    created_by: dict[str, Any]
    encryption_key_arn: str | None
    snapshot_id: str | None = None  # the RDS snapshot behind it
    creation_date: float = field(default_factory=unix_time)
    restore_metadata: dict[str, str] = field(default_factory=dict)

    def calculated_lifecycle(self) -> dict[str, float]:
        out = {}
        if self.lifecycle.get("MoveToColdStorageAfterDays"):
            out["MoveToColdStorageAt"] = (self.creation_date
                                          + self.lifecycle["MoveToColdStorageAfterDays"] * DAY)
        if self.lifecycle.get("DeleteAfterDays"):
            out["DeleteAt"] = self.creation_date + self.lifecycle["DeleteAfterDays"] * DAY
        return out

    def describe(self) -> dict[str, Any]:
        """DescribeRecoveryPoint's answer (and a ListRecoveryPointsByBackupVault member)."""
        return {
            "RecoveryPointArn": self.arn, "BackupVaultName": self.vault.backup_vault_name,
            "BackupVaultArn": self.vault.backup_vault_arn, "ResourceArn": self.resource_arn,
            "ResourceType": self.resource_type, "ResourceName": self.resource_arn.split(":")[-1],
            "CreatedBy": self.created_by, "IamRoleArn": self.iam_role_arn,
            "Status": "COMPLETED", "CreationDate": self.creation_date,
            "InitiationDate": self.creation_date, "CompletionDate": self.creation_date,
            "BackupSizeInBytes": 0, "Lifecycle": self.lifecycle,
            "CalculatedLifecycle": self.calculated_lifecycle(),
            "EncryptionKeyArn": self.encryption_key_arn,
            "IsEncrypted": self.encryption_key_arn is not None, "StorageClass": "WARM",
            "IsParent": False, "VaultType": "BACKUP_VAULT",
        }

    def summary(self) -> dict[str, Any]:
        """A ListRecoveryPointsByResource member."""
        return {"RecoveryPointArn": self.arn, "CreationDate": self.creation_date,
                "Status": "COMPLETED", "EncryptionKeyArn": self.encryption_key_arn,
                "BackupSizeBytes": 0, "BackupVaultName": self.vault.backup_vault_name,
                "IsParent": False, "ResourceName": self.resource_arn.split(":")[-1],
                "VaultType": "BACKUP_VAULT"}


@dataclass
class Store:
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    points: dict[str, RecoveryPoint] = field(default_factory=dict)
    restore_jobs: dict[str, dict[str, Any]] = field(default_factory=dict)


def store(backend: BackupBackend) -> Store:
    found: Store | None = getattr(backend, "prodstack_backup_store", None)
    if found is None:
        found = Store()
        backend.prodstack_backup_store = found  # type: ignore[attr-defined]
    return found


def in_vault(backend: BackupBackend, vault_name: str) -> list[RecoveryPoint]:
    return [p for p in store(backend).points.values()
            if p.vault.backup_vault_name == vault_name]


def point(backend: BackupBackend, vault_name: str, arn: str) -> RecoveryPoint:
    backend.describe_backup_vault(vault_name)  # ResourceNotFoundException
    found = store(backend).points.get(arn)
    if found is None or found.vault.backup_vault_name != vault_name:
        raise ResourceNotFoundException(msg=f"Recovery point {arn} not found")
    return found


def _count(vault: Vault, backend: BackupBackend) -> None:
    vault.num_of_recovery_points = len(in_vault(backend, vault.backup_vault_name))


def _rds_metadata(instance: Any) -> dict[str, str]:
    """GetRecoveryPointRestoreMetadata for an RDS instance: its settings, as strings."""
    groups = [g for g in getattr(instance, "vpc_security_group_ids", None) or []]
    values = {
        "DBInstanceIdentifier": instance.db_instance_identifier,
        "DBInstanceClass": instance.db_instance_class, "Engine": instance.engine,
        "Port": instance.port, "MultiAZ": instance.multi_az,
        "PubliclyAccessible": instance.publicly_accessible,
        "DeletionProtection": instance.deletion_protection,
        "CopyTagsToSnapshot": instance.copy_tags_to_snapshot,
        "StorageType": instance.storage_type, "AllocatedStorage": instance.allocated_storage,
        "DBSubnetGroupName": getattr(instance, "_db_subnet_group_name", None),
        "VpcSecurityGroupIds": json.dumps(groups),
        "AvailabilityZone": instance.availability_zone,
    }
    return {k: (str(v).lower() if isinstance(v, bool) else str(v))
            for k, v in values.items() if v is not None}


def start_job(backend: BackupBackend, vault_name: str, resource_arn: str, iam_role_arn: str,
              lifecycle: dict[str, Any] | None, created_by: dict[str, Any]) -> dict[str, Any]:
    """Run a backup job now; returns the job (DescribeBackupJob's answer)."""
    vault = backend.describe_backup_vault(vault_name)  # ResourceNotFoundException
    job_id = str(mock_random.uuid4()).upper()
    now = unix_time()
    parts = resource_arn.split(":")
    service = parts[2] if len(parts) > 5 else ""
    job: dict[str, Any] = {
        "AccountId": backend.account_id, "BackupJobId": job_id,
        "BackupVaultName": vault_name, "BackupVaultArn": vault.backup_vault_arn,
        "ResourceArn": resource_arn, "ResourceType": RESOURCE_TYPES.get(service, service),
        "ResourceName": parts[-1], "IamRoleArn": iam_role_arn, "CreatedBy": created_by,
        "CreationDate": now, "InitiationDate": now, "StartBy": now, "State": "COMPLETED",
        "PercentDone": "100.0", "BackupSizeInBytes": 0, "BytesTransferred": 0,
        "BackupType": "", "IsParent": False, "VaultType": "BACKUP_VAULT",
        "RecoveryPointLifecycle": lifecycle or {}, "MessageCategory": "SUCCESS",
    }
    recovery = RecoveryPoint(
        arn=f"arn:aws:backup:{backend.region_name}:{backend.account_id}:recovery-point:"
            f"{str(mock_random.uuid4()).upper()}",
        vault=vault, resource_arn=resource_arn, resource_type=job["ResourceType"],
        iam_role_arn=iam_role_arn, lifecycle=lifecycle or {}, created_by=created_by,
        encryption_key_arn=vault.encryption_key_arn)
    if service == "rds" and len(parts) > 6 and parts[5] == "db":
        rds = rds_backends[parts[4]][parts[3]]
        instance = rds.databases.get(parts[6])
        if instance is None:
            job.update(State="FAILED", MessageCategory="INVALIDPARAMETERS",
                       StatusMessage=f"DB instance {parts[6]} not found.", CompletionDate=now)
            store(backend).jobs[job_id] = job
            return job
        snapshot = rds.create_db_snapshot(instance.db_instance_identifier,
                                          f"awsbackup:job-{job_id.lower()}",
                                          snapshot_type="awsbackup")
        recovery.arn, recovery.snapshot_id = snapshot.arn, snapshot.db_snapshot_identifier
        recovery.encryption_key_arn = snapshot.kms_key_id if snapshot.encrypted else None
        recovery.restore_metadata = _rds_metadata(instance)
    job.update(RecoveryPointArn=recovery.arn, CompletionDate=now,
               EncryptionKeyArn=recovery.encryption_key_arn,
               IsEncrypted=recovery.encryption_key_arn is not None)
    store(backend).jobs[job_id] = job
    store(backend).points[recovery.arn] = recovery
    _count(vault, backend)
    return {k: v for k, v in job.items() if v is not None}


def delete_point(backend: BackupBackend, recovery: RecoveryPoint) -> None:
    """Delete a recovery point and what is behind it (its RDS snapshot)."""
    if recovery.snapshot_id is not None:
        parts = recovery.arn.split(":")
        rds_backends[parts[4]][parts[3]].database_snapshots.pop(recovery.snapshot_id, None)
    store(backend).points.pop(recovery.arn, None)
    _count(recovery.vault, backend)


def uri(response: BackupResponse, name: str) -> str:
    """A URI parameter of the request (decoded)."""
    return unquote(str(response.uri_match[name]))


def query(response: BackupResponse, name: str) -> str | None:
    values = response.querystring.get(name)
    return unquote(values[0]) if values else None


def page(items: list[dict[str, Any]], response: BackupResponse, key: str) -> str:
    """One page of `items` under `key`, as AWS pages them (maxResults, nextToken)."""
    start = int(query(response, "nextToken") or 0)
    size = int(query(response, "maxResults") or 1000)
    out: dict[str, Any] = {key: items[start:start + size]}
    if start + size < len(items):
        out["NextToken"] = str(start + size)
    return json.dumps(out)

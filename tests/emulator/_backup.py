"""What the AWS Backup tests start from: an encrypted RDS instance, a vault, a role."""

from __future__ import annotations

import json
from typing import Any

from tests.emulator.conftest import Client

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"},
    "Action": "sts:AssumeRole"}]})


def role(client: Client, name: str) -> str:
    return str(client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)
               ["Role"]["Arn"])


def database(client: Client, name: str, **extra: Any) -> dict[str, Any]:
    """A DB instance encrypted with a key of its own; returns DescribeDBInstances' entry."""
    key = client("kms").create_key()["KeyMetadata"]["Arn"]
    return dict(client("rds").create_db_instance(
        DBInstanceIdentifier=name, DBInstanceClass="db.t3.micro", Engine="postgres",
        AllocatedStorage=20, MasterUsername="app", MasterUserPassword="not-a-secret-0",
        StorageEncrypted=True, KmsKeyId=key, **extra)["DBInstance"])


def vault(client: Client, name: str) -> str:
    key = client("kms").create_key()["KeyMetadata"]["Arn"]
    client("backup").create_backup_vault(BackupVaultName=name, EncryptionKeyArn=key)
    return name


def backed_up(client: Client, name: str) -> tuple[dict[str, Any], str, str]:
    """A database, a vault and one on-demand backup of it: (instance, vault, job id)."""
    instance = database(client, name)
    job = client("backup").start_backup_job(
        BackupVaultName=vault(client, f"{name}-vault"), ResourceArn=instance["DBInstanceArn"],
        IamRoleArn=role(client, f"{name}-backup"), Lifecycle={"DeleteAfterDays": 7})
    return instance, f"{name}-vault", str(job["BackupJobId"])

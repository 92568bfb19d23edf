"""The data tier's grants: Terraform's remote state (the S3 backend of the aws target), the
buckets (audit, logs, data), the KMS keys, the database (RDS: Terraform, `backup verify`'s
snapshots and restores, `down`'s final snapshot and `down --purge`), the database's secret
(RDS-managed, in Secrets Manager) and AWS Backup (vault, plan, selection, restore testing, the
vault's recovery points that `backup verify --snapshot vault` restores and purge deletes).

AWS (Service Authorization Reference: list_amazons3, list_awskeymanagementservice,
list_amazonrds, list_awssecretsmanager, list_awsbackup; Terraform's S3 backend documentation,
"Permissions Required"):
- the backend needs s3:ListBucket on the state bucket, s3:GetObject and s3:PutObject on the
  state's key, and with `use_lockfile` also s3:DeleteObject on `<key>.tflock`;
- buckets, RDS instances, parameter and subnet groups and snapshots, log groups and the backup
  vault carry their names in their ARNs: scoped to the deployment's names (`Names`);
- KMS keys are named by generated ids: key operations are granted on the region's keys of the
  account, which the key policies prodstack writes still decide (only keys whose policy
  delegates to the account's IAM policies can be used); CreateKey and ListAliases support no
  resource-level permissions: `*`; an alias needs both the alias and the key;
- RDS's CreateDBInstance and RestoreDBInstanceFromDBSnapshot name the option group, the
  default `og:default:*` one here; a database with an RDS-managed password and KMS encryption
  needs the caller to create the secret (secretsmanager:CreateSecret on `rds!db-*`, RDS user
  guide, "Password management with Amazon RDS and AWS Secrets Manager") and kms:CreateGrant
  and kms:DescribeKey on the key ("Amazon RDS encryption: Permissions");
- AWS Backup names plans and restore testing selections by id and recovery points of RDS by
  the snapshot's ARN (`snapshot:awsbackup:job-*`): those are scoped to the region's; its
  List* of plans and vaults supports no resource-level permissions: `*`.
"""

from __future__ import annotations

from prodstack.ops.ci_policy.scope import Scope
from prodstack.ops.ci_policy.statements import REFERENCE, Statement, allow, prefixed

BUCKET = prefixed(
    "s3", "CreateBucket", "DeleteBucket", "DeleteBucketPolicy", "GetAccelerateConfiguration",
    "GetBucketAcl", "GetBucketCORS", "GetBucketLocation", "GetBucketLogging",
    "GetBucketObjectLockConfiguration", "GetBucketOwnershipControls", "GetBucketPolicy",
    "GetBucketPublicAccessBlock", "GetBucketRequestPayment", "GetBucketTagging",
    "GetBucketVersioning", "GetBucketWebsite", "GetEncryptionConfiguration",
    "GetLifecycleConfiguration", "GetReplicationConfiguration", "ListBucket",
    "ListBucketVersions", "PutBucketLogging", "PutBucketObjectLockConfiguration",
    "PutBucketOwnershipControls", "PutBucketPolicy", "PutBucketPublicAccessBlock",
    "PutBucketTagging", "PutBucketVersioning", "PutEncryptionConfiguration",
    "PutLifecycleConfiguration")
OBJECTS = prefixed("s3", "DeleteObject", "DeleteObjectVersion", "GetObjectRetention",
                   "GetObjectVersion")
KEY = prefixed(
    "kms", "CreateGrant", "DescribeKey", "EnableKeyRotation", "GetKeyPolicy",
    "GetKeyRotationStatus", "ListResourceTags", "PutKeyPolicy", "ScheduleKeyDeletion",
    "TagResource", "UntagResource", "UpdateKeyDescription")
RDS = prefixed(
    "rds", "AddTagsToResource", "CreateDBInstance", "CreateDBParameterGroup",
    "CreateDBSnapshot", "CreateDBSubnetGroup", "DeleteDBInstance", "DeleteDBParameterGroup",
    "DeleteDBSnapshot", "DeleteDBSubnetGroup", "DescribeDBInstances",
    "DescribeDBParameterGroups", "DescribeDBParameters", "DescribeDBSnapshots",
    "DescribeDBSubnetGroups", "ListTagsForResource", "ModifyDBInstance",
    "ModifyDBParameterGroup", "ModifyDBSubnetGroup", "RemoveTagsFromResource",
    "RestoreDBInstanceFromDBSnapshot")
RDS_READ = prefixed("rds", "DescribeDBEngineVersions", "DescribeDBInstances",
                    "DescribeDBSnapshots", "DescribeOrderableDBInstanceOptions")
SECRET = prefixed("secretsmanager", "CreateSecret", "DeleteSecret", "DescribeSecret",
                  "GetSecretValue", "RotateSecret", "TagResource")
BACKUP = prefixed(
    "backup", "CreateBackupPlan", "CreateBackupSelection", "CreateBackupVault",
    "CreateRestoreTestingPlan", "CreateRestoreTestingSelection", "DeleteBackupPlan",
    "DeleteBackupSelection", "DeleteBackupVault", "DeleteRecoveryPoint",
    "DeleteRestoreTestingPlan", "DeleteRestoreTestingSelection", "DescribeBackupVault",
    "DescribeRecoveryPoint", "GetBackupPlan", "GetBackupSelection", "GetRestoreTestingPlan",
    "GetRestoreTestingSelection", "ListBackupSelections", "ListRecoveryPointsByBackupVault",
    "ListRestoreTestingSelections", "ListTags", "TagResource", "UntagResource",
    "UpdateBackupPlan", "UpdateRestoreTestingPlan", "UpdateRestoreTestingSelection")


def statements(scope: Scope) -> list[Statement]:
    names, profile = scope.names, scope.settings.profile
    bucket, state, lock = scope.state
    objects = [*OBJECTS, *(["s3:BypassGovernanceRetention"]
                           if profile.audit_lock_mode == "GOVERNANCE" else [])]
    db = scope.arn("rds", f"db:{scope.regional}")
    rds = [db, scope.arn("rds", f"pg:{scope.regional}"),
           scope.arn("rds", f"subgrp:{scope.regional}"),
           scope.arn("rds", f"snapshot:{scope.regional}"),
           scope.arn("rds", "snapshot:awsbackup:job-*"), scope.arn("rds", "og:default:*")]
    backup = [scope.arn("backup", f"backup-vault:{names.vault}"),
              scope.arn("backup", "backup-plan:*"),
              scope.arn("backup", f"restore-testing-plan:{names.restore_testing_plan}*"),
              scope.arn("backup", "recovery-point:*"), scope.arn("rds", "snapshot:awsbackup:*")]
    return [
        allow("StateBucket", ["s3:GetBucketVersioning", "s3:ListBucket"], [bucket],
              "Terraform's S3 backend lists the state bucket (its workspaces: state_bucket); "
              "verify checks that it is versioned (FM-6.2)"),
        allow("StateReadWrite", ["s3:GetObject", "s3:PutObject"], [state, lock],
              "the state and its lock file (use_lockfile)"),
        allow("StateUnlock", ["s3:DeleteObject"], [lock], "releasing the state lock"),
        allow("Buckets", BUCKET, scope.buckets,
              "the audit, logs and data buckets, by name (their names carry the account and "
              "region)"),
        allow("BucketObjects", objects, scope.objects,
              "down --purge empties the buckets, every version"
              + (" (governance-mode retention bypassed: this profile's audit_lock_mode)"
                 if "s3:BypassGovernanceRetention" in objects else "")),
        allow("KmsCreate", ["kms:CreateKey", "kms:ListAliases", "kms:TagResource"], ["*"],
              "CreateKey and ListAliases support no resource-level permissions, and a key "
              "tagged as it is created needs kms:TagResource in a statement that allows "
              "CreateKey (KMS developer guide, \"Controlling access to tags\"; "
              f"{REFERENCE.format('awskeymanagementservice')})"),
        allow("KmsKeys", KEY, [scope.arn("kms", "key/*")],
              "the logs and data keys: KMS names keys by generated ids (each key's own policy "
              "still decides); CreateGrant for RDS, Secrets Manager and AWS Backup using the "
              "data key for the caller"),
        allow("KmsThroughServices", ["kms:Decrypt", "kms:GenerateDataKey"],
              [scope.arn("kms", "key/*")],
              "RDS encrypting the database's secret with the data key, backup verify "
              "reading that secret, AWS Backup's vault encrypted with it: through those "
              "services only",
              {"StringEquals": {"kms:ViaService": [
                  f"{service}.{scope.region}.amazonaws.com"
                  for service in ("backup", "rds", "secretsmanager")]}}),
        allow("KmsAliases", ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"],
              [scope.arn("kms", f"alias/{scope.regional}"), scope.arn("kms", "key/*")],
              "the keys' aliases, by name (an alias operation names the key too)"),
        allow("RdsDescribe", RDS_READ, ["*"],
              "listing the region's databases, snapshots, engine versions and orderable "
              "classes (no name to scope a listing by)"),
        allow("RdsOwn", RDS, rds,
              "the database, its parameter and subnet groups, snapshots (final, backup verify's "
              "own and AWS Backup's that the drill restores), by name"),
        allow("DatabaseSecret", SECRET,
              [scope.arn("secretsmanager", "secret:rds!db-*")],
              "the database's password, created and named by RDS (rds!db-<uuid>): backup "
              "verify reads it to check the restored database"),
        allow("BackupList",
              prefixed("backup", "ListBackupPlans", "ListBackupVaults", "ListRestoreTestingPlans"),
              ["*"], "AWS Backup's List* of plans and vaults support no resource-level "
              f"permissions ({REFERENCE.format('awsbackup')})"),
        allow("BackupOwn", BACKUP, backup,
              "the vault (by name), the plan and restore testing plan, and the vault's "
              "recovery points (restored by backup verify, deleted by down --purge)"),
    ]

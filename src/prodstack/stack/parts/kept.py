"""What a plain `prodstack down` keeps, and why: everything without which data the stack held
is lost or cannot be read again. The next `up` adopts it (import blocks); `down --purge`
deletes it. ops/teardown.py and ops/purge.py read this list; the README's "down" paragraph
says the same.

- the audit bucket (the trail's logs, under Object Lock) and the log bucket (ALB, S3 access
  and Config logs): audit data outlives the stack;
- the data bucket: the application's data is never deleted by omission;
- both KMS keys with their aliases: the logs key encrypts the trail's logs; the data key
  encrypts the final database snapshot, every AWS Backup recovery point and the data bucket's
  objects (KMS: deleting a key "prevents you from recovering all data encrypted under the
  KMS key"; https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys.html);
- the backup vault with its recovery points (AWS Backup refuses to delete a vault that holds
  recovery points; they are the database's backups), and the role AWS Backup made them with:
  "AWS Backup uses the same IAM role that you chose when assigning resources to manage your
  recovery point lifecycle. If you delete or modify that role, AWS Backup cannot manage your
  recovery point lifecycle" (expired points may then stay and cost;
  https://docs.aws.amazon.com/aws-backup/latest/devguide/backup-iam.html).
The final database snapshot is not a Terraform resource: RDS leaves it, and purge deletes it.
"""

from __future__ import annotations

from prodstack.stack.parts.storage import AUDIT_BUCKET, DATA_BUCKET, LOG_BUCKET

# Bucket roles, sources before the bucket they log to (purge deletes them in this order).
KEPT_BUCKETS = (AUDIT_BUCKET, DATA_BUCKET, LOG_BUCKET)
KEPT_KEYS = ("logs", "data")  # aws_kms_key and aws_kms_alias names
# The key that encrypts a kept bucket's objects (the trail encrypts its logs with the logs key;
# the data bucket's default encryption is the data key): kept while the bucket must stay.
KEY_OF_BUCKET = {AUDIT_BUCKET: ("logs",), DATA_BUCKET: ("data",)}
KEPT_VAULT = "main"  # aws_backup_vault
KEPT_ROLE = "backup"  # aws_iam_role AWS Backup uses, with its managed policies:
KEPT_ROLE_POLICIES = {  # aws_iam_role_policy_attachment label -> path under iam::aws:policy/
    "backup_backup": "service-role/AWSBackupServiceRolePolicyForBackup",
    "backup_restore": "service-role/AWSBackupServiceRolePolicyForRestores",
}


def kept(address: str) -> bool:
    """Whether a plain `down` keeps the root-module resource at `address`."""
    type_, _, name = address.partition(".")
    if type_.startswith("aws_s3_bucket"):
        return name in KEPT_BUCKETS
    if type_ in ("aws_kms_key", "aws_kms_alias"):
        return name in KEPT_KEYS
    if type_ == "aws_iam_role":
        return name == KEPT_ROLE
    if type_ == "aws_iam_role_policy_attachment":
        return name in KEPT_ROLE_POLICIES
    return type_ == "aws_backup_vault" and name == KEPT_VAULT

"""`prodstack bootstrap`: the remote-state bucket, as a small stack of its own with local state.

Fixes FM-6.2 (state is versioned, and optionally replicated to a second region) and prepares
FM-1.2/FM-1.3 (it prints the complete backend settings, with S3 native locking, that the main
stack's aws target then uses). Running it twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from prodstack.config.settings import Settings
from prodstack.config.targets import default_state_bucket
from prodstack.core.errors import UserError
from prodstack.core.paths import logs_dir, stack_dir
from prodstack.platform import platform_for
from prodstack.platform.aws import backend_settings
from prodstack.runtime.targets import target_for
from prodstack.tf.document import MAIN_FILE, Block, Document, policy_document
from prodstack.tf.runner import Terraform, TerraformError

NONCURRENT_DAYS = 90
REPLICA = "replica"


@dataclass(frozen=True)
class BootstrapResult:
    bucket: str
    replica_bucket: str | None
    changes: int
    backend: dict[str, Any]


def _bucket(doc: Document, label: str, name: str, provider: str | None = None) -> Block:
    extra = {"provider": provider} if provider else {}
    bucket = doc.resource("aws_s3_bucket", label, bucket=name, force_destroy=False,
                          tags={"Name": name, "purpose": "terraform-state"}, **extra)
    doc.resource("aws_s3_bucket_versioning", label, bucket=bucket.id,
                 versioning_configuration=[{"status": "Enabled"}], **extra)
    doc.resource("aws_s3_bucket_server_side_encryption_configuration", label, bucket=bucket.id,
                 rule=[{"apply_server_side_encryption_by_default": [{"sse_algorithm": "AES256"}]}],
                 **extra)
    pab = doc.resource("aws_s3_bucket_public_access_block", label, bucket=bucket.id,
                       block_public_acls=True, block_public_policy=True, ignore_public_acls=True,
                       restrict_public_buckets=True, **extra)
    doc.resource("aws_s3_bucket_ownership_controls", label, bucket=bucket.id,
                 rule=[{"object_ownership": "BucketOwnerEnforced"}], **extra)
    doc.resource("aws_s3_bucket_policy", label, bucket=bucket.id, depends_on=[pab], **extra,
                 policy=policy_document({
                     "Sid": "DenyInsecureTransport", "Effect": "Deny",
                     "Principal": {"AWS": "*"}, "Action": "s3:*",
                     "Resource": [bucket.arn, bucket.arn + "/*"],
                     "Condition": {"Bool": {"aws:SecureTransport": "false"}}}))
    doc.resource("aws_s3_bucket_lifecycle_configuration", label, bucket=bucket.id, **extra,
                 depends_on=[Block("resource", "aws_s3_bucket_versioning", label)],
                 rule=[{"id": "noncurrent-versions", "status": "Enabled", "filter": [{}],
                        "noncurrent_version_expiration": [{"noncurrent_days": NONCURRENT_DAYS}],
                        "abort_incomplete_multipart_upload": [{"days_after_initiation": 7}]}])
    return bucket


def build(settings: Settings) -> Document:
    doc = Document()
    doc.terraform.update({"required_version": ">= 1.10.0", "required_providers": {
        "aws": {"source": "hashicorp/aws", "version": "~> 5.100"}}})
    tags = {"environment": "shared", "project": settings.project, "managed-by": "prodstack"}
    providers = [{"region": settings.state_region or settings.region}]
    if settings.state_replica_region:
        providers.append({"alias": REPLICA, "region": settings.state_replica_region})
    for body in providers:
        body["default_tags"] = [{"tags": tags}]
        doc.provider("aws", **body)
    platform_for(settings).point_providers(doc)
    name = state_bucket_name(settings)
    bucket = _bucket(doc, "state", name)
    doc.output("bucket", bucket.id, "The remote-state bucket")
    if settings.state_replica_region:
        _replication(doc, settings, bucket, name)
    return doc


def _replication(doc: Document, settings: Settings, source: Block, name: str) -> None:
    replica = _bucket(doc, REPLICA, f"{name}-{REPLICA}", provider=f"aws.{REPLICA}")
    role = doc.resource(
        "aws_iam_role", "state_replication",
        name=f"{settings.project}-state-replication-{settings.state_region or settings.region}",
        assume_role_policy=policy_document({
            "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
            "Action": "sts:AssumeRole"}))
    doc.resource("aws_iam_role_policy", "state_replication", name="replicate-state",
                 role=role.id, policy=policy_document(
                     {"Effect": "Allow", "Resource": source.arn,
                      "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"]},
                     {"Effect": "Allow", "Resource": source.arn + "/*",
                      "Action": ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl",
                                 "s3:GetObjectVersionTagging"]},
                     {"Effect": "Allow", "Resource": replica.arn + "/*",
                      "Action": ["s3:ReplicateObject", "s3:ReplicateDelete",
                                 "s3:ReplicateTags"]}))
    doc.resource(
        "aws_s3_bucket_replication_configuration", "state", bucket=source.id, role=role.arn,
        rule=[{"id": "state-to-replica", "status": "Enabled", "filter": [{}],
               "delete_marker_replication": [{"status": "Disabled"}],  # deletes stay local
               "destination": [{"bucket": replica.arn, "storage_class": "STANDARD"}]}],
        depends_on=[Block("resource", "aws_s3_bucket_versioning", "state"),
                    Block("resource", "aws_s3_bucket_versioning", REPLICA)])
    doc.output("replica_bucket", replica.id, "The replica of the state bucket")


def state_bucket_name(settings: Settings) -> str:
    name = settings.state_bucket or default_state_bucket(settings)
    if name:
        return name
    raise UserError("bootstrap on the aws target needs --set state_bucket=<globally unique name>",
                    exit_code=2)


def run(settings: Settings, show_progress: bool = True) -> BootstrapResult:
    workdir = stack_dir(settings.target, "bootstrap")
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / MAIN_FILE).write_text(build(settings).to_json())
    target = target_for(settings)
    connection = target.connect(strict=settings.emulator_strict)
    tf = Terraform(workdir=workdir, logs=logs_dir(settings.target, "bootstrap"),
                   plugin_mirror=settings.plugin_mirror, plugin_dir=settings.plugin_dir,
                   variables=target.terraform_variables(connection),
                   show_progress=show_progress)
    tf.init()
    try:
        plan = tf.plan()
        if plan.changes:
            tf.apply(total=len(plan.planned))
    except TerraformError as exc:
        raise UserError(f"bootstrap: {target.explain(connection, exc)}",
                        exit_code=exc.exit_code) from None
    values = tf.outputs()
    backend = backend_settings(settings)
    backend["bucket"] = values["bucket"]
    return BootstrapResult(values["bucket"], values.get("replica_bucket"), plan.changes, backend)

"""The local target: the stack against the embedded emulator (moto server on 127.0.0.1).

Everything here exists only because the emulator is not AWS; none of it reaches what the aws
target synthesizes. Each adjustment carries its reason, and `EMULATOR_DIFFERENCES` is the
table the README prints.
"""

from __future__ import annotations

import contextlib
from typing import Any

from botocore.exceptions import ClientError

from prodstack.aws_clients import client
from prodstack.settings import Settings
from prodstack.stack.context import StackContext
from prodstack.targets.aws import backend_settings as aws_backend_settings
from prodstack.tf.document import expr

ENDPOINT_VARIABLE = "emulator_endpoint"
SERVICES = (
    "acm", "autoscaling", "backup", "cloudtrail", "cloudwatch", "cloudwatchlogs",
    "configservice", "dynamodb", "ec2", "elbv2", "iam", "kms", "rds", "route53", "s3",
    "secretsmanager", "sns", "ssm", "sts", "wafv2",
)

# (what, why) for every emulator-only adjustment; the README shows this table.
EMULATOR_DIFFERENCES: tuple[tuple[str, str], ...] = (
    ("Provider endpoints point at the emulator, with dummy credentials",
     "no AWS account; traffic stays on 127.0.0.1"),
    ("The emulator serves one request per connection (HTTP/1.0)",
     "moto's keep-alive server now and then drops a connection a client is reading from"),
    ("The emulator parses the user data of new launch template versions",
     "moto's CreateLaunchTemplateVersion stores it unparsed, and an ASG launching from such a "
     "version then fails with HTTP 500 (CreateLaunchTemplate is right)"),
    ("Provider `max_retries = 3` (three attempts)",
     "an action the emulator lacks answers HTTP 500, which the default 25 attempts would "
     "retry for minutes; three still absorb a dropped loopback connection"),
    ("A Route53 zone for the demo domain is created in the emulator",
     "DNS validation of the certificate needs a zone; on AWS you give `hosted_zone_id`"),
    ("`aws_backup_selection` is left out",
     "the emulator does not implement CreateBackupSelection; the plan and vault are kept"),
    ("The maintenance window's target and patch task are left out (the window is kept)",
     "the emulator ignores target filters and lacks GetMaintenanceWindowTask"),
    ("The backup plan's name carries the deployment's creation time",
     "the emulator keeps deleted backup plans and refuses a second plan with the same name"),
    ("With `state_bucket` set, the S3 backend points at the emulator (endpoint given to init)",
     "state and its lock file live in the emulator's S3, as they would in AWS"),
    ("`down` deletes the trail by name after Terraform's destroy",
     "the emulator's DeleteTrail ignores the ARN that Terraform passes, and keeps the trail"),
    ("`up` and `down` apply again (at most twice) when the emulator refuses a retried request: "
     "a rule added or revoked twice, an object deleted twice, or created twice (then adopted: "
     "by name for `orphans.NAME_IS_IMPORT_ID`, by configuration for security group rules "
     "and routes)",
     "on a busy machine a request that succeeded can lose its response; the SDK's retry is then "
     "refused, and one more apply converges (the aws target never re-applies after these)"),
    ("`ignore_changes` on attributes the emulator does not read back (listed per resource "
     "in `IGNORE_CHANGES`)",
     "without it every re-plan would show changes that AWS itself would not"),
)

# Errors of a retried request whose first attempt had succeeded (see EMULATOR_DIFFERENCES):
# a rule revoked or added twice, or (in a destroy) an object deleted twice.
RETRIED_REQUEST_ERRORS = ("InvalidPermission.NotFound", "InvalidPermission.Duplicate")
RETRIED_DELETE_ERRORS = ("notfound", "not found", "does not exist", "no such")


def refused_retry(message: str, destroy: bool = False) -> bool:
    """True when an apply failed because the emulator refused a retried request."""
    if any(code in message for code in RETRIED_REQUEST_ERRORS):
        return True
    return destroy and any(marker in message.lower() for marker in RETRIED_DELETE_ERRORS)


REMOVED_RESOURCES: tuple[tuple[str, str], ...] = (
    ("aws_backup_selection", "database"),
    ("aws_ssm_maintenance_window_target", "web"),
    ("aws_ssm_maintenance_window_task", "patch"),
)

# Attributes the emulator reads back differently from what was written (re-plan must be clean).
_ASG = ("default_instance_warmup",)
_POLICY = ("enabled", "predictive_scaling_configuration")
_TAGS = ("tags", "tags_all")
_DESCRIPTION = ("description",)
IGNORE_CHANGES: dict[tuple[str, str], tuple[str, ...]] = {
    ("aws_autoscaling_group", "web_blue"): _ASG,
    ("aws_autoscaling_group", "web_green"): _ASG,
    ("aws_autoscaling_policy", "blue_cpu"): _POLICY,
    ("aws_autoscaling_policy", "blue_requests"): _POLICY,
    ("aws_autoscaling_policy", "green_cpu"): _POLICY,
    ("aws_autoscaling_policy", "green_requests"): _POLICY,
    ("aws_backup_plan", "main"): _TAGS,
    ("aws_backup_vault", "main"): _TAGS,
    ("aws_db_instance", "main"): ("performance_insights_enabled",
                                  "performance_insights_kms_key_id",
                                  "performance_insights_retention_period"),
    ("aws_db_parameter_group", "main"): ("parameter",),
    ("aws_launch_template", "web"): ("tag_specifications",),
    ("aws_vpc_security_group_egress_rule", "alb_to_web"): _DESCRIPTION,
    ("aws_vpc_security_group_egress_rule", "web_to_db"): _DESCRIPTION,
    ("aws_vpc_security_group_ingress_rule", "db_from_web"): _DESCRIPTION,
    ("aws_vpc_security_group_ingress_rule", "web_from_alb"): _DESCRIPTION,
}


def provider_settings(endpoint: str) -> dict[str, Any]:
    """The aws provider arguments that point it at the emulator."""
    return {
        "access_key": "test",
        "secret_key": "test",
        "skip_credentials_validation": True,
        "skip_metadata_api_check": True,
        "skip_region_validation": True,
        # Must stay false: without the account id, security group rule references drift.
        "skip_requesting_account_id": False,
        "s3_use_path_style": True,
        "max_retries": 3,
        "endpoints": [{service: endpoint for service in SERVICES}],
    }


def before(ctx: StackContext) -> None:
    s = ctx.settings
    if not s.hosted_zone_id and s.effective_domain:
        zone = ctx.doc.resource("aws_route53_zone", "demo", name=s.effective_domain,
                                comment="prodstack demo zone (emulator only)", force_destroy=True)
        ctx.refs.hosted_zone_id = zone["zone_id"]


def backend_settings(settings: Settings) -> dict[str, Any]:
    """With `state_bucket` set, state lives in the emulator's S3, locked like on AWS.

    The emulator's URL is passed to `terraform init` (`backend_init_args`): a backend block
    cannot read variables.
    """
    return {**aws_backend_settings(settings), "access_key": "test", "secret_key": "test",
            "skip_credentials_validation": True, "skip_requesting_account_id": True,
            "skip_metadata_api_check": True, "skip_region_validation": True,
            "use_path_style": True}


def backend_init_args(endpoint: str) -> list[str]:
    return [f'-backend-config=endpoints={{s3="{endpoint}"}}']


def after(ctx: StackContext) -> None:
    doc = ctx.doc
    if ctx.settings.state_bucket:
        doc.terraform["backend"] = {"s3": backend_settings(ctx.settings)}
    endpoint = doc.variable(ENDPOINT_VARIABLE, "string", "http://127.0.0.1:5000",
                            "The embedded emulator's URL (set by prodstack)")
    doc.providers["aws"][0].update(provider_settings(endpoint))
    for type_, name in REMOVED_RESOURCES:
        doc.remove(type_, name)
    plan = doc.resources.get("aws_backup_plan", {}).get("main")
    if plan is not None:
        created = doc.resource("terraform_data", "emulator_deployment",
                               input=expr("plantimestamp()"),
                               lifecycle={"ignore_changes": ["input"]})
        plan["name"] += "-" + expr(f'formatdate("YYYYMMDDhhmmss", {created.address}.output)')
    for (type_, name), attrs in IGNORE_CHANGES.items():
        body = doc.resources.get(type_, {}).get(name)
        if body is None:
            continue
        lifecycle = body.setdefault("lifecycle", {})
        lifecycle["ignore_changes"] = sorted({*lifecycle.get("ignore_changes", []), *attrs})


def after_destroy(settings: Settings, endpoint: str) -> None:
    """Remove what the emulator kept although Terraform destroyed it (see the table above)."""
    trails = client("cloudtrail", settings, endpoint)
    with contextlib.suppress(ClientError):
        trails.delete_trail(Name=f"{settings.name_prefix}-trail")

"""The local platform: the stack's document for the embedded emulator (moto server on
127.0.0.1).

Everything here exists only because the emulator is not AWS; none of it reaches what the aws
platform synthesizes. Each adjustment carries its reason, and `EMULATOR_DIFFERENCES` is the
table the README prints (it names the run-time differences, `prodstack.runtime.targets`, too).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from prodstack.platform.aws import backend_settings as aws_backend_settings
from prodstack.platform.base import Platform
from prodstack.platform.endpoints import SERVICE_TYPES
from prodstack.tf.document import expr

if TYPE_CHECKING:
    from prodstack.config.settings import Settings
    from prodstack.tf.document import Document

# The emulator's administrator: moto's default credentials, what requests are signed with
# unless an IAM identity of the emulator is given (runtime.emulator.credentials).
ADMIN_KEY = "test"
ENDPOINT_VARIABLE = "emulator_endpoint"
ACCESS_KEY_VARIABLE, SECRET_KEY_VARIABLE = "emulator_access_key", "emulator_secret_key"
TOKEN_VARIABLE = "emulator_session_token"
SERVICES = tuple(SERVICE_TYPES)  # every service the emulator serves

# (what, why) for every emulator-only adjustment; the README shows this table.
EMULATOR_DIFFERENCES: tuple[tuple[str, str], ...] = (
    ("Provider endpoints point at the emulator, with dummy credentials: one per service moto "
     "serves (`targets/endpoints.py`); a type of any other service is refused, naming it",
     "no AWS account; traffic stays on 127.0.0.1"),
    ("The emulator serves one request per connection (HTTP/1.0)",
     "moto's keep-alive server now and then drops a connection a client is reading from"),
    ("The emulator is moto with the corrections in `prodstack.runtime.moto_patches` (moto "
     "pinned to 5.2.5)",
     "moto lacks or gets wrong actions the stack uses (instance refresh, backup selections, "
     "maintenance window tasks, restore overrides, target health, …); each patch names what "
     "AWS does and is tested against unpatched moto"),
    ("Provider `max_retries = 3` (three attempts)",
     "an action the emulator lacks answers HTTP 500, which the default 25 attempts would "
     "retry for minutes; three still absorb a dropped loopback connection"),
    ("A Route53 zone for the demo domain is created in the emulator",
     "DNS validation of the certificate needs a zone; on AWS you give `hosted_zone_id`"),
    ("With `state_bucket` set, the S3 backend points at the emulator (endpoint given to init)",
     "state and its lock file live in the emulator's S3, as they would in AWS"),
    ("`up` and `down` apply again (at most twice) when the emulator refuses a retried request: "
     "a rule added or revoked twice, an object deleted twice, or created twice (then adopted: "
     "by name for `orphans.NAME_IS_IMPORT_ID`, by configuration for security group rules "
     "and routes; the application's parameters deleted and created again)",
     "on a busy machine a request that succeeded can lose its response; the SDK's retry is then "
     "refused, and one more apply converges (the aws target never re-applies after these)"),
    ("The database's create, update and delete waits stop after minutes (`TIMEOUTS`), not "
     "the provider's 40 to 80",
     "the emulator answers at once; a wait that lasts is a fault to report, not AWS being slow"),
    ("`ignore_changes` on attributes the emulator does not read back (listed per resource "
     "in `IGNORE_CHANGES`)",
     "without it every re-plan would show changes that AWS itself would not"),
)


# Attributes the emulator reads back differently from what was written (re-plan must be clean).
_ASG = ("default_instance_warmup",)
_POLICY = ("enabled", "predictive_scaling_configuration")
_DESCRIPTION = ("description",)
IGNORE_CHANGES: dict[tuple[str, str], tuple[str, ...]] = {
    ("aws_autoscaling_group", "web_blue"): _ASG,
    ("aws_autoscaling_group", "web_green"): _ASG,
    ("aws_autoscaling_policy", "blue_cpu"): _POLICY,
    ("aws_autoscaling_policy", "blue_requests"): _POLICY,
    ("aws_autoscaling_policy", "green_cpu"): _POLICY,
    ("aws_autoscaling_policy", "green_requests"): _POLICY,
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


def backend_settings(settings: Settings) -> dict[str, Any]:
    """With `state_bucket` set, state lives in the emulator's S3, locked like on AWS.

    The emulator's URL is passed to `terraform init` (`backend_init_args`): a backend block
    cannot read variables.
    """
    return {**aws_backend_settings(settings), "access_key": "test", "secret_key": "test",
            "skip_credentials_validation": True, "skip_requesting_account_id": True,
            "skip_metadata_api_check": True, "skip_region_validation": True,
            "use_path_style": True}


# Provider waits bounded on the emulator (see EMULATOR_DIFFERENCES).
TIMEOUTS: dict[tuple[str, str], dict[str, str]] = {
    ("aws_db_instance", "main"): {"create": "10m", "update": "10m", "delete": "5m"},
}


def ignore_changes(doc: Document) -> None:
    for (type_, name), attrs in IGNORE_CHANGES.items():
        body = doc.body_of(type_, name)
        lifecycle = body.setdefault("lifecycle", {})
        lifecycle["ignore_changes"] = sorted({*lifecycle.get("ignore_changes", []), *attrs})


class LocalPlatform(Platform):
    name: ClassVar[str] = "local"

    def hosted_zone(self, settings: Settings, doc: Document) -> str | None:
        """DNS validation of the certificate needs a zone: the emulator gets a demo one."""
        domain = settings.effective_domain
        if not domain:
            return None
        zone = doc.resource("aws_route53_zone", "demo", name=domain,
                            comment="prodstack demo zone (emulator only)", force_destroy=True)
        return zone["zone_id"]

    def adjust(self, settings: Settings, doc: Document) -> None:
        if settings.state_bucket:
            doc.terraform["backend"] = {"s3": backend_settings(settings)}
        self.point_providers(doc)
        for (type_, name), timeouts in TIMEOUTS.items():
            doc.body_of(type_, name)["timeouts"] = dict(timeouts)
        ignore_changes(doc)

    def point_providers(self, doc: Document) -> None:
        endpoint = doc.variable(ENDPOINT_VARIABLE, "string", "http://127.0.0.1:5000",
                                "The embedded emulator's URL (set by prodstack)")
        key = doc.variable(ACCESS_KEY_VARIABLE, "string", ADMIN_KEY,
                           "The identity the emulator's requests are signed with (set by "
                           "prodstack: emulator.credentials)")
        secret = doc.variable(SECRET_KEY_VARIABLE, "string", ADMIN_KEY,
                              "Its secret key (set by prodstack)")
        doc.variable(TOKEN_VARIABLE, "string", "",
                     "Its session token, for an assumed role (set by prodstack)")
        for body in doc.providers.get("aws", []):
            body.update({**provider_settings(endpoint), "access_key": key,
                         "secret_key": secret, "token": expr(f"var.{TOKEN_VARIABLE} == \"\" "
                                                             f"? null : var.{TOKEN_VARIABLE}")})

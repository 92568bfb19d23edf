"""Every name prodstack gives a resource, in one place: the stack builds them from here, and
teardown, deploy, the local target and the tests read them from here (or from the stack's
outputs), never rebuild them.

Regional names (load balancers, target groups, alarms, log groups, parameters) carry project
and environment: `prodstack-production-alb`. Names that are global to the account or that
AWS replicates across regions (IAM roles, instance profiles and policies, buckets, the
multi-region trail) also carry the region, so two regions of one account never collide:
`prodstack-production-us-west-1-web`. The remote state's key carries the region too.

The application's names live here too: the SSM path its configuration is kept under, the
`app.env` file the bootstrap writes and the keys prodstack writes into it, the prefix of the
user's own Terraform files and the name of the `local.prodstack` object they reference.
"""

from __future__ import annotations

from dataclasses import dataclass

APP_ENV_FILE = "/etc/prodstack/app.env"  # KEY=VALUE lines, mode APP_ENV_FILE_MODE
APP_ENV_FILE_MODE = "0640"
# app.env keys the bootstrap reads from the instance metadata (not parameters).
INSTANCE_KEYS = ("INSTANCE_ID", "AVAILABILITY_ZONE")
# app.env keys prodstack keeps as SSM parameters (the user's `app_environment` adds more).
DB_HOST, DB_PORT, DB_NAME, DB_SECRET_ARN = "DB_HOST", "DB_PORT", "DB_NAME", "DB_SECRET_ARN"
DATA_BUCKET, AWS_REGION, PRODSTACK_ENV = "DATA_BUCKET", "AWS_REGION", "PRODSTACK_ENV"
APP_PORT = "APP_PORT"
STACK_KEYS = (DB_HOST, DB_PORT, DB_NAME, DB_SECRET_ARN, DATA_BUCKET, AWS_REGION, PRODSTACK_ENV,
              APP_PORT)
APP_USER_DATA_FILE = "/var/lib/prodstack/app-user-data"  # the user's script, run by the bootstrap
EXTRA_FILE_PREFIX = "extra_"  # the user's Terraform files in the working folder
LOCALS_NAME = "prodstack"  # `local.prodstack.vpc_id`, … (see stack.outputs.LOCALS)
WAF_LOG_PREFIX = "aws-waf-logs-"


@dataclass(frozen=True)
class Names:
    project: str
    env: str
    region: str

    @property
    def prefix(self) -> str:
        """`prodstack-production`: regional names (ALB and target group names stop at 32)."""
        return f"{self.project}-{self.env}"

    @property
    def global_prefix(self) -> str:
        """`prodstack-production-us-west-1`: names global to the account."""
        return f"{self.prefix}-{self.region}"

    def regional(self, suffix: str) -> str:
        return f"{self.prefix}-{suffix}"

    def account_wide(self, suffix: str) -> str:
        """IAM roles, instance profiles and policies (IAM names are global to an account)."""
        return f"{self.global_prefix}-{suffix}"

    def service_role(self, label: str) -> str:
        """The IAM name of the stack's service role labelled `label` (`aws_iam_role.<label>`)."""
        return self.account_wide(label.replace("_", "-"))

    def bucket(self, role: str, account_id: str) -> str:
        """S3 bucket names are global to all of AWS: account and region make them unique."""
        return f"{self.prefix}-{role}-{account_id}-{self.region}"

    @property
    def ci_role(self) -> str:
        """`prodstack-ci-production-us-west-1`: the CI role of docs/ci.md and the prefix of its
        policies. Outside `account_wide("*")` on purpose: the role may change the stack's
        roles, never its own."""
        return f"{self.project}-ci-{self.env}-{self.region}"

    @property
    def trail(self) -> str:
        """A multi-region trail exists in every region under its name."""
        return self.account_wide("trail")

    @property
    def dashboard(self) -> str:
        """CloudWatch dashboards are global to the account: the region is in the name."""
        return self.account_wide("overview")

    @property
    def recorder(self) -> str:
        return self.regional("recorder")

    @property
    def vault(self) -> str:
        """The AWS Backup vault (a plain `down` keeps it with its recovery points)."""
        return self.regional("vault")

    @property
    def restore_testing_plan(self) -> str:
        """AWS Backup's restore testing plan: regional, so project and environment make it
        unique; AWS allows letters, digits and underscores only, at most 50 characters
        (AWS Backup API reference, RestoreTestingPlanForCreate, `RestoreTestingPlanName`)."""
        return f"{self.project}_{self.env}_restore_testing".replace("-", "_")

    @property
    def release_parameter(self) -> str:
        return f"/{self.project}/{self.env}/release"

    @property
    def app_parameter_path(self) -> str:
        """`/prodstack/production/app`: the application's configuration (SSM, no secrets)."""
        return f"/{self.project}/{self.env}/app"

    def app_parameter(self, key: str) -> str:
        return f"{self.app_parameter_path}/{key}"

    @property
    def release_template(self) -> str:
        """The launch template `prodstack deploy` creates for new images or user data."""
        return self.regional("web-releases")

    def alias(self, key: str) -> str:
        return f"alias/{self.regional(key)}"

    @property
    def state_key(self) -> str:
        return f"{self.project}/{self.env}/{self.region}/terraform.tfstate"

    @property
    def log_group_prefix(self) -> str:
        """`/prodstack/production`: the instances' and the extensions' log groups."""
        return f"/{self.project}/{self.env}"

    @property
    def flow_log_group(self) -> str:
        return f"/{self.prefix}/vpc-flow-logs"

    @property
    def trail_log_group(self) -> str:
        return f"/{self.prefix}/cloudtrail"

    @property
    def waf_log_group(self) -> str:
        """WAF logs only to a log group whose name starts with `aws-waf-logs-` (AWS WAF
        developer guide, "Sending web ACL traffic logs to a CloudWatch Logs log group")."""
        return f"{WAF_LOG_PREFIX}{self.prefix}"

    @property
    def db_identifier(self) -> str:
        return self.regional("db")

    @property
    def db_log_group_prefix(self) -> str:
        """`/aws/rds/instance/<db>`: RDS exports the database's logs under this path (RDS
        user guide, "Publishing database logs to Amazon CloudWatch Logs")."""
        return f"/aws/rds/instance/{self.db_identifier}"

    def db_log_group(self, log: str) -> str:
        return f"{self.db_log_group_prefix}/{log}"

    @property
    def log_group_patterns(self) -> tuple[str, ...]:
        """Every log group of the deployment, as IAM name patterns."""
        return (self.flow_log_group, self.trail_log_group, self.waf_log_group,
                f"{self.db_log_group_prefix}/*", f"{self.log_group_prefix}/*")

"""Foundation: Terraform and provider requirements, default tags, account and AZ data sources.

Every resource is tagged `environment`, `project` and `managed-by` through the provider's
default tags (the original requirement spells `environment` in lower case).
"""

from __future__ import annotations

from dataclasses import dataclass

from prodstack.stack.context import Context
from prodstack.tf.document import expr

TERRAFORM_VERSION = ">= 1.10.0"
AWS_PROVIDER_VERSION = "~> 5.100"


@dataclass(frozen=True)
class Base:
    """What every other part reads: the account, partition, region and zones, and the Route53
    zone for DNS records (the user's, or one the target provides)."""

    account_id: str
    partition: str
    region: str
    az_names: list[str]
    hosted_zone_id: str | None

    def log_group_arn(self, name: str) -> str:
        """A log group's ARN from its name, known at plan time (policies can be read in a
        plan, where the group's own `arn` attribute is not known yet)."""
        return f"arn:{self.partition}:logs:{self.region}:{self.account_id}:log-group:{name}"


def default_tags(ctx: Context) -> dict[str, str]:
    return {"environment": ctx.settings.env, "project": ctx.settings.project,
            "managed-by": "prodstack"}


USABLE_AZS = "usable_azs"


def build(ctx: Context, target_zone: str | None) -> Base:
    doc, s = ctx.doc, ctx.settings
    doc.terraform.update({
        "required_version": TERRAFORM_VERSION,
        "required_providers": {"aws": {"source": "hashicorp/aws",
                                       "version": AWS_PROVIDER_VERSION}},
    })
    doc.provider("aws", region=s.region, default_tags=[{"tags": default_tags(ctx)}])
    identity = doc.data("aws_caller_identity", "current")
    partition = doc.data("aws_partition", "current")
    # A region with fewer zones than `azs` stops the plan with this one message, not with
    # an "Invalid index" from every subnet (us-west-1 has two zones for most accounts).
    azs = doc.data("aws_availability_zones", "available", state="available",
                   filter=[{"name": "opt-in-status", "values": ["opt-in-not-required"]}],
                   lifecycle={"postcondition": [{
                       "condition": expr(f"length(self.names) >= {s.azs}"),
                       "error_message": f"setting 'azs' is {s.azs}, but region {s.region} "
                                        "offers only ${length(self.names)} availability "
                                        "zones to this account"}]})
    # Zones that offer the web tier's instance type: the first `azs` of those, not the first
    # `azs` of the region (a type missing in a zone fails every launch there; EC2 user guide,
    # "Instance type availability": not every type is offered in every zone).
    instance_type = ctx.profile.instance_type
    doc.data("aws_ec2_instance_type_offerings", "web", location_type="availability-zone",
             filter=[{"name": "instance-type", "values": [instance_type]}],
             lifecycle={"postcondition": [{
                 "condition": expr(f"length([for n in {azs.address}.names : n if "
                                   f"contains(self.locations, n)]) >= {s.azs}"),
                 "error_message": f"setting 'azs' is {s.azs}, but only "
                                  f"${{length([for n in {azs.address}.names : n if "
                                  f"contains(self.locations, n)])}} availability zones of "
                                  f"{s.region} offer instance type {instance_type} "
                                  "(setting 'instance_type')"}]})
    doc.locals[USABLE_AZS] = expr(f"[for n in {azs.address}.names : n if contains("
                                  "data.aws_ec2_instance_type_offerings.web.locations, n)]")
    return Base(account_id=identity["account_id"], partition=partition["partition"],
                region=s.region,
                az_names=["${" + f"local.{USABLE_AZS}[{i}]" + "}" for i in range(s.azs)],
                hosted_zone_id=s.hosted_zone_id or target_zone)

"""Foundation: Terraform and provider requirements, default tags, account and AZ data sources.

Every resource is tagged `environment`, `project` and `managed-by` through the provider's
default tags (the original requirement spells `environment` in lower case).
"""

from __future__ import annotations

from prodstack.stack.context import StackContext
from prodstack.tf.document import expr

TERRAFORM_VERSION = ">= 1.10.0"
AWS_PROVIDER_VERSION = "~> 5.100"


def default_tags(ctx: StackContext) -> dict[str, str]:
    return {"environment": ctx.settings.env, "project": ctx.settings.project,
            "managed-by": "prodstack"}


def build(ctx: StackContext) -> None:
    doc, r, s = ctx.doc, ctx.refs, ctx.settings
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
    r.account_id = identity["account_id"]
    r.partition = partition["partition"]
    r.region = s.region
    r.az_names = [azs[f"names[{i}]"] for i in range(s.azs)]
    if s.hosted_zone_id:
        r.hosted_zone_id = s.hosted_zone_id

"""Which AWS services the emulator serves, by resource and data source type, and the guard
that keeps the local target from sending Terraform to real AWS.

On the local target every `endpoints` entry of the aws provider points at the emulator; a
resource or data source of any other service would be called at its real AWS endpoint. So
when the provider has custom endpoints, every AWS type in the configuration (prodstack's, an
extension's, an `extra_config` folder's) must be of one of their services. `SERVICE_TYPES`
is the one list: the local target points exactly these services at the emulator.
"""

from __future__ import annotations

from collections.abc import Sequence

from prodstack.errors import UserError
from prodstack.tf.document import Document

# Resource and data source types, by the provider's endpoint name of their service: an entry
# ending in "_" is a prefix, any other one a type. Types that call no API are in NO_API.
SERVICE_TYPES: dict[str, tuple[str, ...]] = {
    "acm": ("aws_acm_",),
    "autoscaling": ("aws_autoscaling_",),
    "backup": ("aws_backup_",),
    "cloudtrail": ("aws_cloudtrail", "aws_cloudtrail_"),
    "cloudwatch": ("aws_cloudwatch_metric_alarm", "aws_cloudwatch_composite_alarm",
                   "aws_cloudwatch_dashboard"),
    "cloudwatchlogs": ("aws_cloudwatch_log_",),
    "configservice": ("aws_config_",),
    "dynamodb": ("aws_dynamodb_",),
    "ec2": ("aws_vpc", "aws_vpcs", "aws_vpc_", "aws_subnet", "aws_subnets", "aws_security_group",
            "aws_security_groups", "aws_default_", "aws_internet_gateway", "aws_nat_gateway",
            "aws_nat_gateways", "aws_eip", "aws_eips", "aws_eip_association", "aws_route",
            "aws_route_table", "aws_route_tables", "aws_route_table_association",
            "aws_main_route_table_association", "aws_network_acl", "aws_network_acl_",
            "aws_network_interface", "aws_network_interface_", "aws_instance", "aws_instances",
            "aws_launch_template", "aws_ami", "aws_ami_ids", "aws_key_pair", "aws_ebs_",
            "aws_flow_log", "aws_availability_zone", "aws_availability_zones", "aws_ec2_",
            "aws_placement_group", "aws_egress_only_internet_gateway"),
    "elbv2": ("aws_lb", "aws_lb_listener", "aws_lb_listener_", "aws_lb_target_group",
              "aws_lb_target_group_", "aws_lbs", "aws_alb", "aws_alb_"),
    "iam": ("aws_iam_",),
    "kms": ("aws_kms_",),
    "rds": ("aws_db_", "aws_rds_"),
    "route53": ("aws_route53_record", "aws_route53_zone", "aws_route53_health_check",
                "aws_route53_zone_association"),
    "s3": ("aws_s3_",),
    "secretsmanager": ("aws_secretsmanager_",),
    "sns": ("aws_sns_",),
    "ssm": ("aws_ssm_",),
    "sts": ("aws_caller_identity",),
    "wafv2": ("aws_wafv2_",),
}
NO_API = {"aws_partition", "aws_region", "aws_regions", "aws_iam_policy_document", "aws_arn",
          "aws_elb_service_account", "aws_default_tags", "aws_service_principal",
          "aws_billing_service_account"}


def covered(type_: str, services: set[str]) -> bool:
    if not type_.startswith("aws_") or type_ in NO_API:
        return True
    return any(type_ == entry or (entry.endswith("_") and type_.startswith(entry))
               for service in services for entry in SERVICE_TYPES.get(service, ()))


def check_endpoints(doc: Document, extra: Sequence[tuple[str, str, str]] = ()) -> None:
    """With the aws provider pointed at custom endpoints (the emulator), every AWS type in
    the document and in `extra` ((kind, type, address)) must be of a service among them."""
    services: set[str] = set()
    for body in doc.providers.get("aws", []):
        for endpoints in body.get("endpoints", []):
            services |= set(endpoints)
    if not services:
        return
    found = [("resource", t, f"{t}.{n}") for t, bodies in doc.resources.items() for n in bodies]
    found += [("data", t, f"data.{t}.{n}") for t, bodies in doc.data_sources.items()
              for n in bodies]
    for _, type_, address in [*found, *extra]:
        if not covered(type_, services):
            raise UserError(
                f"{address}: the emulator does not serve this type's AWS service, so "
                "Terraform would call real AWS for it; the local target plans only what the "
                "emulator serves (use --target aws for it)", exit_code=2)

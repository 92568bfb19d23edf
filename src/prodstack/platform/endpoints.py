"""Which AWS services the emulator serves, by resource and data source type, and the guard
that keeps the local target from sending Terraform to real AWS.

On the local target every `endpoints` entry of the aws provider points at the emulator; a
resource or data source of any other service would be called at its real AWS endpoint. So
when the provider has custom endpoints, every AWS type in the configuration (prodstack's, an
extension's, an `extra_config` folder's) must be of one of their services. `SERVICE_TYPES`
is the one list: the local target points exactly these services at the emulator.

The keys are the provider's `endpoints` argument names (hashicorp/aws 5.100, "Custom Service
Endpoints"; one name per service, never two aliases of one), for every service moto 5.2.5
serves that the provider has resources for; the types were mapped by hand from the
provider's documentation (its resource names by service). A test compares the keys with the
provider's schema, and `terraform validate` of every profile writes them all.
"""

from __future__ import annotations

from collections.abc import Sequence

from prodstack.core.errors import UserError
from prodstack.tf.document import Document

# Resource and data source types, by the provider's endpoint name of their service: an entry
# ending in "_" is a prefix, any other one a type. Types that call no API are in NO_API.
SERVICE_TYPES: dict[str, tuple[str, ...]] = {
    "account": ("aws_account_",),
    "acm": ("aws_acm_",),
    "acmpca": ("aws_acmpca_",),
    "amp": ("aws_prometheus_",),
    "apigateway": ("aws_api_gateway_",),
    "apigatewayv2": ("aws_apigatewayv2_",),
    "appautoscaling": ("aws_appautoscaling_",),
    "appconfig": ("aws_appconfig_",),
    "appmesh": ("aws_appmesh_",),
    "appsync": ("aws_appsync_",),
    "athena": ("aws_athena_",),
    "autoscaling": ("aws_autoscaling_", "aws_launch_configuration"),
    "backup": ("aws_backup_",),
    "batch": ("aws_batch_",),
    "bedrock": ("aws_bedrock_",),
    "bedrockagent": ("aws_bedrockagent_",),
    "budgets": ("aws_budgets_",),
    "ce": ("aws_ce_",),
    "cleanrooms": ("aws_cleanrooms_",),
    "cloudformation": ("aws_cloudformation_",),
    "cloudfront": ("aws_cloudfront_",),
    "cloudhsmv2": ("aws_cloudhsm_v2_",),
    "cloudtrail": ("aws_cloudtrail", "aws_cloudtrail_"),
    "cloudwatch": ("aws_cloudwatch_metric_alarm", "aws_cloudwatch_composite_alarm",
                   "aws_cloudwatch_dashboard", "aws_cloudwatch_metric_stream",
                   "aws_cloudwatch_contributor_"),
    "codebuild": ("aws_codebuild_",),
    "codecommit": ("aws_codecommit_",),
    "codepipeline": ("aws_codepipeline", "aws_codepipeline_"),
    "cognitoidentity": ("aws_cognito_identity_pool", "aws_cognito_identity_pool_"),
    "cognitoidp": ("aws_cognito_identity_provider", "aws_cognito_managed_user_pool_client",
                   "aws_cognito_resource_server", "aws_cognito_risk_configuration",
                   "aws_cognito_user", "aws_cognito_user_"),
    "comprehend": ("aws_comprehend_",),
    "configservice": ("aws_config_",),
    "connect": ("aws_connect_",),
    "datapipeline": ("aws_datapipeline_",),
    "datasync": ("aws_datasync_",),
    "dax": ("aws_dax_",),
    "deploy": ("aws_codedeploy_",),
    "directconnect": ("aws_dx_",),
    "dms": ("aws_dms_",),
    "ds": ("aws_directory_service_",),
    "dsql": ("aws_dsql_",),
    "dynamodb": ("aws_dynamodb_",),
    "ec2": ("aws_vpc", "aws_vpcs", "aws_vpc_", "aws_subnet", "aws_subnets", "aws_security_group",
            "aws_security_groups", "aws_security_group_rule", "aws_default_",
            "aws_internet_gateway", "aws_internet_gateway_", "aws_nat_gateway",
            "aws_nat_gateways", "aws_eip", "aws_eips", "aws_eip_", "aws_route", "aws_route_table",
            "aws_route_tables", "aws_route_table_association",
            "aws_main_route_table_association", "aws_network_acl", "aws_network_acls",
            "aws_network_acl_", "aws_network_interface", "aws_network_interfaces",
            "aws_network_interface_", "aws_instance", "aws_instances", "aws_launch_template",
            "aws_ami", "aws_ami_", "aws_key_pair", "aws_ebs_", "aws_flow_log",
            "aws_availability_zone", "aws_availability_zones", "aws_ec2_",
            "aws_placement_group", "aws_egress_only_internet_gateway", "aws_customer_gateway",
            "aws_vpn_", "aws_spot_", "aws_prefix_list", "aws_volume_attachment",
            "aws_snapshot_create_volume_permission", "aws_verifiedaccess_"),
    "ecr": ("aws_ecr_",),
    "ecs": ("aws_ecs_",),
    "efs": ("aws_efs_",),
    "eks": ("aws_eks_",),
    "elasticache": ("aws_elasticache_",),
    "elasticbeanstalk": ("aws_elastic_beanstalk_",),
    "elb": ("aws_elb", "aws_elb_", "aws_load_balancer_", "aws_lb_cookie_stickiness_policy",
            "aws_lb_ssl_negotiation_policy", "aws_app_cookie_stickiness_policy",
            "aws_proxy_protocol_policy"),
    "elbv2": ("aws_lb", "aws_lb_listener", "aws_lb_listener_", "aws_lb_target_group",
              "aws_lb_target_group_", "aws_lb_trust_store", "aws_lb_trust_store_",
              "aws_lb_hosted_zone_id", "aws_lbs", "aws_alb", "aws_alb_"),
    "emr": ("aws_emr_",),
    "emrcontainers": ("aws_emrcontainers_",),
    "emrserverless": ("aws_emrserverless_",),
    "es": ("aws_elasticsearch_",),
    "events": ("aws_cloudwatch_event_",),
    "firehose": ("aws_kinesis_firehose_delivery_stream",),
    "fis": ("aws_fis_",),
    "fsx": ("aws_fsx_",),
    "glacier": ("aws_glacier_",),
    "glue": ("aws_glue_",),
    "guardduty": ("aws_guardduty_",),
    "iam": ("aws_iam_",),
    "identitystore": ("aws_identitystore_",),
    "inspector2": ("aws_inspector2_",),
    "iot": ("aws_iot_",),
    "ivs": ("aws_ivs_",),
    "kafka": ("aws_msk_",),
    "kinesis": ("aws_kinesis_stream", "aws_kinesis_stream_consumer",
                "aws_kinesis_resource_policy"),
    "kinesisanalyticsv2": ("aws_kinesisanalyticsv2_",),
    "kinesisvideo": ("aws_kinesis_video_stream",),
    "kms": ("aws_kms_",),
    "lakeformation": ("aws_lakeformation_",),
    "lambda": ("aws_lambda_",),
    "lexv2models": ("aws_lexv2models_",),
    "logs": ("aws_cloudwatch_log_", "aws_cloudwatch_query_definition"),
    "macie2": ("aws_macie2_",),
    "medialive": ("aws_medialive_",),
    "mediapackage": ("aws_media_package_channel",),
    "mediapackagev2": ("aws_media_packagev2_",),
    "mediastore": ("aws_media_store_",),
    "memorydb": ("aws_memorydb_",),
    "mq": ("aws_mq_",),
    "networkfirewall": ("aws_networkfirewall_",),
    "networkmanager": ("aws_networkmanager_",),
    "opensearch": ("aws_opensearch_",),
    "opensearchserverless": ("aws_opensearchserverless_",),
    "organizations": ("aws_organizations_",),
    "osis": ("aws_osis_",),
    "paymentcryptography": ("aws_paymentcryptography_",),
    "pinpoint": ("aws_pinpoint_",),
    "pipes": ("aws_pipes_",),
    "polly": ("aws_polly_",),
    "quicksight": ("aws_quicksight_",),
    "ram": ("aws_ram_",),
    "rds": ("aws_db_", "aws_rds_"),
    "redshift": ("aws_redshift_",),
    "redshiftdata": ("aws_redshiftdata_",),
    "rekognition": ("aws_rekognition_",),
    "resiliencehub": ("aws_resiliencehub_",),
    "resourcegroups": ("aws_resourcegroups_",),
    "resourcegroupstaggingapi": ("aws_resourcegroupstaggingapi_",),
    "route53": ("aws_route53_record", "aws_route53_records", "aws_route53_zone",
                "aws_route53_zones", "aws_route53_zone_association", "aws_route53_health_check",
                "aws_route53_delegation_set", "aws_route53_query_log",
                "aws_route53_key_signing_key", "aws_route53_hosted_zone_dnssec",
                "aws_route53_traffic_policy", "aws_route53_traffic_policy_",
                "aws_route53_vpc_association_authorization", "aws_route53_cidr_"),
    "route53domains": ("aws_route53domains_",),
    "route53resolver": ("aws_route53_resolver_",),
    "s3": ("aws_s3_bucket", "aws_s3_bucket_", "aws_s3_object", "aws_s3_objects",
           "aws_s3_object_", "aws_s3_directory_bucket", "aws_s3_directory_buckets",
           "aws_canonical_user_id"),
    "s3control": ("aws_s3control_", "aws_s3_access_point", "aws_s3_account_public_access_block"),
    "s3tables": ("aws_s3tables_",),
    "sagemaker": ("aws_sagemaker_",),
    "scheduler": ("aws_scheduler_",),
    "sdb": ("aws_simpledb_",),
    "secretsmanager": ("aws_secretsmanager_",),
    "securityhub": ("aws_securityhub_",),
    "servicecatalog": ("aws_servicecatalog_",),
    "servicecatalogappregistry": ("aws_servicecatalogappregistry_",),
    "servicediscovery": ("aws_service_discovery_",),
    "servicequotas": ("aws_servicequotas_",),
    "ses": ("aws_ses_",),
    "sesv2": ("aws_sesv2_",),
    "sfn": ("aws_sfn_",),
    "shield": ("aws_shield_",),
    "signer": ("aws_signer_",),
    "sns": ("aws_sns_",),
    "sqs": ("aws_sqs_",),
    "ssm": ("aws_ssm_",),
    "ssoadmin": ("aws_ssoadmin_",),
    "sts": ("aws_caller_identity",),
    "swf": ("aws_swf_",),
    "synthetics": ("aws_synthetics_",),
    "timestreaminfluxdb": ("aws_timestreaminfluxdb_",),
    "timestreamquery": ("aws_timestreamquery_",),
    "timestreamwrite": ("aws_timestreamwrite_",),
    "transcribe": ("aws_transcribe_",),
    "transfer": ("aws_transfer_",),
    "vpclattice": ("aws_vpclattice_",),
    "wafv2": ("aws_wafv2_",),
    "workspaces": ("aws_workspaces_",),
    "workspacesweb": ("aws_workspacesweb_",),
    "xray": ("aws_xray_",),
}
NO_API = {"aws_partition", "aws_region", "aws_regions", "aws_iam_policy_document", "aws_arn",
          "aws_elb_service_account", "aws_default_tags", "aws_service_principal",
          "aws_billing_service_account", "aws_cloudtrail_service_account",
          "aws_redshift_service_account", "aws_ecr_lifecycle_policy_document",
          "aws_cloudwatch_log_data_protection_policy_document", "aws_service"}
# The service of an unserved type whose name does not start with it (else: its first word).
UNSERVED_NAMES = {"aws_kinesis_analytics_application": "kinesisanalytics",
                  "aws_media_convert_queue": "mediaconvert", "aws_mskconnect_": "kafkaconnect",
                  "aws_ip_ranges": "ip-ranges.amazonaws.com"}


def _matches(type_: str, entry: str) -> bool:
    return type_ == entry or (entry.endswith("_") and type_.startswith(entry))


def covered(type_: str, services: set[str]) -> bool:
    if not type_.startswith("aws_") or type_ in NO_API:
        return True
    return any(_matches(type_, entry)
               for service in services for entry in SERVICE_TYPES.get(service, ()))


def service_of(type_: str) -> str:
    """The AWS service a type belongs to, as the refusal names it."""
    for service, entries in SERVICE_TYPES.items():
        if any(_matches(type_, entry) for entry in entries):
            return service
    for entry, name in UNSERVED_NAMES.items():
        if _matches(type_, entry):
            return name
    return type_.removeprefix("aws_").split("_")[0]


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
                f"{address}: the emulator does not serve this type's AWS service "
                f"({service_of(type_)}), so Terraform would call real AWS for it; the local "
                "target plans only what the emulator serves (use --target aws for it)",
                exit_code=2)

"""Web tier: launch template, instance role, blue and green ASGs, target-tracking scaling.

Fixes FM-X6 (IMDSv2 required), FM-X2 (ASGs pin the launch template's `default_version`,
which Terraform moves to each version it writes, and roll with `instance_refresh`), FM-3.3
(CPU and request-count target tracking), FM-3.4 (ELB health checks with a 600 s grace
period), FM-X3 (`desired_capacity` is never set: the scaling policies own it) and FM-6.1 (one
ASG per colour, each behind its own target group).
The user data is prodstack's bootstrap, then the user's application
(`prodstack.config.userdata`); the instances start once the application's configuration
(`stack.application`) exists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from prodstack.config.userdata import AGENT_LOGS, agent_namespace, encoded
from prodstack.stack.context import Context
from prodstack.stack.parts.application import Application
from prodstack.stack.parts.database import Database
from prodstack.stack.parts.edge import COLOURS, LIVE_COLOUR, Edge
from prodstack.stack.parts.foundation import Base
from prodstack.stack.parts.iam import service_role
from prodstack.stack.parts.keys import Keys
from prodstack.stack.parts.network import Network
from prodstack.tf.document import Block, Document, expr, policy_document

HEALTH_CHECK_GRACE_SECONDS = 600
FOLLOWS_TERRAFORM = "terraform"  # a release record version: Terraform's default version
CPU_TARGET_PERCENT = 50.0
REQUESTS_PER_TARGET = 1000.0
_ARM = re.compile(r"^[a-z]+\d+[a-z]*g[a-z]*\.")


def architecture(instance_type: str) -> str:
    return "arm64" if _ARM.match(instance_type) else "x86_64"


@dataclass(frozen=True)
class WebTier:
    role: Block
    launch_template: Block
    asgs: dict[str, Block]
    release: Block  # the release record `prodstack deploy` owns


def build(ctx: Context, r: Base, keys: Keys, net: Network, edge: Edge, db: Database,
          app: Application) -> WebTier:
    doc, s = ctx.doc, ctx.settings
    instance_type = ctx.profile.instance_type
    if s.image_id:
        image_id = s.image_id
    else:
        ami = doc.data(
            "aws_ssm_parameter", "al2023",
            name="/aws/service/ami-amazon-linux-latest/"
                 f"al2023-ami-kernel-default-{architecture(instance_type)}",
        )
        image_id = ami["insecure_value"]
    groups = {name: f"{ctx.names.log_group_prefix}/httpd-{name}" for name in AGENT_LOGS}
    for name, group in groups.items():  # the agent ships httpd logs here (see agent_config)
        doc.resource("aws_cloudwatch_log_group", f"httpd_{name}", name=group,
                     retention_in_days=ctx.profile.log_retention_days,
                     kms_key_id=keys.logs.arn, tags=ctx.tags(f"httpd-{name}"))
    role = _instance_role(ctx, r, keys, db)
    read_app = _read_app_configuration(ctx, r, role, app)
    use_data = _use_data_bucket(ctx, r, role, keys, app)
    profile = doc.resource("aws_iam_instance_profile", "web", name=ctx.names.account_wide("web"),
                           role=role.name_attr, tags=ctx.tags("web"))
    template = doc.resource(
        "aws_launch_template", "web", name=ctx.name("web"), image_id=image_id,
        instance_type=instance_type, update_default_version=True,
        iam_instance_profile=[{"arn": profile.arn}],
        network_interfaces=[{"associate_public_ip_address": False, "delete_on_termination": True,
                             "security_groups": [net.security_groups.web.id]}],
        metadata_options=[{"http_endpoint": "enabled", "http_tokens": "required",
                           "http_put_response_hop_limit": 1,
                           "instance_metadata_tags": "enabled"}],
        monitoring=[{"enabled": True}],
        block_device_mappings=[{"device_name": "/dev/xvda", "ebs": [{
            "volume_size": 20, "volume_type": "gp3", "encrypted": "true",
            "kms_key_id": keys.data.arn, "delete_on_termination": "true"}]}],
        user_data=encoded(s),
        tag_specifications=[
            {"resource_type": "instance", "tags": ctx.tags("web")},
            {"resource_type": "volume", "tags": ctx.tags("web")},
        ],
        tags=ctx.tags("web"),
    )
    record = _release_record(ctx)
    release = f"jsondecode({record.address}.insecure_value)"
    asgs: dict[str, Block] = {}
    for colour in COLOURS:
        asg = doc.resource(
            "aws_autoscaling_group", f"web_{colour}", name=ctx.name(f"web-{colour}"),
            # The live colour has the capacity; the idle one none, until a deploy swaps them.
            min_size=expr(f'try({release}.live, "{LIVE_COLOUR}") == "{colour}" ? '
                          f'{ctx.profile.min_size} : 0'),
            max_size=ctx.profile.max_size,
            vpc_zone_identifier=[sn.id for sn in net.app_subnets],
            target_group_arns=[edge.target_groups[colour].arn],
            health_check_type="ELB", health_check_grace_period=HEALTH_CHECK_GRACE_SECONDS,
            default_instance_warmup=300,
            launch_template=[{
                "id": expr(f"try({release}.templates.{colour}.id, {template.address}.id)"),
                # A colour on Terraform's own template follows it (a template change rolls
                # through the instance refresh); one on a deployed release is pinned. The
                # default version, not the latest: Terraform makes each version it writes the
                # default, and a version someone adds by hand is not run until it is.
                "version": expr(
                    f'try({release}.templates.{colour}.version == "{FOLLOWS_TERRAFORM}" ? '
                    f"tostring({template.address}.default_version) : "
                    f"{release}.templates.{colour}.version, "
                    f"tostring({template.address}.default_version))")}],
            # Launch before terminating: with two instances, 90 % healthy at least and 100 %
            # at most means terminating one first (AWS: "Understand the default values for
            # an instance refresh"); up to 200 % keeps every instance serving meanwhile.
            instance_refresh=[{"strategy": "Rolling", "preferences": [{
                "min_healthy_percentage": 100, "max_healthy_percentage": 200}]}],
            enabled_metrics=["GroupInServiceInstances", "GroupDesiredCapacity",
                             "GroupMinSize", "GroupMaxSize", "GroupTotalInstances"],
            metrics_granularity="1Minute",
            # Terraform does not wait for healthy capacity: `prodstack verify` and the
            # blue/green deploy gate on target health, where a failure can be acted on.
            wait_for_capacity_timeout="0",
            tag=[{"key": k, "value": v, "propagate_at_launch": True} for k, v in
                 {**ctx.tags(f"web-{colour}"), "colour": colour,
                  "PatchGroup": ctx.name("web")}.items()],
            lifecycle={"ignore_changes": ["desired_capacity"]},
            # An instance writes app.env at boot: its configuration, and its right to read it
            # and to use its data (parameters an extra_config folder adds: start_after).
            depends_on=[*app.parameters.values(), read_app, use_data],
        )
        asgs[colour] = asg
        _scaling_policies(ctx, edge, colour, asg)
    return WebTier(role=role, launch_template=template, asgs=asgs, release=record)


def _release_record(ctx: Context) -> Block:
    """The release record that `prodstack deploy` owns: the live colour and each colour's
    launch template and pinned version, in an SSM parameter. Terraform creates it with the
    live colour only (blue) and then only reads it (`ignore_changes`), so the ASGs' sizes and
    templates always follow the last deploy and a re-plan never undoes one (FM-6.1). A colour
    the record does not name, or an unreadable record, runs this template at its latest
    version (`try`), so a damaged record can never block a plan or a teardown; the first value
    holds no unknown, so a first plan shows each ASG's real size. A deploy writes both colours
    and puts a new image or user data in a release template of its own, never in this one,
    whose versions stay Terraform's.
    """
    return ctx.doc.resource(
        "aws_ssm_parameter", "release", name=ctx.names.release_parameter,
        type="String", tier="Standard",
        description="Live colour and launch template versions; written by prodstack deploy",
        insecure_value=expr(f'jsonencode({{live = "{LIVE_COLOUR}"}})'),
        tags=ctx.tags("release"),
        lifecycle={"ignore_changes": ["insecure_value"]},
    )


PARAMETER_READS = ("ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath")
DATA_OBJECT_ACTIONS = ("s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject",
                       "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts")


def _use_data_bucket(ctx: Context, r: Base, role: Block, keys: Keys,
                     app: Application) -> Block:
    """The application uses its data bucket (DATA_BUCKET in app.env): its objects, and the
    data key that encrypts them, through S3 only (SSE-KMS with a bucket key: S3 asks KMS for
    a data key on writes and to decrypt on reads, in the caller's name)."""
    return ctx.doc.resource(
        "aws_iam_role_policy", "web_use_data_bucket", name="use-data-bucket", role=role.id,
        policy=policy_document(
            {"Sid": "ListOwnDataBucket", "Effect": "Allow",
             "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
             "Resource": app.data_bucket_arn},
            {"Sid": "ReadWriteOwnData", "Effect": "Allow",
             "Action": list(DATA_OBJECT_ACTIONS), "Resource": f"{app.data_bucket_arn}/*"},
            {"Sid": "EncryptOwnDataThroughS3", "Effect": "Allow",
             "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": keys.data.arn,
             "Condition": {"StringEquals": {
                 "kms:ViaService": f"s3.{r.region}.amazonaws.com"}}}),
    )


def _read_app_configuration(ctx: Context, r: Base, role: Block, app: Application) -> Block:
    """The instance reads the application's parameters: exactly their path, nothing else.
    AmazonSSMManagedInstanceCore allows ssm:GetParameter(s) on every parameter; the deny
    takes that back for all but this path and AWS's public parameters (AMI ids, …)."""
    public = f"arn:{r.partition}:ssm:{r.region}::parameter/aws/*"
    return ctx.doc.resource(
        "aws_iam_role_policy", "web_read_app_config", name="read-app-config", role=role.id,
        policy=policy_document(
            {"Sid": "ReadOwnAppConfiguration", "Effect": "Allow",
             "Action": list(PARAMETER_READS), "Resource": app.path_arns},
            {"Sid": "NoOtherParameters", "Effect": "Deny",
             "Action": [*PARAMETER_READS, "ssm:GetParameterHistory"],
             "NotResource": [*app.path_arns, public]}),
    )


def _scaling_policies(ctx: Context, edge: Edge, colour: str, asg: Block) -> None:
    ctx.doc.resource(
        "aws_autoscaling_policy", f"{colour}_cpu", name=ctx.name(f"{colour}-cpu"),
        autoscaling_group_name=asg.name_attr, policy_type="TargetTrackingScaling",
        target_tracking_configuration=[{
            "predefined_metric_specification": [
                {"predefined_metric_type": "ASGAverageCPUUtilization"}],
            "target_value": CPU_TARGET_PERCENT}],
    )
    label = "${" + f"{edge.alb.address}.arn_suffix" + "}/${" + \
        f"{edge.target_groups[colour].address}.arn_suffix" + "}"
    ctx.doc.resource(
        "aws_autoscaling_policy", f"{colour}_requests", name=ctx.name(f"{colour}-requests"),
        autoscaling_group_name=asg.name_attr, policy_type="TargetTrackingScaling",
        target_tracking_configuration=[{
            "predefined_metric_specification": [{
                "predefined_metric_type": "ALBRequestCountPerTarget", "resource_label": label}],
            "target_value": REQUESTS_PER_TARGET}],
    )


def start_after(doc: Document, web: WebTier, addresses: list[str]) -> None:
    """The instances also read what an `extra_config` folder adds to their configuration
    (its SSM parameters): the ASGs wait for those too."""
    for asg in web.asgs.values():
        body = doc.body_of(asg.type, asg.name)
        body["depends_on"] = list(dict.fromkeys([*body.get("depends_on", []), *addresses]))


def _instance_role(ctx: Context, r: Base, keys: Keys, db: Database) -> Block:
    """SSM core; the CloudWatch agent scoped to the environment's own log groups (httpd's, and
    the application's under `/<project>/<env>/`, where an extension puts them) and metric
    namespace (the managed CloudWatchAgentServerPolicy would let an instance change any
    group's retention, the trail's included, or write into it); read of the database's own
    secret only."""
    role = service_role(ctx, r, "web", "ec2.amazonaws.com", {
        "web_ssm_core": "AmazonSSMManagedInstanceCore"})
    s = ctx.settings
    ctx.doc.resource(
        "aws_iam_role_policy", "web_cloudwatch_agent", name="cloudwatch-agent", role=role.id,
        policy=policy_document(
            {"Sid": "OwnMetrics", "Effect": "Allow", "Action": "cloudwatch:PutMetricData",
             "Resource": "*", "Condition": {"StringEquals": {
                 "cloudwatch:namespace": agent_namespace(s.project, s.env)}}},
            {"Sid": "OwnLogGroups", "Effect": "Allow",
             "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
             "Resource": r.log_group_arn(f"{ctx.names.log_group_prefix}/*") + ":*"},
            {"Sid": "InstanceDimensions", "Effect": "Allow",
             "Action": ["ec2:DescribeTags", "ec2:DescribeVolumes"], "Resource": "*"},
        ),
    )
    ctx.doc.resource(
        "aws_iam_role_policy", "web_read_db_secret", name="read-db-secret", role=role.id,
        policy=policy_document(
            {"Sid": "ReadOwnDatabaseSecret", "Effect": "Allow",
             "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
             "Resource": db.secret_arn},
            {"Sid": "DecryptThatSecret", "Effect": "Allow", "Action": "kms:Decrypt",
             "Resource": keys.data.arn,
             "Condition": {"StringEquals": {
                 "kms:ViaService": f"secretsmanager.{r.region}.amazonaws.com"}}},
        ),
    )
    return role

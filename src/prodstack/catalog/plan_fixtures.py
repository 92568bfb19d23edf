"""Plan fixture pieces that more than one catalog file uses, shaped like real code: a
database, an auto scaling group with a policy, a two-AZ network by `count` (as
terraform-aws-modules/vpc writes it), an ALB, a trail and its bucket, alarms, a backend."""

from __future__ import annotations

from typing import Any

from prodstack.catalog.planbuilder import PlanBuilder
from prodstack.tf.folder import Backend, FolderConfig

GOOD_DB: dict[str, Any] = {
    "identifier": "app-db", "engine": "postgres", "engine_version": "16",
    "instance_class": "db.t4g.medium", "allocated_storage": 20, "max_allocated_storage": 100,
    "multi_az": True, "publicly_accessible": False, "backup_retention_period": 14,
    "deletion_protection": True, "skip_final_snapshot": False,
    "manage_master_user_password": True, "password": None, "auto_minor_version_upgrade": True,
    "replicate_source_db": None, "tags_all": {"environment": "production"},
}
GOOD_ASG: dict[str, Any] = {
    "name": "web", "min_size": 2, "max_size": 6, "health_check_type": "ELB",
    "health_check_grace_period": 600, "desired_capacity": None,
    "launch_template": [{"version": None}],
}


def db(b: PlanBuilder, address: str = "aws_db_instance.main", *, unset: tuple[str, ...] = (),
       unknown: dict[str, Any] | None = None, refs: dict[str, list[str]] | None = None,
       **values: Any) -> PlanBuilder:
    """A well-configured database; `values` change it."""
    return b.add(address, {**GOOD_DB, **values}, unknown={"arn": True, "id": True,
                                                          **(unknown or {})},
                 unset=unset, refs=refs)


def asg(policy: str | None = "ref", **values: Any) -> PlanBuilder:
    """An ASG on `aws_launch_template.web.latest_version`; a policy by reference, by name
    (`policy="name"`) or none."""
    b = PlanBuilder().add("aws_autoscaling_group.web", {**GOOD_ASG, **values},
                          refs={"launch_template.version": [
                              "aws_launch_template.web.latest_version",
                              "aws_launch_template.web"]},
                          unknown={"launch_template": [{"version": True}], "arn": True})
    if policy == "ref":
        b.add("aws_autoscaling_policy.cpu", {"policy_type": "TargetTrackingScaling"},
              refs={"autoscaling_group_name": ["aws_autoscaling_group.web.name",
                                               "aws_autoscaling_group.web"]})
    elif policy == "name":
        b.add("aws_autoscaling_policy.cpu", {"autoscaling_group_name": "web"})
    return b


def network(nat_per_az: bool, endpoint: str | None = "routed",
            zones: tuple[str | None, str | None] = ("us-west-1a", "us-west-1b")) -> PlanBuilder:
    """Two AZs (`zones`: None for one only known after apply), private subnets and route
    tables by `count`, like terraform-aws-modules/vpc; an S3 gateway endpoint in the private
    route tables (`routed`), in none, or absent."""
    b = PlanBuilder().add("aws_vpc.main", {"cidr_block": "10.0.0.0/16"}, unknown={"id": True})
    nats = 2 if nat_per_az else 1
    for i, zone in enumerate(zones):
        for tier in ("public", "private"):
            b.add(f"aws_subnet.{tier}[{i}]", {"availability_zone": zone},
                  refs={"vpc_id": ["aws_vpc.main.id", "aws_vpc.main"],
                        **({"availability_zone": ["data.aws_availability_zones.this.names"]}
                           if zone is None else {})},
                  unknown={"id": True, **({"availability_zone": True} if zone is None else {})})
        if i < nats:
            b.add(f"aws_nat_gateway.this[{i}]", {"connectivity_type": "public"},
                  refs={"subnet_id": ["aws_subnet.public", "count.index"]},
                  unknown={"id": True, "subnet_id": True})
        b.add(f"aws_route_table.private[{i}]", {}, unknown={"id": True},
              refs={"vpc_id": ["aws_vpc.main.id", "aws_vpc.main"]})
        b.add(f"aws_route.private_nat[{i}]", {"destination_cidr_block": "0.0.0.0/0"},
              refs={"route_table_id": ["aws_route_table.private", "count.index"],
                    "nat_gateway_id": ["aws_nat_gateway.this", "count.index"]})
        b.add(f"aws_route_table_association.private[{i}]", {},
              refs={"subnet_id": ["aws_subnet.private", "count.index"],
                    "route_table_id": ["aws_route_table.private", "count.index"]})
    if endpoint:
        refs = {"vpc_id": ["aws_vpc.main.id", "aws_vpc.main"]}
        if endpoint == "routed":
            refs["route_table_ids"] = ["aws_route_table.private"]
        b.add("aws_vpc_endpoint.s3", {"service_name": "com.amazonaws.us-west-1.s3",
                                      "vpc_endpoint_type": "Gateway"}, refs=refs)
    return b


def alb(b: PlanBuilder, internal: bool | None = False) -> PlanBuilder:
    values: dict[str, Any] = {"name": "web", "load_balancer_type": "application"}
    unset: tuple[str, ...] = ()
    if internal is None:  # left to the provider's default (internet-facing)
        values["internal"] = None
        unset = ("internal",)
    else:
        values["internal"] = internal
    return b.add("aws_lb.web", values, unset=unset,
                 unknown={"arn": True, "arn_suffix": True, "id": True,
                          **({"internal": True} if internal is None else {})})


def trail(bucket: dict[str, object], cloudwatch: bool = False) -> PlanBuilder:
    """A trail delivering to `aws_s3_bucket.audit` (with `bucket`'s values)."""
    refs = {"s3_bucket_name": ["aws_s3_bucket.audit.id", "aws_s3_bucket.audit"]}
    unknown: dict[str, object] = {"s3_bucket_name": True}
    if cloudwatch:
        refs["cloud_watch_logs_group_arn"] = ["aws_cloudwatch_log_group.trail.arn"]
        unknown["cloud_watch_logs_group_arn"] = True
    return (PlanBuilder()
            .add("aws_s3_bucket.audit", {"bucket": "acme-audit", **bucket},
                 unknown={"id": True, "object_lock_enabled": "object_lock_enabled" not in bucket})
            .add("aws_cloudtrail.main", {"name": "main", "cloud_watch_logs_group_arn": None},
                 refs=refs, unknown=unknown))


ALARM_METRICS = {
    "unhealthy": ("AWS/ApplicationELB", "UnHealthyHostCount", "aws_lb.web"),
    "elb5xx": ("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "aws_lb.web"),
    "cpu": ("AWS/RDS", "CPUUtilization", "aws_db_instance.main"),
    "storage": ("AWS/RDS", "FreeStorageSpace", "aws_db_instance.main"),
}


def alarm(b: PlanBuilder, name: str, namespace: str, metric: str, target: str,
          actions: bool = True) -> PlanBuilder:
    refs = {"dimensions": [f"{target}.identifier", target]}
    values: dict[str, Any] = {"alarm_name": name, "namespace": namespace, "metric_name": metric,
                              "alarm_actions": None}
    unknown: dict[str, Any] = {"dimensions": True}
    if actions:
        refs["alarm_actions"] = ["aws_sns_topic.alarms.arn", "aws_sns_topic.alarms"]
        unknown["alarm_actions"] = True
    return b.add(f"aws_cloudwatch_metric_alarm.{name}", values, refs=refs, unknown=unknown)


def monitored(alarms: tuple[str, ...] = tuple(ALARM_METRICS), subscribed: bool = True,
              actions: bool = True, topic: bool = True) -> PlanBuilder:
    """A database and an ALB with `alarms` on them, notifying a topic (subscribed or not)."""
    b = db(PlanBuilder()).add("aws_lb.web", {"name": "web", "internal": False},
                              unknown={"arn_suffix": True})
    if topic:
        b.add("aws_sns_topic.alarms", {"name": "alarms"}, unknown={"arn": True})
    if topic and subscribed:
        b.add("aws_sns_topic_subscription.oncall", {"protocol": "email"},
              refs={"topic_arn": ["aws_sns_topic.alarms.arn", "aws_sns_topic.alarms"]})
    for name in alarms:
        alarm(b, name, *ALARM_METRICS[name], actions=actions and topic)
    return b


def topic() -> PlanBuilder:
    """A plan with one unrelated resource (for rules that read the configuration)."""
    return PlanBuilder().add("aws_sns_topic.x", {"name": "placeholder"})


def backend(settings: dict[str, object], extra: dict[str, object] | None = None
            ) -> FolderConfig:
    """A folder whose main.tf declares an s3 backend; `extra` from a `*.tfbackend` file."""
    return FolderConfig(backends=[Backend("s3", settings, "main.tf")],
                        backend_config=extra or {},
                        backend_config_files=["prod.s3.tfbackend"] if extra else [])

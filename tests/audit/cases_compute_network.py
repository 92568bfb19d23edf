"""Fixtures for the web tier (FM-3.3, 3.4, X2, X3, X6), network (FM-3.2, 4.3, 5.1) and
monitoring (FM-4.1, 4.2) rules."""

from __future__ import annotations

from typing import Any

from prodstack.audit.config import FolderConfig
from tests.audit.cases import case
from tests.audit.helpers import db
from tests.audit.planbuilder import PlanBuilder

Made = tuple[PlanBuilder, FolderConfig | None]
GOOD_ASG: dict[str, Any] = {
    "name": "web", "min_size": 2, "max_size": 6, "health_check_type": "ELB",
    "health_check_grace_period": 600, "desired_capacity": None,
    "launch_template": [{"version": None}],
}


def _asg(policy: str | None = "ref", **values: Any) -> PlanBuilder:
    b = PlanBuilder().add("aws_autoscaling_group.web", {**GOOD_ASG, **values},
                          refs={"launch_template.version": ["aws_launch_template.web"]},
                          unknown={"launch_template": [{"version": True}], "arn": True})
    if policy == "ref":
        b.add("aws_autoscaling_policy.cpu", {"policy_type": "TargetTrackingScaling"},
              refs={"autoscaling_group_name": ["aws_autoscaling_group.web.name",
                                               "aws_autoscaling_group.web"]})
    elif policy == "name":
        b.add("aws_autoscaling_policy.cpu", {"autoscaling_group_name": "web"})
    return b


@case("FM-3.3", fires=True)
def asg_without_policy() -> Made:
    return _asg(policy=None), None


@case("FM-3.3", fires=False)
def asg_with_policy_by_reference() -> Made:
    return _asg(), None


@case("FM-3.3", fires=False)
def asg_with_policy_by_name() -> Made:
    return _asg(policy="name"), None


@case("FM-3.3", fires=False)
def fixed_size_asg() -> Made:
    return _asg(policy=None, min_size=1, max_size=1), None


@case("FM-3.4", fires=True)
def short_grace_period() -> Made:
    return _asg(health_check_grace_period=300), None


@case("FM-3.4", fires=False)
def long_grace_period() -> Made:
    return _asg(), None


@case("FM-3.4", fires=False)
def short_grace_period_with_ec2_checks() -> Made:
    return _asg(health_check_type="EC2", health_check_grace_period=0), None


@case("FM-X2", fires=True)
def latest_template() -> Made:
    b = PlanBuilder().add("aws_autoscaling_group.web", {
        **GOOD_ASG, "launch_template": [{"version": "$Latest"}]})
    return b, None


@case("FM-X2", fires=False)
def pinned_template() -> Made:
    return _asg(), None


@case("FM-X3", fires=True)
def desired_capacity_with_policies() -> Made:
    return _asg(desired_capacity=2), None


@case("FM-X3", fires=False)
def desired_capacity_ignored() -> Made:
    config = FolderConfig(ignore_changes={("aws_autoscaling_group", "web"):
                                          frozenset({"desired_capacity"})})
    return _asg(desired_capacity=2), config


@case("FM-X3", fires=False)
def desired_capacity_left_to_asg() -> Made:
    return _asg(), None


def _template(metadata: list[dict[str, Any]]) -> PlanBuilder:
    return PlanBuilder().add("aws_launch_template.web", {"name": "web",
                                                         "metadata_options": metadata})


@case("FM-X6", fires=True)
def imds_optional() -> Made:
    return _template([{"http_endpoint": "enabled", "http_tokens": "optional"}]), None


@case("FM-X6", fires=True)
def imds_left_to_default() -> Made:
    return _template([]), None


@case("FM-X6", fires=False)
def imds_required() -> Made:
    return _template([{"http_endpoint": "enabled", "http_tokens": "required"}]), None


# -- network ----------------------------------------------------------------------------------


def _network(nat_per_az: bool, endpoint: str | None = "routed") -> PlanBuilder:
    """Two AZs, private subnets and route tables by `count`, like terraform-aws-modules/vpc."""
    b = PlanBuilder().add("aws_vpc.main", {"cidr_block": "10.0.0.0/16"}, unknown={"id": True})
    nats = 2 if nat_per_az else 1
    for i, zone in enumerate(("us-west-1a", "us-west-1b")):
        for tier in ("public", "private"):
            b.add(f"aws_subnet.{tier}[{i}]", {"availability_zone": zone},
                  refs={"vpc_id": ["aws_vpc.main.id", "aws_vpc.main"]}, unknown={"id": True})
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


@case("FM-3.2", fires=True)
def one_nat_for_two_azs() -> Made:
    return _network(nat_per_az=False), None


@case("FM-3.2", fires=False)
def nat_per_az() -> Made:
    return _network(nat_per_az=True), None


@case("FM-5.1", fires=True)
def nat_without_s3_endpoint() -> Made:
    return _network(nat_per_az=True, endpoint=None), None


@case("FM-5.1", fires=True)
def s3_endpoint_in_no_route_table() -> Made:
    return _network(nat_per_az=True, endpoint="unrouted"), None


@case("FM-5.1", fires=False)
def nat_with_s3_endpoint() -> Made:
    return _network(nat_per_az=True), None


@case("FM-4.3", fires=True)
def vpc_without_flow_log() -> Made:
    return PlanBuilder().add("aws_vpc.main", {"cidr_block": "10.0.0.0/16"}), None


@case("FM-4.3", fires=False)
def vpc_with_flow_log_in_module() -> Made:
    b = (PlanBuilder().add("aws_vpc.main", {"cidr_block": "10.0.0.0/16"}, unknown={"id": True})
         .add("module.logs.aws_flow_log.this", {"traffic_type": "ALL"},
              refs={"vpc_id": ["var.vpc_id"]}, unknown={"vpc_id": True})
         .module("module.logs", inputs={"vpc_id": ["aws_vpc.main.id", "aws_vpc.main"]}))
    return b, None


# -- monitoring -------------------------------------------------------------------------------


def _alarm(b: PlanBuilder, name: str, namespace: str, metric: str, target: str,
           actions: bool = True) -> PlanBuilder:
    refs = {"dimensions": [f"{target}.identifier", target]}
    values: dict[str, Any] = {"alarm_name": name, "namespace": namespace, "metric_name": metric,
                              "alarm_actions": None}
    unknown: dict[str, Any] = {"dimensions": True}
    if actions:
        refs["alarm_actions"] = ["aws_sns_topic.alarms.arn", "aws_sns_topic.alarms"]
        unknown["alarm_actions"] = True
    return b.add(f"aws_cloudwatch_metric_alarm.{name}", values, refs=refs, unknown=unknown)


def _monitored(alarms: tuple[str, ...] = ("unhealthy", "elb5xx", "cpu", "storage"),
               subscribed: bool = True, actions: bool = True) -> PlanBuilder:
    b = db(PlanBuilder()).add("aws_lb.web", {"name": "web", "internal": False},
                              unknown={"arn_suffix": True})
    b.add("aws_sns_topic.alarms", {"name": "alarms"}, unknown={"arn": True})
    if subscribed:
        b.add("aws_sns_topic_subscription.oncall", {"protocol": "email"},
              refs={"topic_arn": ["aws_sns_topic.alarms.arn", "aws_sns_topic.alarms"]})
    table = {
        "unhealthy": ("AWS/ApplicationELB", "UnHealthyHostCount", "aws_lb.web"),
        "elb5xx": ("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "aws_lb.web"),
        "cpu": ("AWS/RDS", "CPUUtilization", "aws_db_instance.main"),
        "storage": ("AWS/RDS", "FreeStorageSpace", "aws_db_instance.main"),
    }
    for name in alarms:
        _alarm(b, name, *table[name], actions=actions)
    return b


@case("FM-4.1", fires=True)
def missing_critical_alarms() -> Made:
    return _monitored(alarms=("cpu",)), None


@case("FM-4.1", fires=False)
def critical_alarms_present() -> Made:
    return _monitored(), None


@case("FM-4.2", fires=True)
def alarms_without_actions() -> Made:
    return _monitored(actions=False), None


@case("FM-4.2", fires=True)
def topic_without_subscription() -> Made:
    return _monitored(subscribed=False), None


@case("FM-4.2", fires=False)
def alarms_notify_subscribers() -> Made:
    return _monitored(), None

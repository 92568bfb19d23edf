"""Monitoring: the encrypted SNS alarm topic, the alarms, CloudTrail metric filters, a dashboard.

Fixes FM-4.1 (alarms on unhealthy hosts, 5xx, latency, CPU, database storage and connections,
NAT port allocation errors) and FM-4.2 (every alarm has alarm and OK actions to a topic that
has subscriptions, and the topic's key lets CloudWatch publish).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from prodstack.stack.context import Context
from prodstack.stack.parts.audit import Audit
from prodstack.stack.parts.database import Database
from prodstack.stack.parts.edge import Edge
from prodstack.stack.parts.foundation import Base
from prodstack.stack.parts.keys import Keys
from prodstack.stack.parts.network import Network
from prodstack.stack.parts.webtier import WebTier
from prodstack.tf.document import Block

PERIOD = 60


@dataclass(frozen=True)
class Alarm:
    name: str
    namespace: str
    metric: str
    dimensions: dict[str, str]
    statistic: str
    comparison: str
    threshold: float
    periods: int = 3
    description: str = ""


TRAIL_FILTERS = {
    "root_account_usage": (
        '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS '
        '&& $.eventType != "AwsServiceEvent" }',
        "The root user was used",
    ),
    "unauthorized_api_calls": (
        '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }',
        "API calls were denied",
    ),
    "iam_policy_changes": (
        "{ ($.eventName = DeleteGroupPolicy) || ($.eventName = DeleteRolePolicy) || "
        "($.eventName = DeleteUserPolicy) || ($.eventName = PutGroupPolicy) || "
        "($.eventName = PutRolePolicy) || ($.eventName = PutUserPolicy) || "
        "($.eventName = CreatePolicy) || ($.eventName = DeletePolicy) || "
        "($.eventName = CreatePolicyVersion) || ($.eventName = DeletePolicyVersion) || "
        "($.eventName = AttachRolePolicy) || ($.eventName = DetachRolePolicy) || "
        "($.eventName = AttachUserPolicy) || ($.eventName = DetachUserPolicy) || "
        "($.eventName = AttachGroupPolicy) || ($.eventName = DetachGroupPolicy) }",
        "An IAM policy changed",
    ),
    "console_signin_without_mfa": (
        '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") '
        '&& ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }',
        "Somebody signed in to the console without MFA",
    ),
}


@dataclass(frozen=True)
class Monitoring:
    topic: Block
    alarms: dict[str, Block]  # Alarm.name -> resource
    gate_alarms: dict[str, list[Block]]  # colour -> alarms the deploy gate checks


def build(ctx: Context, r: Base, keys: Keys, net: Network, edge: Edge, web: WebTier,
          db: Database, audit: Audit) -> Monitoring:
    doc, s = ctx.doc, ctx.settings
    topic = doc.resource("aws_sns_topic", "alarms", name=ctx.name("alarms"),
                         kms_master_key_id=keys.logs.id, tags=ctx.tags("alarms"))
    for i, email in enumerate(s.effective_alarm_emails):
        doc.resource("aws_sns_topic_subscription", f"alarm_email_{i}", topic_arn=topic.arn,
                     protocol="email", endpoint=email)
    made = {alarm.name: _alarm(ctx, topic, alarm) for alarm in _alarms(net, edge, web, db)}
    made.update(_trail_filters(ctx, topic, audit))
    _dashboard(ctx, r, edge, web, db)
    gate = {colour: [made["alb-5xx"], made["target-5xx"], made[f"unhealthy-hosts-{colour}"]]
            for colour in edge.target_groups}
    return Monitoring(topic=topic, alarms=made, gate_alarms=gate)


def _alarms(net: Network, edge: Edge, web: WebTier, db_part: Database) -> list[Alarm]:
    alb = edge.alb["arn_suffix"]
    db = db_part.instance["identifier"]
    alarms = [
        Alarm("alb-5xx", "AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count",
              {"LoadBalancer": alb}, "Sum", "GreaterThanThreshold", 10,
              description="The load balancer answers 5xx"),
        Alarm("target-5xx", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count",
              {"LoadBalancer": alb}, "Sum", "GreaterThanThreshold", 10,
              description="The web tier answers 5xx"),
        Alarm("target-response-time", "AWS/ApplicationELB", "TargetResponseTime",
              {"LoadBalancer": alb}, "Average", "GreaterThanThreshold", 1.0,
              description="Average response time above 1 s"),
        Alarm("rds-cpu", "AWS/RDS", "CPUUtilization", {"DBInstanceIdentifier": db},
              "Average", "GreaterThanThreshold", 80, periods=5,
              description="Database CPU above 80%"),
        Alarm("rds-free-storage", "AWS/RDS", "FreeStorageSpace", {"DBInstanceIdentifier": db},
              "Minimum", "LessThanThreshold", 2 * 1024**3,
              description="Less than 2 GiB free before storage autoscaling catches up"),
        Alarm("rds-connections", "AWS/RDS", "DatabaseConnections",
              {"DBInstanceIdentifier": db}, "Maximum", "GreaterThanThreshold", 80,
              description="Database connections near the class limit"),
    ]
    # Both colours are watched: which one is live changes with every deploy, and the idle one
    # has no instances, so no data (not breaching).
    for colour, asg in web.asgs.items():
        alarms.append(Alarm(
            f"asg-cpu-{colour}", "AWS/EC2", "CPUUtilization",
            {"AutoScalingGroupName": asg.name_attr}, "Average", "GreaterThanThreshold", 85,
            periods=5, description=f"Web tier ({colour}) CPU above 85% although scaling "
                                   "should hold it at 50%"))
    for colour, tg in edge.target_groups.items():
        alarms.append(Alarm(
            f"unhealthy-hosts-{colour}", "AWS/ApplicationELB", "UnHealthyHostCount",
            {"LoadBalancer": alb, "TargetGroup": tg["arn_suffix"]}, "Maximum",
            "GreaterThanThreshold", 0, description=f"Unhealthy targets in {colour}",
        ))
    for i, nat in enumerate(net.nat_gateways):
        alarms.append(Alarm(
            f"nat-{i}-port-allocation-errors", "AWS/NATGateway", "ErrorPortAllocation",
            {"NatGatewayId": nat.id}, "Sum", "GreaterThanThreshold", 0, periods=1,
            description="NAT gateway could not allocate source ports",
        ))
    return alarms


def _alarm(ctx: Context, topic: Block, alarm: Alarm) -> Block:
    key = alarm.name.replace("-", "_")
    return ctx.doc.resource(
        "aws_cloudwatch_metric_alarm", key, alarm_name=ctx.name(alarm.name),
        alarm_description=alarm.description, namespace=alarm.namespace,
        metric_name=alarm.metric, dimensions=alarm.dimensions or None,
        statistic=alarm.statistic, comparison_operator=alarm.comparison,
        threshold=alarm.threshold, period=PERIOD, evaluation_periods=alarm.periods,
        treat_missing_data="notBreaching", actions_enabled=True,
        alarm_actions=[topic.arn], ok_actions=[topic.arn],
        tags=ctx.tags(alarm.name),
    )


def _trail_filters(ctx: Context, topic: Block, audit: Audit) -> dict[str, Block]:
    namespace = f"{ctx.settings.project}/{ctx.settings.env}/CloudTrail"
    made: dict[str, Block] = {}
    for key, (pattern, description) in TRAIL_FILTERS.items():
        metric = "".join(part.title() for part in key.split("_"))
        ctx.doc.resource(
            "aws_cloudwatch_log_metric_filter", key, name=ctx.name(key.replace("_", "-")),
            log_group_name=audit.trail_log_group.name_attr, pattern=pattern,
            metric_transformation=[{"name": metric, "namespace": namespace, "value": "1",
                                    "default_value": "0"}],
        )
        alarm = Alarm(key.replace("_", "-"), namespace, metric, {}, "Sum",
                      "GreaterThanOrEqualToThreshold", 1, periods=1, description=description)
        made[alarm.name] = _alarm(ctx, topic, alarm)
    return made


def _dashboard(ctx: Context, r: Base, edge: Edge, web: WebTier, db_part: Database) -> None:
    alb, db = edge.alb["arn_suffix"], db_part.instance["identifier"]
    region = r.region

    def widget(title: str, stat: str, metrics: list[list[Any]], x: int, y: int) -> dict:
        return {"type": "metric", "x": x, "y": y, "width": 12, "height": 6,
                "properties": {"title": title, "region": region, "stat": stat, "period": 300,
                               "metrics": metrics}}

    body = {"widgets": [
        widget("Requests and 5xx", "Sum", [
            ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", alb],
            ["AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "LoadBalancer", alb],
            ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", alb]], 0, 0),
        widget("Response time (p95)", "p95", [
            ["AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", alb]], 12, 0),
        widget("Web tier CPU (average)", "Average", [
            ["AWS/EC2", "CPUUtilization", "AutoScalingGroupName", web.asgs[c].name_attr]
            for c in web.asgs], 0, 6),
        widget("Database (average)", "Average", [
            ["AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", db],
            ["AWS/RDS", "DatabaseConnections", "DBInstanceIdentifier", db],
            ["AWS/RDS", "FreeStorageSpace", "DBInstanceIdentifier", db]], 12, 6),
    ]}
    # Dashboards are global to the account: the name carries the region, or a second region
    # would overwrite the first's.
    ctx.doc.resource("aws_cloudwatch_dashboard", "main",
                     dashboard_name=ctx.names.dashboard,
                     dashboard_body=json.dumps(body))

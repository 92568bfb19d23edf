"""Monitoring: the encrypted SNS alarm topic, the alarms, CloudTrail metric filters, a dashboard.

Fixes FM-4.1 (alarms on unhealthy hosts, 5xx, latency, CPU, database storage and connections,
NAT port allocation errors) and FM-4.2 (every alarm has alarm and OK actions to a topic that
has subscriptions, and the topic's key lets CloudWatch publish).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from prodstack.stack.context import StackContext

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


def build(ctx: StackContext) -> None:
    doc, r, s = ctx.doc, ctx.refs, ctx.settings
    r.topic = doc.resource("aws_sns_topic", "alarms", name=ctx.name("alarms"),
                           kms_master_key_id=r.logs_key.id, tags=ctx.tags("alarms"))
    for i, email in enumerate(s.effective_alarm_emails):
        doc.resource("aws_sns_topic_subscription", f"alarm_email_{i}", topic_arn=r.topic.arn,
                     protocol="email", endpoint=email)
    for alarm in _alarms(ctx):
        _alarm(ctx, alarm)
    _trail_filters(ctx)
    _dashboard(ctx)


def _alarms(ctx: StackContext) -> list[Alarm]:
    r = ctx.refs
    alb = r.alb["arn_suffix"]
    live_asg = r.asgs["blue"].name_attr
    db = r.db["identifier"]
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
        Alarm("asg-cpu", "AWS/EC2", "CPUUtilization", {"AutoScalingGroupName": live_asg},
              "Average", "GreaterThanThreshold", 85, periods=5,
              description="Web tier CPU above 85% although scaling should hold it at 50%"),
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
    for colour, tg in r.target_groups.items():
        alarms.append(Alarm(
            f"unhealthy-hosts-{colour}", "AWS/ApplicationELB", "UnHealthyHostCount",
            {"LoadBalancer": alb, "TargetGroup": tg["arn_suffix"]}, "Maximum",
            "GreaterThanThreshold", 0, description=f"Unhealthy targets in {colour}",
        ))
    for i, nat in enumerate(r.nat_gateways):
        alarms.append(Alarm(
            f"nat-{i}-port-allocation-errors", "AWS/NATGateway", "ErrorPortAllocation",
            {"NatGatewayId": nat.id}, "Sum", "GreaterThanThreshold", 0, periods=1,
            description="NAT gateway could not allocate source ports",
        ))
    return alarms


def _alarm(ctx: StackContext, alarm: Alarm, name: str | None = None) -> None:
    key = (name or alarm.name).replace("-", "_")
    ctx.doc.resource(
        "aws_cloudwatch_metric_alarm", key, alarm_name=ctx.name(alarm.name),
        alarm_description=alarm.description, namespace=alarm.namespace,
        metric_name=alarm.metric, dimensions=alarm.dimensions or None,
        statistic=alarm.statistic, comparison_operator=alarm.comparison,
        threshold=alarm.threshold, period=PERIOD, evaluation_periods=alarm.periods,
        treat_missing_data="notBreaching", actions_enabled=True,
        alarm_actions=[ctx.refs.topic.arn], ok_actions=[ctx.refs.topic.arn],
        tags=ctx.tags(alarm.name),
    )


def _trail_filters(ctx: StackContext) -> None:
    namespace = f"{ctx.settings.project}/{ctx.settings.env}/CloudTrail"
    for key, (pattern, description) in TRAIL_FILTERS.items():
        metric = "".join(part.title() for part in key.split("_"))
        ctx.doc.resource(
            "aws_cloudwatch_log_metric_filter", key, name=ctx.name(key.replace("_", "-")),
            log_group_name=ctx.refs.trail_log_group.name_attr, pattern=pattern,
            metric_transformation=[{"name": metric, "namespace": namespace, "value": "1",
                                    "default_value": "0"}],
        )
        _alarm(ctx, Alarm(key.replace("_", "-"), namespace, metric, {}, "Sum",
                          "GreaterThanOrEqualToThreshold", 1, periods=1,
                          description=description))


def _dashboard(ctx: StackContext) -> None:
    r = ctx.refs
    alb, db = r.alb["arn_suffix"], r.db["identifier"]
    region = r.region

    def widget(title: str, metrics: list[list[str]], x: int, y: int) -> dict:
        return {"type": "metric", "x": x, "y": y, "width": 12, "height": 6,
                "properties": {"title": title, "region": region, "stat": "Sum", "period": 300,
                               "metrics": metrics}}

    body = {"widgets": [
        widget("Requests and 5xx", [
            ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", alb],
            ["AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "LoadBalancer", alb],
            ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", alb]], 0, 0),
        widget("Response time", [
            ["AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", alb]], 12, 0),
        widget("Web tier CPU", [
            ["AWS/EC2", "CPUUtilization", "AutoScalingGroupName", r.asgs[c].name_attr]
            for c in r.asgs], 0, 6),
        widget("Database", [
            ["AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", db],
            ["AWS/RDS", "DatabaseConnections", "DBInstanceIdentifier", db],
            ["AWS/RDS", "FreeStorageSpace", "DBInstanceIdentifier", db]], 12, 6),
    ]}
    ctx.doc.resource("aws_cloudwatch_dashboard", "main", dashboard_name=ctx.name("overview"),
                     dashboard_body=json.dumps(body))

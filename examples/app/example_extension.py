"""The example's Python extension (`extend = "example_extension:extend"` in prodstack.toml).

prodstack calls `extend(stack)` after it has built its parts and before the target adjusts the
document: this one adds a log group for the application and an alarm on the answers it gives
the load balancer with 4xx codes, wired to prodstack's own key, load balancer and alarm topic.
"""

from __future__ import annotations

from prodstack import Stack


def extend(stack: Stack) -> None:
    names, profile = stack.settings.names, stack.settings.profile
    topic = stack.part("monitoring").topic
    stack.doc.resource(
        "aws_cloudwatch_log_group", "example_app", name=f"{names.log_group_prefix}/example-app",
        retention_in_days=profile.log_retention_days, kms_key_id=stack.part("keys").logs.arn)
    stack.doc.resource(
        "aws_cloudwatch_metric_alarm", "example_app_4xx",
        alarm_name=names.regional("example-app-4xx"),
        alarm_description="The example application answers many 4xx",
        namespace="AWS/ApplicationELB", metric_name="HTTPCode_Target_4XX_Count",
        dimensions={"LoadBalancer": stack.part("edge").alb["arn_suffix"]},
        statistic="Sum", period=60, evaluation_periods=5, threshold=100,
        comparison_operator="GreaterThanThreshold", treat_missing_data="notBreaching",
        actions_enabled=True, alarm_actions=[topic.arn], ok_actions=[topic.arn])

"""Monitoring: alarms on the metrics that matter (FM-4.1) that notify somebody (FM-4.2)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prodstack.audit.plan import UNKNOWN, Plan, Resource
from prodstack.audit.rules.base import AuditInput, Hit, Rule
from prodstack.audit.rules.database import primaries
from prodstack.audit.rules.edge import LB_TYPES, key_type

ALARMS = ("aws_cloudwatch_metric_alarm",)
ALL_ALARMS = (*ALARMS, "aws_cloudwatch_composite_alarm")
# (what, namespace, any of these metric names)
ALB_METRICS = (
    ("unhealthy hosts", "AWS/ApplicationELB", ("UnHealthyHostCount",)),
    ("5xx responses", "AWS/ApplicationELB", ("HTTPCode_ELB_5XX_Count",
                                             "HTTPCode_Target_5XX_Count")),
)
RDS_METRICS = (
    ("CPU", "AWS/RDS", ("CPUUtilization",)),
    ("free storage", "AWS/RDS", ("FreeStorageSpace",)),
)


def _metrics(alarm: Resource) -> list[tuple[Any, Any]]:
    """(namespace, metric name) pairs an alarm watches, UNKNOWN where the plan cannot tell."""
    pairs = []
    if alarm.get("metric_name") is not None:
        pairs.append((alarm.get("namespace"), alarm.get("metric_name")))
    queries = alarm.get("metric_query")
    if queries is UNKNOWN:
        pairs.append((UNKNOWN, UNKNOWN))
    for query in queries if isinstance(queries, list) else []:
        for metric in (query.get("metric") or []) if isinstance(query, dict) else []:
            if isinstance(metric, dict):
                pairs.append((metric.get("namespace"), metric.get("metric_name")))
    return pairs


def _watches(alarm: Resource, namespace: str, names: tuple[str, ...]) -> bool:
    return any((ns is UNKNOWN or ns == namespace) and (m is UNKNOWN or m in names)
               for ns, m in _metrics(alarm))


def _literals(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return {v for v in value.values() if isinstance(v, str)}
    return set()


def _covers(plan: Plan, alarm: Resource, res: Resource, family: list[Resource]) -> bool:
    """The alarm watches `res`: it refers to it, names it, or names no other resource of the
    same kind (dimensions the plan cannot resolve get the benefit of the doubt)."""
    refs = plan.refs(alarm)
    dims = _literals(alarm.get("dimensions"))
    if res.config_key in refs or res.identities() & dims:
        return True
    types = {r.type for r in family}
    if any(key_type(k) in types for k in refs):
        return False
    return not any(other.identities() & dims for other in family)


def critical_alarms(inp: AuditInput) -> Iterator[Hit]:
    plan = inp.plan
    alarms = plan.of(*ALARMS)
    albs = [lb for lb in plan.of(*LB_TYPES) if lb.get("load_balancer_type") in
            ("application", None)]
    dbs = list(primaries(plan))
    for family, wanted in ((albs, ALB_METRICS), (dbs, RDS_METRICS)):
        for res in family:
            missing = [what for what, namespace, names in wanted
                       if not any(_watches(a, namespace, names) and
                                  _covers(plan, a, res, family) for a in alarms)]
            if missing:
                yield Hit(res.address, f"no alarm on {', '.join(missing)}: the failure is "
                          "found by users, not by the team")


def _no_actions(alarm: Resource) -> bool:
    actions = alarm.get("alarm_actions")
    return actions is not UNKNOWN and not actions


def alarms_notify(inp: AuditInput) -> Iterator[Hit]:
    plan = inp.plan
    alarms = plan.of(*ALL_ALARMS)
    for alarm in alarms:
        if alarm.get("actions_enabled") is False:
            yield Hit(alarm.address, "actions_enabled = false: the alarm fires silently")
        elif _no_actions(alarm):
            yield Hit(alarm.address, "no alarm_actions: the alarm changes state and nobody "
                      "hears of it")
    if not alarms:
        return
    any_subscription = bool(plan.of("aws_sns_topic_subscription"))
    used = {t.address for a in alarms for t in plan.linked(a, ("alarm_actions",),
                                                            "aws_sns_topic")}
    for topic in plan.of("aws_sns_topic"):
        if topic.address not in used and any_subscription:
            continue
        if not plan.referrers(topic, "aws_sns_topic_subscription", "topic_arn"):
            yield Hit(topic.address, "no subscription to this topic: alarms sent to it reach "
                      "nobody")


RULES = (
    Rule(
        id="FM-4.1", title="No alarms on critical metrics", severity="high",
        types=(*ALARMS, *LB_TYPES, "aws_db_instance"),
        failure="no alarms on unhealthy hosts, 5xx, database CPU or storage: outages are "
                "reported by users",
        fix="CloudWatch alarms on ALB UnHealthyHostCount and 5xx, RDS CPUUtilization and "
            "FreeStorageSpace (and ASG CPU, response time, DB connections)",
        check=critical_alarms,
    ),
    Rule(
        id="FM-4.2", title="Alarms notify nobody", severity="high",
        types=(*ALL_ALARMS, "aws_sns_topic", "aws_sns_topic_subscription"),
        failure="alarms without actions, or an SNS topic nobody subscribes to",
        fix="an SNS topic with subscriptions (from settings) in every alarm's alarm_actions",
        check=alarms_notify,
    ),
)

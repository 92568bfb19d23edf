"""FM-4.2: alarms notify nobody: no actions, actions disabled, a topic nobody subscribes to,
or nothing to notify with at all."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prodstack.catalog.contract import Result, VerifyContext
from prodstack.catalog.live_queries import alarms
from prodstack.catalog.model import AuditInput, Cases, Entry, Hit, LiveCheck, Made, Rule, Unseen
from prodstack.catalog.plan_fixtures import monitored
from prodstack.catalog.plan_queries import ALL_ALARMS, application_lbs, primaries
from prodstack.catalog.unseen import settled, unknown_value
from prodstack.catalog.world import World
from prodstack.tf.plan import UNKNOWN, Resource
from prodstack.tf.resource import Unknown

WATCHED = ("aws_autoscaling_group", "aws_instance")


def _no_actions(alarm: Resource) -> bool:
    actions = alarm.get("alarm_actions")
    return actions is not UNKNOWN and not actions


def rule(inp: AuditInput) -> Iterator[Hit | Unseen]:
    plan = inp.plan
    found = plan.of(*ALL_ALARMS)
    for alarm in found:
        enabled = settled(plan, alarm, "actions_enabled", True)
        if isinstance(enabled, Unknown):
            yield unknown_value(plan, alarm, "the alarm's actions are on", "actions_enabled")
        elif enabled is False:
            yield Hit(alarm.address, "actions_enabled = false: the alarm fires silently")
        elif _no_actions(alarm):
            yield Hit(alarm.address, "no alarm_actions: the alarm changes state and nobody "
                      "hears of it")
    if not found:
        # Nothing alarms and nothing is subscribed: whatever fails, nobody is told.
        services = [*application_lbs(plan), *primaries(plan), *plan.of(*WATCHED)]
        if services and not plan.of("aws_sns_topic_subscription"):
            yield Hit(services[0].address, "no alarm and no SNS subscription in the plan: "
                      "when this fails, nobody is notified")
        return
    any_subscription = bool(plan.of("aws_sns_topic_subscription"))
    used = {t.address for a in found for t in plan.linked(a, ("alarm_actions",),
                                                           "aws_sns_topic")}
    for topic in plan.of("aws_sns_topic"):
        if topic.address not in used and any_subscription:
            continue
        if not plan.referrers(topic, "aws_sns_topic_subscription", "topic_arn"):
            yield Hit(topic.address, "no subscription to this topic: alarms sent to it reach "
                      "nobody")


def live(ctx: VerifyContext) -> Result:
    found, deleted = alarms(ctx)
    sns = ctx.client("sns")
    subscribed: dict[str, int] = {}
    problems = [f"{name}: deleted, notifies nobody" for name in deleted]
    for alarm in found:
        if not alarm.get("ActionsEnabled"):
            problems.append(f"{alarm['AlarmName']}: actions disabled")
            continue
        topics = [a for a in alarm.get("AlarmActions", []) if ":sns:" in a]
        if not topics:
            problems.append(f"{alarm['AlarmName']}: no SNS action")
        for topic in topics:
            if topic not in subscribed:
                subscribed[topic] = len(sns.list_subscriptions_by_topic(
                    TopicArn=topic)["Subscriptions"])
            if not subscribed[topic]:
                problems.append(f"{alarm['AlarmName']}: topic {topic} has no subscription")
    if not found:
        problems.append("no alarms")
    shown = "; ".join(problems[:5]) + (f" (+{len(problems) - 5} more)" if len(problems) > 5
                                        else "")
    return Result.expect(not problems, f"{len(found)} alarms with enabled actions to "
                         f"{len(subscribed)} subscribed topic(s)", shown)


cases = Cases()


@cases.fires("aws_cloudwatch_metric_alarm.cpu", "aws_cloudwatch_metric_alarm.elb5xx",
             "aws_cloudwatch_metric_alarm.storage", "aws_cloudwatch_metric_alarm.unhealthy")
def alarms_without_actions() -> Made:
    return monitored(actions=False), None


@cases.fires("aws_sns_topic.alarms")
def topic_without_subscription() -> Made:
    return monitored(subscribed=False), None


@cases.fires("aws_lb.web")
def no_alarms_and_no_topic() -> Made:
    return monitored(alarms=(), topic=False), None


@cases.passes
def alarms_notify_subscribers() -> Made:
    return monitored(), None


@cases.live("pass")
def alarms_to_a_subscribed_topic(world: World) -> dict[str, Any]:
    return world.alarms().outputs


@cases.live("fail")
def actions_disabled(world: World) -> dict[str, Any]:
    return world.alarms(actions=False).outputs


@cases.live("fail")
def alarm_deleted(world: World) -> dict[str, Any]:
    world.alarms()
    world.client("cloudwatch").delete_alarms(AlarmNames=world.outputs["alarm_names"][-1:])
    return world.outputs


@cases.live("fail")
def topic_unsubscribed(world: World) -> dict[str, Any]:
    return world.alarms(subscribed=False).outputs


ENTRY = Entry(
    id="FM-4.2", title="Alarms notify nobody", severity="high",
    failure="alarms without actions, or an SNS topic nobody subscribes to",
    fix="an SNS topic with subscriptions (from settings) in every alarm's alarm_actions",
    rule=Rule(types=(*ALL_ALARMS, "aws_sns_topic", "aws_sns_topic_subscription"), check=rule,
              cases=cases.plan),
    live=LiveCheck(live, cases=cases.lives),
)

"""AR-7: CloudWatch alarms (or EventBridge rules) publishing to an SNS topic encrypted with a
key they may not use: the AWS managed key `alias/aws/sns`, or a customer managed key whose
policy does not grant `cloudwatch.amazonaws.com` (`events.amazonaws.com`) kms:Decrypt and
kms:GenerateDataKey*. SNS accepts the configuration; the notifications are dropped."""

from __future__ import annotations

from collections.abc import Iterator

from prodstack.catalog.model import AuditInput, Cases, Entry, Hit, Made, Rule, Unseen
from prodstack.catalog.policies import Document, Request, evaluate
from prodstack.catalog.policy_match import HOLE
from prodstack.catalog.ready_destinations import aws_managed_key
from prodstack.catalog.ready_fixtures import ReadyBuilder, allow, key
from prodstack.catalog.ready_queries import account_id, key_policy, keys, partition, region
from prodstack.catalog.unseen import cannot_tell
from prodstack.tf.plan import Plan, Resource, Unknown

ALARMS = ("aws_cloudwatch_metric_alarm", "aws_cloudwatch_composite_alarm")
ACTION_ATTRS = ("alarm_actions", "ok_actions", "insufficient_data_actions")
AWS_MANAGED = "alias/aws/sns"  # the fixtures' (ready_destinations knows the managed keys)


def publishers(plan: Plan, topic: Resource) -> dict[tuple[str, str], list[Resource]]:
    """The services that publish to the topic, with their resources."""
    alarms = {a.address: a for type_ in ALARMS for attr in ACTION_ATTRS
              for a in plan.referrers(topic, type_, attr)}
    rules = plan.referrers(topic, "aws_cloudwatch_event_target", "arn")
    out: dict[tuple[str, str], list[Resource]] = {}
    if alarms:
        out[("Service", "cloudwatch.amazonaws.com")] = list(alarms.values())
    if rules:
        out[("Service", "events.amazonaws.com")] = rules
    return out


def _refused(plan: Plan, doc: Document | Unknown, who: tuple[str, str],
             senders: list[Resource]) -> list[str] | None:
    """The actions the key refuses the senders; None when the plan cannot tell."""
    key_arn = f"arn:{partition(plan)}:kms:{region(plan)}:{account_id(plan)}:key/{HOLE}"
    out = []
    undecided = False
    for action in ("kms:Decrypt", "kms:GenerateDataKey"):
        results = []
        for sender in senders:
            context = {}
            if who[1] == "cloudwatch.amazonaws.com":
                name = sender.get("alarm_name")
                context = {"aws:SourceAccount": account_id(plan), "aws:SourceArn":
                           f"arn:{partition(plan)}:cloudwatch:{region(plan)}:"
                           f"{account_id(plan)}:alarm:{name if isinstance(name, str) else HOLE}"}
            # EventBridge publishing to an encrypted topic sends neither aws:SourceArn nor
            # aws:SourceAccount (AWS's SNS key management page): a key policy that asks for
            # them refuses it
            absent = ("aws:SourceArn", "aws:SourceAccount") if "events" in who[1] else ()
            results.append(evaluate(doc, Request(action, (key_arn,), who, context,
                                                 absent=absent)))
        if any(r is False for r in results):
            out.append(action + ("*" if action.endswith("DataKey") else ""))
        elif any(r is None for r in results) and not out:
            undecided = True
    return None if not out and undecided else out


def rule(inp: AuditInput) -> Iterator[Hit | Unseen]:
    plan = inp.plan
    for topic in plan.of("aws_sns_topic"):
        senders = publishers(plan, topic)
        if not senders:
            continue
        managed = aws_managed_key(topic)
        for who, found in senders.items():
            what = f"{len(found)} {'alarm' if 'cloudwatch' in who[1] else 'EventBridge target'}" \
                   f"{'s' if len(found) != 1 else ''}"
            if managed:
                yield Hit(topic.address, f"encrypted with the AWS managed key {managed}, "
                          f"whose policy cannot grant {who[1]}: the notifications of {what} "
                          "are dropped (\"does not have authorization to access the SNS topic "
                          "encryption key\")")
                continue
            for used in keys(plan, topic, "kms_master_key_id"):
                refused = _refused(plan, key_policy(plan, used), who, found)
                if refused is None:
                    yield cannot_tell(topic.address, f"the policy of {used.address} lets "
                                      f"{who[1]} use it", key_policy(plan, used))
                    continue
                if refused:
                    yield Hit(topic.address, f"the policy of {used.address} does not let "
                              f"{who[1]} call {' and '.join(refused)}: the messages of {what} "
                              "are dropped without an error at apply (KMS AccessDenied shows "
                              "only in the alarm history or the rule's FailedInvocations)")


cases = Cases()
PUBLISH = ["kms:Decrypt", "kms:GenerateDataKey*"]


def _stack(*statements: dict[str, object] | None, managed: bool = False,
           events: bool = False, alarms: int = 2) -> ReadyBuilder:
    """An alarms module by count publishing to a topic at the root (and an EventBridge
    target), encrypted with the notifications key or the AWS managed key."""
    b = ReadyBuilder()
    topic: dict[str, object] = {"name": "alarms"}
    refs = None
    if managed:
        topic["kms_master_key_id"] = AWS_MANAGED
    else:
        key(b, "aws_kms_key.notifications", *statements)
        refs = {"kms_master_key_id": ["aws_kms_key.notifications.id",
                                      "aws_kms_key.notifications"]}
    b.add("aws_sns_topic.alarms", topic, refs=refs,
          unknown={"arn": True, **({} if managed else {"kms_master_key_id": True})})
    b.module("module.alarms", inputs={"topic_arn": ["aws_sns_topic.alarms.arn",
                                                   "aws_sns_topic.alarms"]})
    for i in range(alarms):
        b.add(f"module.alarms.aws_cloudwatch_metric_alarm.this[{i}]",
              {"alarm_name": f"web-{i}", "namespace": "AWS/ApplicationELB"},
              refs={"alarm_actions": ["var.topic_arn"], "ok_actions": ["var.topic_arn"]},
              unknown={"alarm_actions": True, "ok_actions": True})
    if events:
        b.add("aws_cloudwatch_event_rule.guardduty", {"name": "guardduty"})
        b.add("aws_cloudwatch_event_target.guardduty", {"target_id": "sns"},
              refs={"arn": ["aws_sns_topic.alarms.arn", "aws_sns_topic.alarms"],
                    "rule": ["aws_cloudwatch_event_rule.guardduty.name",
                             "aws_cloudwatch_event_rule.guardduty"]},
              unknown={"arn": True})
    return b


CLOUDWATCH = allow({"Service": "cloudwatch.amazonaws.com"}, PUBLISH, "*",
                   sid="AllowCloudWatchAlarms")
EVENTS = allow({"Service": "events.amazonaws.com"}, PUBLISH, "*", sid="AllowEventBridge")


@cases.fires("aws_sns_topic.alarms")
def alarms_to_a_topic_with_the_aws_managed_key() -> Made:
    return _stack(managed=True), None


@cases.fires("aws_sns_topic.alarms")
def key_policy_without_cloudwatch() -> Made:
    """The key grants sns.amazonaws.com, not the service that publishes."""
    sns_only = allow({"Service": "sns.amazonaws.com"}, PUBLISH, "*")
    return _stack(sns_only), None


@cases.fires("aws_sns_topic.alarms")
def eventbridge_target_without_a_grant() -> Made:
    return _stack(CLOUDWATCH, events=True), None


@cases.passes
def key_grants_alarms_and_events() -> Made:
    return _stack(CLOUDWATCH, EVENTS, events=True), None


@cases.passes
def encrypted_topic_nobody_publishes_to_from_aws() -> Made:
    return _stack(managed=True, alarms=0), None


ENTRY = Entry(
    id="AR-7", title="Alarm topic key refuses CloudWatch", severity="high",
    failure="alarms (and EventBridge rules) publishing to an SNS topic encrypted with "
            "alias/aws/sns, or with a key whose policy does not grant the publishing service "
            "kms:Decrypt and kms:GenerateDataKey*, notify nobody: SNS drops the messages, "
            "nothing fails at apply",
    fix="a customer managed key whose policy grants cloudwatch.amazonaws.com (and "
        "events.amazonaws.com if EventBridge targets the topic) kms:Decrypt and "
        "kms:GenerateDataKey*",
    aws_docs="https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html"
             "#compatibility-with-aws-services",
    rule=Rule(types=("aws_sns_topic", *ALARMS, "aws_cloudwatch_event_target", "aws_kms_key",
                     "aws_kms_alias", "aws_kms_key_policy"), check=rule, cases=cases.plan),
)

"""AR-17: SNS subscriptions and EventBridge targets delivering to a queue, topic or function
that does not let the delivering service in: the apply succeeds, the messages are dropped."""

from __future__ import annotations

from collections.abc import Iterator

from prodstack.catalog.model import AuditInput, Cases, Entry, Hit, Made, Rule, Unseen
from prodstack.catalog.policy_match import HOLE
from prodstack.catalog.ready_destinations import (
    aws_managed_key,
    delivers,
    destination_policy,
    invokers,
    key_refuses,
)
from prodstack.catalog.ready_fixtures import ACCOUNT, ReadyBuilder, allow, key, policy
from prodstack.catalog.ready_queries import linked
from prodstack.catalog.resolve import resolver
from prodstack.catalog.unseen import cannot_tell
from prodstack.tf.plan import Plan, Resource, Unknown
from prodstack.tf.resource import why_unknown

SNS, EVENTS = "sns.amazonaws.com", "events.amazonaws.com"
DROPPED = {SNS: "SNS drops every message (the subscription looks healthy; only the topic's "
                "NumberOfNotificationsFailed metric shows it)",
           EVENTS: "EventBridge drops every event (the rule's FailedInvocations metric "
                   "counts them)"}
TARGETS = ("aws_sqs_queue", "aws_sns_topic", "aws_lambda_function")


def _source_arn(plan: Plan, sources: list[Resource], literal: object) -> str:
    if sources:
        arn = resolver(plan).attribute(sources[0], "arn")
        return arn if isinstance(arn, str) else HOLE
    return literal if isinstance(literal, str) and literal else HOLE


def deliveries(plan: Plan) -> Iterator[tuple[Resource, str, str, Resource]]:
    """(the subscription or target, the service delivering, its source ARN, destination)."""
    for sub in plan.of("aws_sns_topic_subscription"):
        protocol = sub.get("protocol")
        if protocol not in ("sqs", "lambda"):
            continue
        topics = linked(plan, sub, ("topic_arn",), "aws_sns_topic")
        source = _source_arn(plan, topics, sub.get("topic_arn"))
        kind = "aws_sqs_queue" if protocol == "sqs" else "aws_lambda_function"
        for target in linked(plan, sub, ("endpoint",), kind):
            yield sub, SNS, source, target
    for target_block in plan.of("aws_cloudwatch_event_target"):
        if target_block.written("role_arn"):
            continue  # delivered with a role: not what this rule reads
        rules = linked(plan, target_block, ("rule",), "aws_cloudwatch_event_rule")
        source = _source_arn(plan, rules, None)
        for target in linked(plan, target_block, ("arn",), *TARGETS):
            yield target_block, EVENTS, source, target


def rule(inp: AuditInput) -> Iterator[Hit | Unseen]:
    plan = inp.plan
    for sub in plan.of("aws_sns_topic_subscription"):
        if isinstance(sub.get("protocol"), Unknown):
            yield Unseen(sub.address, "cannot tell whether the subscription delivers to a "
                         "queue or a function: its protocol depends on "
                         f"{'; '.join(why_unknown(resolver(plan).value(sub, 'protocol')))}")
    for source, service, source_arn, target in deliveries(plan):
        if target.type == "aws_lambda_function":
            if not invokers(plan, target, service):
                yield Hit(source.address, f"no aws_lambda_permission lets {service} invoke "
                          f"{target.address}: {DROPPED[service]}")
            continue
        verdict = delivers(plan, target, service, source_arn)
        action = "sqs:SendMessage" if target.type == "aws_sqs_queue" else "sns:Publish"
        if verdict is None:
            yield cannot_tell(source.address, f"the policy of {target.address} lets {service} "
                              f"call {action}", destination_policy(plan, target))
        elif verdict is False:
            what = "has no policy" if destination_policy(plan, target) is None else \
                "has a policy that does not let it call " + action
            yield Hit(source.address, f"{target.address} {what} for {service}: "
                      f"{DROPPED[service]}")
        if target.type != "aws_sqs_queue":
            continue  # an encrypted topic's key: AR-7
        managed = aws_managed_key(target)
        if managed:
            yield Hit(source.address, f"{target.address} is encrypted with the AWS managed "
                      f"key {managed}, which {service} may not use: {DROPPED[service]}")
        for used, allowed in key_refuses(plan, target, service):
            if allowed is None:
                yield cannot_tell(source.address, f"the policy of {used.address} lets "
                                  f"{service} use it", None)
            elif allowed is False:
                yield Hit(source.address, f"the policy of {used.address}, which encrypts "
                          f"{target.address}, does not let {service} call kms:GenerateDataKey "
                          f"and kms:Decrypt: {DROPPED[service]}")


cases = Cases()
QUEUE = f"arn:aws:sqs:us-east-1:{ACCOUNT}:orders"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:orders"
FROM_TOPIC = allow({"Service": SNS}, "sqs:SendMessage", QUEUE,
                   {"ArnEquals": {"aws:SourceArn": TOPIC}})


def _queue(b: ReadyBuilder, statement: dict[str, object] | None, kms: str | None = None,
           cmk: tuple[dict[str, object] | None, ...] | None = None) -> None:
    """An orders queue in a module, its policy (jsonencoded) beside it."""
    values: dict[str, object] = {"name": "orders", "kms_master_key_id": kms}
    refs = None
    if cmk is not None:
        key(b, "aws_kms_key.queue", *cmk)
        b.module("module.queue", inputs={"kms_key_id": ["aws_kms_key.queue.arn",
                                                        "aws_kms_key.queue"]})
        refs = {"kms_master_key_id": ["var.kms_key_id"]}
    b.add("module.queue.aws_sqs_queue.this[0]", values, refs=refs,
          unknown={"arn": True, "id": True, "url": True,
                   **({"kms_master_key_id": True} if cmk is not None else {})})
    b.module("module.queue", outputs={"arn": ["aws_sqs_queue.this[0].arn",
                                              "aws_sqs_queue.this"]})
    if statement is not None:
        b.add("module.queue.aws_sqs_queue_policy.this[0]", {"policy": policy(statement)},
              refs={"queue_url": ["aws_sqs_queue.this[0].url", "aws_sqs_queue.this"]},
              unknown={"queue_url": True})


def _subscription(statement: dict[str, object] | None, **queue: object) -> ReadyBuilder:
    """An orders topic fanned out to the queue module by for_each over protocols."""
    b = ReadyBuilder()
    b.add("aws_sns_topic.orders", {"name": "orders"}, unknown={"arn": True, "id": True})
    _queue(b, statement, **queue)  # type: ignore[arg-type]
    b.add('aws_sns_topic_subscription.this["orders"]', {"protocol": "sqs"},
          refs={"topic_arn": ["aws_sns_topic.orders.arn", "aws_sns_topic.orders"],
                "endpoint": ["module.queue.arn", "module.queue"]},
          unknown={"topic_arn": True, "endpoint": True, "arn": True})
    return b


def _rule_to(kind: str, statement: dict[str, object] | None = None,
             permission: str | None = None) -> ReadyBuilder:
    """A scheduled EventBridge rule targeting a queue, a topic or a function."""
    b = ReadyBuilder()
    b.add("aws_cloudwatch_event_rule.nightly", {"name": "nightly",
                                                "schedule_expression": "rate(1 day)"},
          unknown={"arn": True})
    if kind == "queue":
        _queue(b, statement)
        arn = ["module.queue.arn", "module.queue"]
    elif kind == "topic":
        b.add("aws_sns_topic.ops", {"name": "ops"}, unknown={"arn": True, "id": True,
                                                             "policy": True})
        if statement is not None:
            b.add("aws_sns_topic_policy.ops", {"policy": policy(statement)},
                  refs={"arn": ["aws_sns_topic.ops.arn", "aws_sns_topic.ops"]},
                  unknown={"arn": True})
        arn = ["aws_sns_topic.ops.arn", "aws_sns_topic.ops"]
    else:
        b.add("aws_lambda_function.report", {"function_name": "report"},
              unknown={"arn": True})
        if permission is not None:
            b.add("aws_lambda_permission.events", {"principal": permission,
                                                   "action": "lambda:InvokeFunction"},
                  refs={"function_name": ["aws_lambda_function.report.function_name",
                                          "aws_lambda_function.report"],
                        "source_arn": ["aws_cloudwatch_event_rule.nightly.arn",
                                       "aws_cloudwatch_event_rule.nightly"]},
                  unknown={"function_name": True, "source_arn": True})
        arn = ["aws_lambda_function.report.arn", "aws_lambda_function.report"]
    b.add("aws_cloudwatch_event_target.nightly", {"target_id": kind},
          refs={"rule": ["aws_cloudwatch_event_rule.nightly.name",
                         "aws_cloudwatch_event_rule.nightly"], "arn": arn},
          unknown={"arn": True})
    return b


TO_EVENTS = allow({"Service": EVENTS}, "sns:Publish", TOPIC.replace("orders", "ops"))
KEY_FOR_SNS = allow({"Service": SNS}, ["kms:GenerateDataKey*", "kms:Decrypt"])


@cases.fires('aws_sns_topic_subscription.this["orders"]')
def queue_without_a_policy() -> Made:
    """hashicorp/terraform-provider-aws#1342: the documented example had no queue policy."""
    return _subscription(None), None


@cases.fires('aws_sns_topic_subscription.this["orders"]')
def queue_encrypted_with_the_aws_managed_key() -> Made:
    return _subscription(FROM_TOPIC, kms="alias/aws/sqs"), None


@cases.fires('aws_sns_topic_subscription.this["orders"]')
def queue_key_without_sns() -> Made:
    return _subscription(FROM_TOPIC, cmk=(None,)), None


@cases.fires("aws_cloudwatch_event_target.nightly")
def rule_to_a_topic_with_the_default_policy() -> Made:
    """hashicorp/terraform-provider-aws#16080."""
    return _rule_to("topic"), None


@cases.fires("aws_cloudwatch_event_target.nightly")
def rule_to_a_function_without_a_permission() -> Made:
    return _rule_to("function"), None


@cases.passes
def documented_queue_policy_for_the_topic() -> Made:
    """AWS's SNS guide: sns.amazonaws.com may SendMessage, aws:SourceArn the topic."""
    return _subscription(FROM_TOPIC), None


@cases.passes
def queue_key_that_lets_sns_in() -> Made:
    return _subscription(FROM_TOPIC, cmk=(KEY_FOR_SNS,)), None


@cases.passes
def rule_to_a_topic_whose_policy_lets_eventbridge_publish() -> Made:
    return _rule_to("topic", TO_EVENTS), None


@cases.passes
def rule_to_a_function_with_its_permission() -> Made:
    return _rule_to("function", permission=EVENTS), None


@cases.cannot_see("aws_cloudwatch_event_target.nightly")
def rule_to_a_queue_whose_policy_is_read_at_apply() -> Made:
    """The queue's policy is a document another team's data source reads from AWS."""
    b = _rule_to("queue")
    b.data("data.aws_iam_policy_document.shared", {"json": None, "statement": None},
           unknown={"json": True, "statement": True})
    b.add("aws_sqs_queue_policy.shared", {"policy": None},
          refs={"queue_url": ["module.queue.arn", "module.queue"],
                "policy": ["data.aws_iam_policy_document.shared.json",
                           "data.aws_iam_policy_document.shared"]},
          unknown={"queue_url": True, "policy": True})
    return b, None


ENTRY = Entry(
    id="AR-17", title="Subscription or rule target refuses delivery", severity="high",
    failure="an SNS subscription or EventBridge target whose queue, topic or function does "
            "not let the delivering service in: the queue's (topic's) policy must let "
            "sns.amazonaws.com / events.amazonaws.com send (a queue without a policy, or a "
            "topic with SNS's default policy, lets no service in), a function needs an "
            "aws_lambda_permission for that service, and an encrypted queue needs a customer "
            "managed key the service may use; the apply succeeds and every message is dropped",
    fix="an aws_sqs_queue_policy / aws_sns_topic_policy granting the service with "
        "aws:SourceArn of the topic or rule, an aws_lambda_permission (principal the service, "
        "source_arn the topic or rule), and a customer managed key granting it "
        "kms:GenerateDataKey* and kms:Decrypt",
    aws_docs="https://docs.aws.amazon.com/eventbridge/latest/userguide/"
             "eb-use-resource-based.html",
    rule=Rule(types=("aws_sns_topic_subscription", "aws_cloudwatch_event_target",
                     "aws_sqs_queue", "aws_sqs_queue_policy", "aws_sns_topic",
                     "aws_sns_topic_policy", "aws_lambda_permission", "aws_kms_key"),
              check=rule, cases=cases.plan),
)

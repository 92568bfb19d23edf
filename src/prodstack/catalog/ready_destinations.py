"""Destinations other services deliver to (SQS queues, SNS topics, Lambda functions), as the
apply-readiness rules on deliveries read them (AR-16: S3 event notifications; AR-17: SNS
subscriptions and EventBridge targets).

A queue or topic lets a service deliver through its resource policy: an
`aws_sqs_queue_policy` / `aws_sns_topic_policy`, the resource's own `policy`, or, for a topic
without one, the default policy SNS gives every new topic (the owner account's principals,
through `AWS:SourceOwner`, which a service principal's request does not carry). A function
lets a service invoke it through an `aws_lambda_permission` for that service principal. A
queue or topic encrypted with the AWS managed key (`alias/aws/sqs`, `alias/aws/sns`) refuses
every service, whose principals that key's policy cannot name.
"""

from __future__ import annotations

from prodstack.catalog.policies import Condition, Document, Request, Statement, evaluate
from prodstack.catalog.ready_queries import account_id, document, key_policy, keys, partition
from prodstack.catalog.resolve import resolver
from prodstack.tf.plan import Plan, Resource, Unknown

# type -> (policy resource, its attribute naming the destination, the delivering action)
POLICIES = {
    "aws_sqs_queue": ("aws_sqs_queue_policy", "queue_url", "sqs:SendMessage"),
    "aws_sns_topic": ("aws_sns_topic_policy", "arn", "sns:Publish"),
}
AWS_MANAGED_KEYS = ("alias/aws/sqs", "alias/aws/sns")
DATA_KEY = ("kms:GenerateDataKey", "kms:Decrypt")


def default_topic_policy(plan: Plan) -> Document:
    """The policy SNS writes for a topic created without one: the owner account's principals
    may publish (condition `AWS:SourceOwner`), no service may."""
    return Document((Statement(principals={"AWS": ("*",)}, actions=("SNS:Publish",),
                               resources=("*",), conditions=(Condition(
                                   "StringEquals", "AWS:SourceOwner", (account_id(plan),)),)),))


def destination_policy(plan: Plan, target: Resource) -> Document | Unknown | None:
    """The resource policy of a queue or topic (None: a queue without one allows nothing)."""
    policy_type, link, _ = POLICIES[target.type]
    attached = plan.referrers(target, policy_type, link)
    if attached:
        return document(plan, attached[0])
    if target.written("policy") or isinstance(target.get("policy"), str):
        return document(plan, target)
    return default_topic_policy(plan) if target.type == "aws_sns_topic" else None


def delivers(plan: Plan, target: Resource, service: str, source_arn: str) -> bool | None:
    """Does the queue's or topic's policy let `service` deliver for `source_arn`? (None: the
    plan and the configuration cannot tell.)"""
    _, _, action = POLICIES[target.type]
    arn = resolver(plan).attribute(target, "arn")
    request = Request(action, (str(arn),), ("Service", service),
                      {"aws:SourceArn": source_arn, "aws:SourceAccount": account_id(plan)},
                      absent=("aws:SourceOwner",))
    return evaluate(destination_policy(plan, target), request)


def aws_managed_key(target: Resource) -> str | None:
    """The AWS managed key the queue or topic is encrypted with, if it is one."""
    value = target.get("kms_master_key_id")
    return value if isinstance(value, str) and value.endswith(AWS_MANAGED_KEYS) else None


def key_refuses(plan: Plan, target: Resource, service: str) -> list[tuple[Resource, bool | None]]:
    """For each customer managed key of the queue or topic: whether its policy lets `service`
    call kms:GenerateDataKey and kms:Decrypt (False: certainly not; None: cannot tell)."""
    out: list[tuple[Resource, bool | None]] = []
    for used in keys(plan, target, "kms_master_key_id"):
        doc = key_policy(plan, used)
        arn = f"arn:{partition(plan)}:kms:*:{account_id(plan)}:key/*"
        verdicts = [evaluate(doc, Request(a, (arn,), ("Service", service))) for a in DATA_KEY]
        out.append((used, False if False in verdicts else None if None in verdicts else True))
    return out


def invokers(plan: Plan, function: Resource, service: str) -> list[Resource]:
    """The `aws_lambda_permission`s that let `service` invoke the function (a permission
    whose principal is only known after apply counts)."""
    return [p for p in plan.referrers(function, "aws_lambda_permission", "function_name")
            if p.get("principal") in (service, None) or isinstance(p.get("principal"), Unknown)]

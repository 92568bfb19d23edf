"""Attributes AWS builds from others, for the value resolver (resolve.py): a bucket's ARN from
its name, a role's from its path and name, a topic's from the Region, account and name.

`DERIVED[(type, attribute)](resolver, resource)` gives the attribute from the resource's own
values (planned, or resolved: symbols where those are only known after apply), or an
`Unknown` when a part it needs is not known at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from prodstack.catalog.plan_data import account_id, partition, region
from prodstack.catalog.resolve_protocol import Resolving
from prodstack.tf.plan import Resource

Derive = Callable[[Resolving, Resource], Any]


def _arn(service: str, resource: Derive, regional: bool = True) -> Derive:
    def build(r: Resolving, res: Resource) -> Any:
        tail = resource(r, res)
        if not isinstance(tail, str):
            return tail
        where = region(r.plan) if regional else ""
        account = account_id(r.plan) if service != "s3" else ""
        return f"arn:{partition(r.plan)}:{service}:{where}:{account}:{tail}"
    return build


def _name(attr: str, prefix: str = "") -> Derive:
    def build(r: Resolving, res: Resource) -> Any:
        value = r.attribute(res, attr)
        return f"{prefix}{value}" if isinstance(value, str) else value
    return build


def _iam(kind: str) -> Derive:
    def build(r: Resolving, res: Resource) -> Any:
        name, path = r.attribute(res, "name"), r.attribute(res, "path")
        path = path if isinstance(path, str) and path else "/"
        return f"{kind}{path}{name}" if isinstance(name, str) else name
    return build


def _event_rule(r: Resolving, res: Resource) -> Any:
    """`rule/NAME` on the default bus, `rule/BUS/NAME` on another."""
    name, bus = r.attribute(res, "name"), r.value(res, "event_bus_name")
    if not isinstance(name, str):
        return name
    if bus in (None, "default"):
        return f"rule/{name}"
    return f"rule/{bus}/{name}" if isinstance(bus, str) else bus


DERIVED: dict[tuple[str, str], Derive] = {
    ("aws_s3_bucket", "arn"): _arn("s3", _name("bucket"), regional=False),
    ("aws_s3_bucket", "id"): _name("bucket"),
    ("aws_iam_role", "arn"): _arn("iam", _iam("role"), regional=False),
    ("aws_iam_role", "id"): _name("name"),
    ("aws_iam_policy", "arn"): _arn("iam", _iam("policy"), regional=False),
    ("aws_cloudwatch_log_group", "arn"): _arn("logs", _name("name", "log-group:")),
    ("aws_cloudwatch_log_group", "id"): _name("name"),
    ("aws_sns_topic", "arn"): _arn("sns", _name("name")),
    ("aws_sns_topic", "id"): _arn("sns", _name("name")),
    ("aws_sqs_queue", "arn"): _arn("sqs", _name("name")),
    ("aws_lambda_function", "arn"): _arn("lambda", _name("function_name", "function:")),
    ("aws_cloudtrail", "arn"): _arn("cloudtrail", _name("name", "trail/")),
    ("aws_kms_key", "arn"): _arn("kms", _name("key_id", "key/")),
    ("aws_kms_alias", "arn"): _arn("kms", _name("name")),
    ("aws_cloudwatch_event_rule", "arn"): _arn("events", _event_rule),
    ("aws_kinesis_firehose_delivery_stream", "arn"): _arn(
        "firehose", _name("name", "deliverystream/")),
}

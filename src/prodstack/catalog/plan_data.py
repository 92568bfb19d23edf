"""What a plan says about its data sources, account, region and partition.

Data sources are read from the raw plan (`prior_state` when read at plan time,
`resource_changes` when deferred to apply), as `Resource`s whose type carries the `data.`
prefix, so `Plan.refs` resolves references to them. The account id is a symbol ("the account
id", policy_match) when no `aws_caller_identity` tells it, so that a policy naming
`data.aws_caller_identity.current.account_id` and a request in that account meet.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from typing import Any

from prodstack.catalog.policy_match import HOLE, symbol
from prodstack.tf.plan import Plan, Resource, strip_instance_keys

ACCOUNT = symbol("the account id")
_INDEX: weakref.WeakKeyDictionary[Plan, dict[str, list[Resource]]] = weakref.WeakKeyDictionary()


def config_modules(node: dict[str, Any], path: str = "") -> Iterator[tuple[str, dict]]:
    yield path, node
    for name, call in (node.get("module_calls") or {}).items():
        if isinstance(call, dict) and isinstance(call.get("module"), dict):
            yield from config_modules(call["module"], f"{path}.module.{name}".lstrip("."))


def _state_modules(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("child_modules") or []:
        if isinstance(child, dict):
            yield from _state_modules(child)


def data_instances(plan: Plan) -> dict[str, list[Resource]]:
    """Every data instance, by configuration key (`module.m.data.aws_iam_policy_document.x`)."""
    if plan in _INDEX:
        return _INDEX[plan]
    modules = dict(config_modules((plan.data.get("configuration") or {}).get("root_module")
                                   or {}))
    found: dict[str, Resource] = {}

    def make(entry: dict[str, Any], module: str, values: Any, unknown: Any) -> Resource:
        type_, name = str(entry.get("type", "")), str(entry.get("name", ""))
        entries = modules.get(strip_instance_keys(module), {}).get("resources") or []
        config = next((r for r in entries if r.get("mode") == "data"
                       and r.get("type") == type_ and r.get("name") == name), {})
        return Resource(address=str(entry.get("address", "")), module=module,
                        type=f"data.{type_}", name=name, index=entry.get("index"),
                        values=values if isinstance(values, dict) else {},
                        unknown=unknown if isinstance(unknown, dict) else {},
                        actions=("read",), config=config)

    for change in plan.data.get("resource_changes") or []:
        if isinstance(change, dict) and change.get("mode") == "data":
            body = change.get("change") or {}
            found[change.get("address", "")] = make(change, str(change.get("module_address")
                                                                or ""), body.get("after"),
                                                    body.get("after_unknown"))
    state = ((plan.data.get("prior_state") or {}).get("values") or {}).get("root_module") or {}
    for module in _state_modules(state):
        for entry in module.get("resources") or []:
            if entry.get("mode") == "data" and entry.get("address") not in found:
                found[entry["address"]] = make(entry, str(module.get("address") or ""),
                                               entry.get("values"), {})
    index: dict[str, list[Resource]] = {}
    for res in found.values():
        index.setdefault(res.config_key, []).append(res)
    _INDEX[plan] = index
    return index


def data_of(plan: Plan, type_: str) -> list[Resource]:
    return [r for rs in data_instances(plan).values() for r in rs if r.type == f"data.{type_}"]


def _known(plan: Plan, type_: str, attr: str) -> str | None:
    for ds in data_of(plan, type_):
        value = ds.get(attr)
        if isinstance(value, str) and value:
            return value
    return None


def account_id(plan: Plan) -> str:
    return _known(plan, "aws_caller_identity", "account_id") or ACCOUNT


def region(plan: Plan) -> str:
    """The default provider's region (a constant, or a root variable's value: `Plan.region`),
    else an `aws_region` data source's; HOLE when the plan does not say."""
    return plan.region()[0] or _known(plan, "aws_region", "region") or \
        _known(plan, "aws_region", "name") or HOLE


def partition(plan: Plan) -> str:
    known = _known(plan, "aws_partition", "partition")
    if known:
        return known
    where = region(plan)
    if where == HOLE:
        return HOLE
    return "aws-cn" if where.startswith("cn-") else \
        "aws-us-gov" if where.startswith("us-gov-") else "aws"


def provider_region(plan: Plan, res: Resource) -> str | None:
    """The region of the provider configuration a resource (or data source) uses (a constant
    or a root variable's value); None when the plan does not say."""
    return plan.region(str(res.config.get("provider_config_key") or "aws"))[0]

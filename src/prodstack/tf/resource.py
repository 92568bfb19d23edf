"""One managed resource instance of a Terraform plan or state, as the plan reader gives it.

A `Resource` holds its planned values (unknown until apply are `UNKNOWN`), the configuration
expressions of its block, and the actions the plan takes on it; `get`, `known`, `written`
and `effective` read a value the way the rules need (unknown, unset, or the provider's
default). `Plan` (`prodstack.tf.plan`) builds them and resolves references between them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_INSTANCE_KEY = re.compile(r'\[(?:"(?:[^"\\]|\\.)*"|[^\]"])*\]')
_IDENTITY_ATTRS = ("name", "id", "arn", "bucket", "identifier", "arn_suffix")


class Unknown:
    """Stands for a value Terraform only knows after apply."""

    def __repr__(self) -> str:
        return "(known after apply)"


UNKNOWN = Unknown()


class Unresolved(Unknown):
    """A value only known after apply, with what it depends on ("the policy of
    data.aws_s3_bucket.shared, read from AWS at apply"): the value resolver's answer where
    the configuration does not decide it either."""

    def __init__(self, *why: str) -> None:
        self.why = tuple(dict.fromkeys(why))

    def __repr__(self) -> str:
        return f"(known after apply: {'; '.join(self.why)})"


def why_unknown(value: object) -> tuple[str, ...]:
    """What an unknown value depends on, as far as it is known."""
    return value.why if isinstance(value, Unresolved) else ("a value known after apply",)


def strip_instance_keys(address: str) -> str:
    """`module.a[0].module.b["x"]` -> `module.a.module.b`; quoted keys may hold `]`."""
    return _INSTANCE_KEY.sub("", address)


def join_path(*parts: str) -> str:
    return ".".join(p for p in parts if p)


def _step(node: Any, key: str | int) -> Any:
    """One key into nested dicts/lists; a list met by a name key means its first block."""
    if isinstance(key, str) and isinstance(node, list):
        node = node[0] if node else None
    if isinstance(node, dict) and isinstance(key, str):
        return node.get(key)
    if isinstance(node, list) and isinstance(key, int):
        return node[key] if -len(node) <= key < len(node) else None
    return None


def _descend(node: Any, keys: tuple[str | int, ...]) -> Any:
    for key in keys:
        node = _step(node, key)
    return node


def _unknown_at(node: Any, keys: tuple[str | int, ...]) -> bool:
    for key in keys:
        if node is True:
            return True
        node = _step(node, key)
    return node is True


def collect_references(node: Any) -> list[str]:
    """Every `references` entry anywhere below an expression node."""
    out: list[str] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            refs = item.get("references")
            if isinstance(refs, list):
                out.extend(r for r in refs if isinstance(r, str))
            stack.extend(v for k, v in item.items() if k != "references")
        elif isinstance(item, list):
            stack.extend(item)
    return out


@dataclass
class Resource:
    address: str
    module: str
    type: str
    name: str
    index: Any
    values: dict[str, Any]
    unknown: dict[str, Any]
    actions: tuple[str, ...]
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def module_path(self) -> str:
        return strip_instance_keys(self.module)

    @property
    def config_key(self) -> str:
        """The address of the resource's configuration block (shared by its instances)."""
        return join_path(self.module_path, f"{self.type}.{self.name}")

    @property
    def expressions(self) -> dict[str, Any]:
        expr = self.config.get("expressions")
        return expr if isinstance(expr, dict) else {}

    @property
    def has_config(self) -> bool:
        return bool(self.config)

    def get(self, *keys: str | int) -> Any:
        """The planned value at `keys`; `UNKNOWN` when only known after apply."""
        if _unknown_at(self.unknown, keys):
            return UNKNOWN
        return _descend(self.values, keys)

    def value(self, key: str, default: Any = None) -> Any:
        """The planned value of `key`, or `default` when it is unset, null or unknown."""
        value = self.get(key)
        return default if value is None or value is UNKNOWN else value

    def block(self, key: str) -> dict[str, Any]:
        """The first element of the nested block `key` (`[{...}]`), or {} when there is none."""
        value = self.get(key)
        return value[0] if isinstance(value, list) and value and isinstance(value[0], dict) \
            else {}

    def known(self, *keys: str | int) -> bool:
        return not _unknown_at(self.unknown, keys)

    def written(self, *path: str) -> bool:
        """True when the configuration sets the attribute at `path` (a name, or a block's
        name then the attribute's) rather than leaving it to the default."""
        node: Any = self.expressions
        for part in path:
            if isinstance(node, list):
                node = node[0] if node else None
            if not isinstance(node, dict) or part not in node:
                return False
            node = node[part]
        return True

    def references(self, *path: str) -> list[str]:
        """The references of the expression at `path` (a plan keeps only these of an
        expression that is not a constant)."""
        node: Any = self.expressions
        for part in path:
            if isinstance(node, list):
                node = node[0] if node else None
            node = node.get(part) if isinstance(node, dict) else None
        return collect_references(node)

    def effective(self, attr: str, default: Any) -> Any:
        """The value, or AWS's `default` when the attribute is unset and computed by AWS."""
        value = self.get(attr)
        if value is UNKNOWN and self.has_config and not self.written(attr):
            return default
        return value

    def strings(self, *keys: str | int) -> list[str]:
        """Known string values at `keys` (a string or a list of strings)."""
        value = self.get(*keys)
        if isinstance(value, str):
            return [value]
        if isinstance(value, list):
            return [v for v in value if isinstance(v, str)]
        return []

    def identities(self) -> set[str]:
        """Known values by which other resources may name this one (name, id, arn...)."""
        out = set()
        for attr in _IDENTITY_ATTRS:
            value = self.get(attr)
            if isinstance(value, str) and value:
                out.add(value)
        return out

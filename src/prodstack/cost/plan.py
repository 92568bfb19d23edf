"""Plan JSON (`terraform show -json`) read into resources: planned values and configuration.

Each resource carries its planned values (`change.after`, or `planned_values`/`values` when a
document has no resource changes) and its configuration expressions, so that it can follow
its references: an ASG to its launch template, a flow log to its log group. Works the same for
resources in child modules and for `count`/`for_each` instances. Data sources and resources
being destroyed are left out: they cost nothing next month.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from prodstack.errors import UserError

_REF = re.compile(
    r"^(?P<type>[a-z0-9]+_[a-z0-9_]+)\.(?P<name>[A-Za-z_][\w-]*)(?P<index>\[[^\]]*\])?"
)
_REGION_IN = re.compile(r"(?:com\.amazonaws\.)([a-z]{2}(?:-gov)?-[a-z]+-\d)")


@dataclass(frozen=True)
class Resource:
    address: str
    type: str
    name: str
    module: str
    values: dict[str, Any]
    config: dict[str, Any]

    def get(self, key: str, default: Any = None) -> Any:
        value = self.values.get(key)
        return default if value is None else value

    def block(self, key: str) -> dict[str, Any]:
        """The first element of a nested block (`[{...}]`), or {}."""
        value = self.values.get(key)
        if isinstance(value, list) and value and isinstance(value[0], dict):
            return value[0]
        return {}


def strip_indexes(address: str) -> str:
    """`module.a["x]"].aws_b.c[0]` -> `module.a.aws_b.c` (quotes respected)."""
    out, depth, quoted, escaped = [], 0, False, False
    for char in address:
        if depth and quoted:
            quoted = not (char == '"' and not escaped)
            escaped = char == "\\" and not escaped
            continue
        if char == "[":
            depth += 1
        elif char == "]" and depth:
            depth -= 1
        elif depth and char == '"':
            quoted = True
        elif not depth:
            out.append(char)
    return "".join(out)


def _config_map(module: dict[str, Any], prefix: str, out: dict[str, dict[str, Any]]) -> None:
    for res in module.get("resources") or []:
        if isinstance(res, dict) and res.get("mode", "managed") == "managed":
            out[prefix + str(res.get("address"))] = res.get("expressions") or {}
    for name, call in (module.get("module_calls") or {}).items():
        if isinstance(call, dict) and isinstance(call.get("module"), dict):
            _config_map(call["module"], f"{prefix}module.{name}.", out)


def _collect_refs(expr: Any) -> Iterator[str]:
    if isinstance(expr, dict):
        for ref in expr.get("references") or []:
            yield str(ref)
        for key, value in expr.items():
            if key != "references":
                yield from _collect_refs(value)
    elif isinstance(expr, list):
        for value in expr:
            yield from _collect_refs(value)


class Plan:
    """The resources a plan leaves in place, with a way to follow references between them."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        config = data.get("configuration") or {}
        self._config: dict[str, dict[str, Any]] = {}
        _config_map(config.get("root_module") or {}, "", self._config)
        self.resources = list(self._read())
        self._by_name: dict[tuple[str, str, str], list[Resource]] = {}
        for res in self.resources:
            self._by_name.setdefault((res.module, res.type, res.name), []).append(res)

    def _make(self, address: str, rtype: str, name: str, module: str,
              values: dict[str, Any]) -> Resource:
        key = (f"{strip_indexes(module)}." if module else "") + f"{rtype}.{name}"
        return Resource(address, rtype, name, module, values, self._config.get(key, {}))

    def _read(self) -> Iterator[Resource]:
        changes = self.data.get("resource_changes")
        if isinstance(changes, list):
            for rc in changes:
                if not isinstance(rc, dict) or rc.get("mode", "managed") != "managed":
                    continue
                after = (rc.get("change") or {}).get("after")
                if isinstance(after, dict):
                    yield self._make(str(rc.get("address")), str(rc.get("type")),
                                     str(rc.get("name")), str(rc.get("module_address") or ""),
                                     after)
            return
        values = self.data.get("planned_values") or self.data.get("values") or {}
        yield from self._walk(values.get("root_module") or {}, "")

    def _walk(self, module: dict[str, Any], address: str) -> Iterator[Resource]:
        for res in module.get("resources") or []:
            if isinstance(res, dict) and res.get("mode", "managed") == "managed":
                yield self._make(str(res.get("address")), str(res.get("type")),
                                 str(res.get("name")), address, res.get("values") or {})
        for child in module.get("child_modules") or []:
            if isinstance(child, dict):
                yield from self._walk(child, str(child.get("address") or ""))

    def of_type(self, *types: str) -> list[Resource]:
        return [res for res in self.resources if res.type in types]

    def referenced(self, res: Resource, attr: str) -> list[Resource]:
        """Resources (same module) that the expression of `attr` in `res` refers to."""
        found: dict[str, Resource] = {}
        for ref in _collect_refs(res.config.get(attr)):
            match = _REF.match(ref)
            if not match:
                continue
            target = f"{match['type']}.{match['name']}{match['index'] or ''}"
            for cand in self._by_name.get((res.module, match["type"], match["name"]), []):
                if not match["index"] or cand.address.endswith(target):
                    found[cand.address] = cand
        return list(found.values())

    def region(self) -> tuple[str | None, str]:
        """(region, where it came from) read from the plan, or (None, why not)."""
        providers = (self.data.get("configuration") or {}).get("provider_config") or {}
        aws = providers.get("aws") or {}
        expr = (aws.get("expressions") or {}).get("region") or {}
        if isinstance(expr.get("constant_value"), str):
            return expr["constant_value"], "the plan's aws provider"
        for ref in expr.get("references") or []:
            if str(ref).startswith("var."):
                var = (self.data.get("variables") or {}).get(str(ref)[4:]) or {}
                if isinstance(var.get("value"), str):
                    return var["value"], f"the plan's variable {str(ref)[4:]}"
        for res in self.of_type("aws_vpc_endpoint"):
            match = _REGION_IN.search(str(res.get("service_name", "")))
            if match:
                return match.group(1), f"the service name of {res.address}"
        return None, "the plan does not say"


def read_plan(data: Any, origin: str) -> Plan:
    """Check that `data` is plan or state JSON from `terraform show -json`."""
    keys = ("resource_changes", "planned_values", "values")
    if not isinstance(data, dict) or not any(isinstance(data.get(k), list | dict) for k in keys):
        raise UserError(f"{origin}: not a Terraform plan (expected the output of "
                        "`terraform show -json PLANFILE`)", exit_code=2)
    return Plan(data)



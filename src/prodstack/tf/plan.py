"""The one reader of `terraform show -json` plans, for the audit rules and the cost estimate.

Every managed resource instance of the plan (root and child modules, `count` and `for_each`
instances) becomes a `Resource` with its planned values, which of them are unknown until
apply (`after_unknown`), and its configuration expressions. `Plan.refs` follows the
expressions' `references` to the resources they point at, through module inputs (`var.x`)
and outputs (`module.m.x`), so rules can link resources even when the linking value (an ARN,
an id) is unknown at plan time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from prodstack.errors import UserError

_INSTANCE_KEY = re.compile(r"\[[^\]]*\]")
_RESOURCE_REF = re.compile(r"^(data\.)?([A-Za-z][A-Za-z0-9_-]*)\.([A-Za-z_][A-Za-z0-9_-]*)")
_NOT_RESOURCES = {"var", "local", "module", "each", "count", "path", "terraform", "self"}
_IDENTITY_ATTRS = ("name", "id", "arn", "bucket", "identifier", "arn_suffix")


class Unknown:
    """Stands for a value Terraform only knows after apply."""

    def __repr__(self) -> str:
        return "(known after apply)"


UNKNOWN = Unknown()


def strip_instance_keys(address: str) -> str:
    """`module.a[0].module.b["x"]` -> `module.a.module.b`."""
    return _INSTANCE_KEY.sub("", address)


def _join(*parts: str) -> str:
    return ".".join(p for p in parts if p)


def _descend(node: Any, keys: tuple[str | int, ...]) -> Any:
    """Walk `keys` into nested dicts/lists; a list met by a name key means its first block."""
    for key in keys:
        if isinstance(key, str) and isinstance(node, list):
            node = node[0] if node else None
        if isinstance(node, dict) and isinstance(key, str):
            node = node.get(key)
        elif isinstance(node, list) and isinstance(key, int):
            node = node[key] if -len(node) <= key < len(node) else None
        else:
            return None
    return node


def _unknown_at(node: Any, keys: tuple[str | int, ...]) -> bool:
    for key in keys:
        if node is True:
            return True
        if isinstance(key, str) and isinstance(node, list):
            node = node[0] if node else None
        if isinstance(node, dict) and isinstance(key, str):
            node = node.get(key)
        elif isinstance(node, list) and isinstance(key, int):
            node = node[key] if -len(node) <= key < len(node) else None
        else:
            return False
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
        return _join(self.module_path, f"{self.type}.{self.name}")

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


class Plan:
    """The managed resources of one plan, with reference resolution across modules."""

    def __init__(self, data: dict[str, Any], source: str = "plan") -> None:
        self.source = source
        self.data = data
        config = _dict(data.get("configuration"))
        self._modules: dict[str, dict[str, Any]] = {}
        self._index_modules("", _dict(config.get("root_module")))
        self.resources: list[Resource] = list(self._read_resources())
        self._by_type: dict[str, list[Resource]] = {}
        self._by_key: dict[str, list[Resource]] = {}
        for res in self.resources:
            self._by_type.setdefault(res.type, []).append(res)
            self._by_key.setdefault(res.config_key, []).append(res)
        self._ref_cache: dict[tuple[str, tuple[str, ...]], frozenset[str]] = {}

    # -- reading -----------------------------------------------------------------------

    def _index_modules(self, path: str, module: dict[str, Any]) -> None:
        self._modules[path] = module
        for name, call in _dict(module.get("module_calls")).items():
            if isinstance(call, dict):
                self._index_modules(_join(path, f"module.{name}"), _dict(call.get("module")))

    def _config_for(self, module_path: str, mode: str, type_: str, name: str) -> dict[str, Any]:
        module = self._modules.get(module_path) or {}
        for entry in _dicts(module.get("resources")):
            if (entry.get("type") == type_ and entry.get("name") == name
                    and entry.get("mode", "managed") == mode):
                return entry
        return {}

    def _read_resources(self) -> Iterator[Resource]:
        seen: set[str] = set()
        for change in _dicts(self.data.get("resource_changes")):
            if change.get("mode", "managed") != "managed":
                continue
            body = _dict(change.get("change"))
            actions = tuple(str(a) for a in _list(body.get("actions")))
            address = str(change.get("address", ""))
            seen.add(address)
            if actions == ("delete",):
                continue
            yield self._make(address, str(change.get("module_address") or ""), change,
                             body.get("after"), body.get("after_unknown"), actions)
        planned = _dict(_dict(self.data.get("planned_values")).get("root_module"))
        for module in _planned_modules(planned):
            for entry in _dicts(module.get("resources")):
                address = str(entry.get("address", ""))
                if entry.get("mode", "managed") != "managed" or address in seen:
                    continue
                seen.add(address)
                yield self._make(address, str(module.get("address") or ""), entry,
                                 entry.get("values"), {}, ("no-op",))

    def _make(self, address: str, module: str, entry: dict[str, Any], values: Any,
              unknown: Any, actions: tuple[str, ...]) -> Resource:
        type_, name = str(entry.get("type", "")), str(entry.get("name", ""))
        return Resource(
            address=address, module=module, type=type_, name=name, index=entry.get("index"),
            values=values if isinstance(values, dict) else {},
            unknown=unknown if isinstance(unknown, dict) else {},
            actions=actions,
            config=self._config_for(strip_instance_keys(module), "managed", type_, name),
        )

    # -- queries -----------------------------------------------------------------------

    def of(self, *types: str) -> list[Resource]:
        out: list[Resource] = []
        for type_ in types:
            out.extend(self._by_type.get(type_, ()))
        return out

    def instances(self, config_key: str) -> list[Resource]:
        return self._by_key.get(config_key, [])

    def refs(self, res: Resource, *path: str) -> frozenset[str]:
        """Configuration keys of the resources that the expression at `path` refers to.

        No path: every expression of the resource. References through module inputs and
        outputs are followed; `local.*` values are not in a plan and cannot be followed.
        """
        key = (res.config_key, path)
        cached = self._ref_cache.get(key)
        if cached is not None:
            return cached
        node: Any = res.expressions
        for part in path:
            if isinstance(node, list):
                node = [item.get(part) for item in node if isinstance(item, dict)]
            elif isinstance(node, dict):
                node = node.get(part)
            else:
                node = None
        result = frozenset(self._resolve(collect_references(node), res.module_path, set()))
        self._ref_cache[key] = result
        return result

    def through_locals(self, res: Resource, *path: str) -> bool:
        """True when the expression at `path` refers to a `local.*` value: a plan holds no
        locals, so where it leads is unknown here (directory mode can resolve it)."""
        node: Any = res.expressions
        for part in path:
            if isinstance(node, list):
                node = [item.get(part) for item in node if isinstance(item, dict)]
            elif isinstance(node, dict):
                node = node.get(part)
            else:
                node = None
        return any(ref.startswith("local.") for ref in collect_references(node))

    def _resolve(self, refs: Iterable[str], module_path: str,
                 visited: set[tuple[str, str]]) -> Iterator[str]:
        for ref in refs:
            if (module_path, ref) in visited:
                continue
            visited.add((module_path, ref))
            parts = strip_instance_keys(ref).split(".")
            head = parts[0]
            if head == "var" and len(parts) > 1 and module_path:
                yield from self._resolve_input(module_path, parts[1], visited)
            elif head == "module" and len(parts) > 2:
                yield from self._resolve_output(_join(module_path, f"module.{parts[1]}"),
                                                parts[2], visited)
            elif head not in _NOT_RESOURCES:
                match = _RESOURCE_REF.match(strip_instance_keys(ref))
                if match:
                    yield _join(module_path, match.group(0))

    def _resolve_input(self, module_path: str, var: str,
                       visited: set[tuple[str, str]]) -> Iterator[str]:
        parent, sep, call = module_path.rpartition(".module.")
        if not sep:  # a top-level module: "module.x"
            parent, call = "", module_path.removeprefix("module.")
        parent_module = self._modules.get(parent) or {}
        call_entry = _dict(_dict(parent_module.get("module_calls")).get(call))
        expr = _dict(call_entry.get("expressions")).get(var)
        yield from self._resolve(collect_references(expr), parent, visited)

    def _resolve_output(self, child_path: str, output: str,
                        visited: set[tuple[str, str]]) -> Iterator[str]:
        child = self._modules.get(child_path) or {}
        entry = _dict(_dict(child.get("outputs")).get(output))
        yield from self._resolve(collect_references(entry.get("expression")), child_path,
                                 visited)

    def links(self, src: Resource, path: tuple[str, ...], target: Resource) -> bool:
        """True when `src`'s expression at `path` points at `target`.

        By reference (any instance of the target's configuration block), or by a known
        literal value equal to the target's name, id or ARN.
        """
        if target.config_key in self.refs(src, *path):
            return True
        names = target.identities()
        if not names:
            return False
        return any(value in names for value in _strings_below(src.get(*path)))

    def linked(self, src: Resource, path: tuple[str, ...], *types: str) -> list[Resource]:
        """The resources of `types` that `src`'s expression at `path` points at."""
        return [t for t in self.of(*types) if self.links(src, path, t)]

    def referrers(self, target: Resource, type_: str, *path: str) -> list[Resource]:
        """Resources of `type_` whose expression at `path` points at `target`."""
        return [src for src in self.of(type_) if self.links(src, path, target)]


def _strings_below(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings_below(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings_below(item)


def _planned_modules(module: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield module
    for child in _dicts(module.get("child_modules")):
        yield from _planned_modules(child)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in _list(value) if isinstance(v, dict)]


def is_plan(data: Any) -> bool:
    return (isinstance(data, dict) and "format_version" in data
            and ("planned_values" in data or "resource_changes" in data))


def load_plan(data: Any, source: str) -> Plan:
    """A `Plan`, or a `UserError` (exit code 2) when `data` is not `terraform show -json` of a
    plan."""
    if not is_plan(data):
        hint = ""
        if isinstance(data, dict) and "values" in data and "format_version" in data:
            hint = " (this is a state; run `terraform show -json <planfile>`)"
        raise UserError(f"{source}: not a Terraform plan in JSON{hint}", exit_code=2)
    return Plan(data, source)

"""The one reader of `terraform show -json` documents, for the audit rules and the cost estimate.

Every managed resource instance (root and child modules, `count` and `for_each` instances)
becomes a `Resource`: planned values, which are unknown until apply, configuration expressions.
Data sources and resources the plan deletes or forgets are left out. A kept resource whose
`change.after` is not an object is refused (exit 2): Terraform never writes one. `Plan.refs`
and `Plan.referenced` follow `references` through module inputs (`var.x`) and outputs
(`module.m.x`), so rules and prices link resources even when an ARN or id is unknown; a plan
holds no `locals`, so a `local.*` reference leads nowhere unless the configuration's locals
are given (`Locals`, read by directory mode), and then it is followed like the others.
`load_plan` takes plan JSON (the audit); with `state=True` also state JSON (`values`), which
the cost estimate prices. Walks over documents are iterative: any depth that `json.loads`
accepts is read without overflowing the stack.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from prodstack.core.errors import UserError
from prodstack.tf.resource import (
    UNKNOWN,
    Resource,
    Unknown,
    collect_references,
    join_path,
    strip_instance_keys,
)

__all__ = ["UNKNOWN", "Locals", "Plan", "Resource", "Unknown", "is_plan", "load_plan",
           "strip_instance_keys"]

_RESOURCE_REF = re.compile(r"^(data\.)?([A-Za-z][A-Za-z0-9_-]*)\.([A-Za-z_][A-Za-z0-9_-]*)")
_NOT_RESOURCES = {"var", "local", "module", "each", "count", "path", "terraform", "self"}


# module path ("" for the root, `module.vpc`, no instance keys) -> local name -> the
# references written in that local's expression (module-relative, as a plan writes them)
Locals = dict[str, dict[str, list[str]]]


class Plan:
    """The managed resources of one plan, with reference resolution across modules."""

    def __init__(self, data: dict[str, Any], source: str = "plan",
                 locals: Locals | None = None) -> None:
        self.source = source
        self.data = data
        self.locals = locals  # None: not known (a plan file)
        # the configuration's expressions (tf/hcl_config.Expressions), for the audit's value
        # resolver; None: a plan file's configuration only (see catalog/resolve.py)
        self.expressions: Any = None
        config = _dict(data.get("configuration"))
        self._modules: dict[str, dict[str, Any]] = {}
        todo = [("", _dict(config.get("root_module")))]
        while todo:
            path, module = todo.pop()
            self._modules[path] = module
            for name, call in _dict(module.get("module_calls")).items():
                todo.append((join_path(path, f"module.{name}"), _dict(_dict(call).get("module"))))
        self.resources: list[Resource] = list(self._read_resources())
        self._by_type: dict[str, list[Resource]] = {}
        self._by_key: dict[str, list[Resource]] = {}
        for res in self.resources:
            self._by_type.setdefault(res.type, []).append(res)
            self._by_key.setdefault(res.config_key, []).append(res)
        self._ref_cache: dict[tuple[str, tuple[str, ...]], tuple[frozenset[str], bool]] = {}

    # -- reading -----------------------------------------------------------------------

    def _config_for(self, module_path: str, mode: str, type_: str, name: str) -> dict[str, Any]:
        module = self._modules.get(module_path) or {}
        for entry in _dicts(module.get("resources")):
            if (entry.get("type") == type_ and entry.get("name") == name
                    and entry.get("mode", "managed") == mode):
                return entry
        return {}

    def _read_resources(self) -> Iterator[Resource]:
        """`resource_changes`, then `planned_values` for instances they do not list; a state
        (neither of them) is read from its `values`."""
        seen: set[str] = set()
        for change in _dicts(self.data.get("resource_changes")):
            if change.get("mode", "managed") != "managed":
                continue
            body = _dict(change.get("change"))
            actions = tuple(str(a) for a in _list(body.get("actions")))
            address = str(change.get("address", ""))
            seen.add(address)
            if actions in _LEAVING:
                continue
            after = body.get("after")
            if not isinstance(after, dict):
                what = "null" if after is None else "not an object"
                raise UserError(f"{self.source}: {address}: change.after is {what} for "
                                f"{_action_name(actions)}: not a plan Terraform writes",
                                exit_code=2)
            yield self._make(address, str(change.get("module_address") or ""), change,
                             after, body.get("after_unknown"), actions)
        is_state = "planned_values" not in self.data and "resource_changes" not in self.data
        top = "values" if is_state else "planned_values"
        for module in _planned_modules(_dict(_dict(self.data.get(top)).get("root_module"))):
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

    def region(self, key: str = "aws") -> tuple[str | None, str]:
        """(region, where it is written) of a provider configuration (`key`: `aws`,
        `aws.east`, `module.m:aws`): a constant, or a root variable's value; (None, why not)
        otherwise (a module's provider reads the module's variables, which a plan omits)."""
        config = _dict(_dict(_dict(self.data.get("configuration")).get("provider_config"))
                       .get(key))
        expr = _dict(_dict(config.get("expressions")).get("region"))
        if isinstance(expr.get("constant_value"), str):
            return expr["constant_value"], f"the plan's {key} provider"
        for ref in _list(expr.get("references")) if ":" not in key else []:
            if str(ref).startswith("var."):
                name = str(ref)[4:]
                value = _dict(_dict(self.data.get("variables")).get(name)).get("value")
                if isinstance(value, str):
                    return value, f"the plan's variable {name}"
        return None, "the plan does not say"

    def refs(self, res: Resource, *path: str) -> frozenset[str]:
        """Configuration keys of the resources that the expression at `path` refers to.

        No path: every expression of the resource. References through module inputs and
        outputs are followed, and through `local.*` values when the locals are known.
        """
        return self._walk(res, path)[0]

    def _walk(self, res: Resource, path: tuple[str, ...]) -> tuple[frozenset[str], bool]:
        key = (res.config_key, path)
        cached = self._ref_cache.get(key)
        if cached is None:
            keys, lost = self._resolve(collect_references(_expression_at(res, path)),
                                       res.module_path)
            cached = frozenset(keys), lost
            self._ref_cache[key] = cached
        return cached

    def referenced(self, res: Resource, *path: str) -> list[Resource]:
        """The resource instances that the expression at `path` refers to (every instance of
        a referenced `count`/`for_each` block), in plan order."""
        keys = self.refs(res, *path)
        return [r for r in self.resources if r.config_key in keys] if keys else []

    def through_locals(self, res: Resource, *path: str) -> bool:
        """True when the expression at `path` leads (directly, or through module inputs and
        outputs) to a `local.*` value whose expression is not known: a plan holds no locals,
        so where it leads is unknown here. With the configuration's locals (directory mode)
        they are followed instead, and this is False for every local they hold."""
        return self._walk(res, path)[1]

    def _resolve(self, refs: Iterable[str], module_path: str) -> tuple[set[str], bool]:
        """Resource keys behind `refs` (module-relative to `module_path`), through module
        inputs and outputs and known locals, with a work list rather than recursion; and
        whether a local that is not known was met on the way."""
        out: set[str] = set()
        lost = False
        todo = [(module_path, ref) for ref in refs]
        visited: set[tuple[str, str]] = set()
        while todo:
            path, ref = todo.pop()
            if (path, ref) in visited:
                continue
            visited.add((path, ref))
            parts = strip_instance_keys(ref).split(".")
            head, expr, where = parts[0], None, path
            if head == "var" and len(parts) > 1 and path:  # the module call's input
                where, _, call = path.rpartition(".module.")
                call = call if where else path.removeprefix("module.")
                calls = _dict(self._modules.get(where, {}).get("module_calls"))
                expr = _dict(_dict(calls.get(call)).get("expressions")).get(parts[1])
            elif head == "module" and len(parts) > 2:  # the child module's output
                where = join_path(path, f"module.{parts[1]}")
                outputs = _dict(self._modules.get(where, {}).get("outputs"))
                expr = _dict(outputs.get(parts[2])).get("expression")
            elif head == "local" and len(parts) > 1:  # known from the configuration, or lost
                written = (self.locals or {}).get(path, {}).get(parts[1])
                if written is None:
                    lost = True
                    continue
                todo.extend((path, r) for r in written)
                continue
            elif head not in _NOT_RESOURCES:
                match = _RESOURCE_REF.match(strip_instance_keys(ref))
                if match:
                    out.add(join_path(path, match.group(0)))
                continue
            todo.extend((where, r) for r in collect_references(expr))
        return out, lost

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


_LEAVING = {("delete",), ("forget",)}  # after apply, nothing of the resource is managed here


def _action_name(actions: tuple[str, ...]) -> str:
    word = "/".join(actions) or "change without actions"
    return ("an " if word[0] in "aeiou" else "a ") + word


def _expression_at(res: Resource, path: tuple[str, ...]) -> Any:
    """The expressions at `path`; through nested blocks (lists of bodies, at any depth), the
    list of what each block writes there."""
    node: Any = res.expressions
    for part in path:
        if isinstance(node, list):
            while any(isinstance(item, list) for item in node):
                node = [x for item in node for x in (item if isinstance(item, list) else [item])]
            node = [item.get(part) for item in node if isinstance(item, dict)]
        elif isinstance(node, dict):
            node = node.get(part)
        else:
            node = None
    return node


def _strings_below(value: Any) -> Iterator[str]:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, list | dict):
            stack.extend(item.values() if isinstance(item, dict) else item)


def _planned_modules(root: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The module and its child modules, depth first in document order."""
    stack = [root]
    while stack:
        module = stack.pop()
        yield module
        stack.extend(reversed(_dicts(module.get("child_modules"))))


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in _list(value) if isinstance(v, dict)]


def is_plan(data: Any) -> bool:
    return (isinstance(data, dict) and "format_version" in data
            and ("planned_values" in data or "resource_changes" in data))


def load_plan(data: Any, source: str, state: bool = False,
              locals: Locals | None = None) -> Plan:
    """A `Plan`, or a `UserError` (exit code 2) when `data` is not `terraform show -json` of a
    plan (or, with `state`, of a state: its resources as they are, without configuration);
    `locals`: the configuration's, when it was read (directory mode)."""
    is_state = isinstance(data, dict) and "format_version" in data and "values" in data
    if not is_plan(data) and not (state and is_state):
        hint = " (this is a state; run `terraform show -json <planfile>`)" if is_state else ""
        raise UserError(f"{source}: not a Terraform plan in JSON{hint}", exit_code=2)
    return Plan(data, source, locals)

"""Small plan JSON documents in the shape `terraform show -json` gives (format 1.2), for the
catalog's rule fixtures.

The shape follows real plans (prodstack's production plan, and plans of HCL stacks with
modules, `count` and `for_each`): `resource_changes` with `after`/`after_unknown`,
`planned_values` with `child_modules`, and `configuration` whose expressions carry
`constant_value` or `references` (module-relative, as Terraform writes them).
"""

from __future__ import annotations

import re
from typing import Any

_ADDRESS = re.compile(r"^(?P<module>(module\.[A-Za-z0-9_-]+(\[[^\]]+\])?\.)*)"
                      r"(?P<type>[a-z0-9_]+)\.(?P<name>[A-Za-z0-9_-]+)(\[(?P<index>[^\]]+)\])?$")


def _expressions(values: dict[str, Any], unset: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key in unset or value is None:
            continue
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            out[key] = [_expressions(v, ()) for v in value]
        else:
            out[key] = {"constant_value": value}
    return out


def _set_reference(expressions: dict[str, Any], path: str, refs: list[str]) -> None:
    parts = path.split(".")
    node: Any = expressions
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, list) or not child:
            child = [{}]
            node[part] = child
        node = child[0]
    node[parts[-1]] = {"references": refs}


class PlanBuilder:
    def __init__(self) -> None:
        self.changes: list[dict[str, Any]] = []
        self.planned: dict[str, list[dict[str, Any]]] = {}
        self.config: dict[str, Any] = {"resources": [], "module_calls": {}}
        self.variables: dict[str, Any] = {}  # root variables' values, as the plan gives them

    def _config_module(self, module_path: str) -> dict[str, Any]:
        node = self.config
        for name in re.findall(r"module\.([A-Za-z0-9_-]+)", module_path):
            call = node["module_calls"].setdefault(
                name, {"source": f"./modules/{name}", "expressions": {},
                       "module": {"resources": [], "module_calls": {}, "outputs": {}}})
            node = call["module"]
        return node

    def add(self, address: str, values: dict[str, Any] | None = None, *,
            refs: dict[str, list[str]] | None = None, unknown: dict[str, Any] | None = None,
            unset: tuple[str, ...] = (), actions: tuple[str, ...] = ("create",)
            ) -> PlanBuilder:
        """One resource instance. `refs`: expression path ("a" or "block.attr") -> references
        (module-relative); `unknown`: after_unknown; `unset`: attributes with a planned value
        that the configuration does not write (provider defaults)."""
        match = _ADDRESS.match(address)
        if not match:
            raise ValueError(f"bad address {address!r}")
        module = match.group("module").rstrip(".")
        type_, name, index = match.group("type"), match.group("name"), match.group("index")
        values = dict(values or {})
        change: dict[str, Any] = {
            "address": address, "mode": "managed", "type": type_, "name": name,
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": {"actions": list(actions), "before": None, "after": values,
                       "after_unknown": unknown or {}, "before_sensitive": False,
                       "after_sensitive": {}},
        }
        if module:
            change["module_address"] = module
        if index is not None:
            change["index"] = int(index) if index.isdigit() else index.strip('"')
        self.changes.append(change)
        self.planned.setdefault(module, []).append({
            "address": address, "mode": "managed", "type": type_, "name": name,
            "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 0,
            "values": values, "sensitive_values": {},
            **({"index": change["index"]} if "index" in change else {}),
        })
        cfg_module = self._config_module(re.sub(r"\[[^\]]*\]", "", module))
        if not any(r["type"] == type_ and r["name"] == name for r in cfg_module["resources"]):
            expressions = _expressions(values, unset)
            for path, references in (refs or {}).items():
                _set_reference(expressions, path, references)
            entry = {"address": f"{type_}.{name}", "mode": "managed", "type": type_,
                     "name": name, "provider_config_key": "aws", "expressions": expressions,
                     "schema_version": 0}
            if index is not None:
                entry["count_expression" if index.isdigit() else "for_each_expression"] = {
                    "constant_value": 2}
            cfg_module["resources"].append(entry)
        return self

    def module(self, path: str, inputs: dict[str, list[str]] | None = None,
               outputs: dict[str, list[str]] | None = None) -> PlanBuilder:
        """A module call at `path` ("module.a" or "module.a.module.b"): inputs are the call's
        expressions' references (in the parent), outputs the module's output references."""
        parent_path, _, name = path.rpartition("module.")
        parent = self._config_module(parent_path.rstrip("."))
        self._config_module(path)
        call = parent["module_calls"][name]
        for var, references in (inputs or {}).items():
            call["expressions"][var] = {"references": references}
        for out, references in (outputs or {}).items():
            call["module"]["outputs"][out] = {"expression": {"references": references}}
        return self

    def build(self) -> dict[str, Any]:
        root: dict[str, Any] = {"resources": self.planned.get("", [])}
        children = [{"address": m, "resources": r} for m, r in self.planned.items() if m]
        if children:
            root["child_modules"] = children
        return {
            "format_version": "1.2", "terraform_version": "1.11.4",
            "planned_values": {"root_module": root},
            "resource_changes": self.changes,
            "configuration": {"provider_config": {"aws": {"name": "aws",
                                                          "full_name": "registry.terraform.io/"
                                                                       "hashicorp/aws"}},
                              "root_module": self.config},
            "applyable": True, "complete": True, "errored": False,
            **({"variables": {k: {"value": v} for k, v in self.variables.items()}}
               if self.variables else {}),
        }

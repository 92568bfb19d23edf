"""Create-time ordering in a plan: does Terraform create one resource after another (AWS
checks some integrations at create time: a trail created before its bucket policy fails)."""

from __future__ import annotations

from typing import Any

from prodstack.catalog.plan_data import config_modules
from prodstack.tf.plan import Plan, Resource


def ordered_after(plan: Plan, res: Resource, target: Resource) -> bool:
    """True when Terraform creates `res` after `target`: a reference or `depends_on` on it
    (or on its module), directly or through other resources."""
    calls = _module_calls(plan)
    todo, seen = [res], {res.config_key}
    while todo and len(seen) < 1000:
        node = todo.pop()
        after = set(plan.refs(node)) | _depends_on(node.module_path, node.config, calls)
        if target.config_key in after or any(_inside(target, m) for m in after):
            return True
        for key in after - seen:
            seen.add(key)
            todo += plan.instances(key)[:1]
    return False


def _inside(res: Resource, key: str) -> bool:
    """Is `res` in the module `key` (a `depends_on` may name a module)?"""
    parts = key.split(".")
    return len(parts) >= 2 and parts[-2] == "module" and (
        res.module_path == key or res.module_path.startswith(key + "."))


def _module_calls(plan: Plan) -> dict[str, dict[str, Any]]:
    root = (plan.data.get("configuration") or {}).get("root_module") or {}
    out: dict[str, dict[str, Any]] = {}
    for path, module in config_modules(root):
        for name, call in (module.get("module_calls") or {}).items():
            out[f"{path}.module.{name}".lstrip(".")] = call
    return out


def _depends_on(module_path: str, config: dict[str, Any],
                calls: dict[str, dict[str, Any]]) -> set[str]:
    out = {f"{module_path}.{d}".lstrip(".") for d in config.get("depends_on") or []}
    while module_path:  # a module call's depends_on holds for everything inside it
        parent = module_path.rpartition(".module.")[0]
        out |= {f"{parent}.{d}".lstrip(".")
                for d in (calls.get(module_path) or {}).get("depends_on") or []}
        module_path = parent
    return out

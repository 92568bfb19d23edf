"""What a plan file's own configuration tells the value resolver (resolve.py) when no folder
is read beside it.

`terraform show -json` keeps, for each expression, its constant value when it is one, and
otherwise only its references. Three things can still be read from it:

- a constant (`constant_value` without references);
- a template of a `.tf.json` configuration, which the plan keeps as its text
  (`constant_value` "${…}" with the references it makes): evaluated like HCL;
- an attribute whose references Terraform knew at plan time (root variables, constant module
  inputs, variables' defaults, expressions over those) but whose planned value it did not:
  Terraform computes every expression over known values at plan time, so that value is null
  left to the provider's computed default. The one exception, a function whose result is
  only known after apply (`timestamp()`, `uuid()`), is not named by a plan; such values in
  the attributes the rules read (flags, sizes, windows) are not written that way.

Resources' attributes are never taken as known this way: a plan that knows a resource in
part is not evidence enough.
"""

from __future__ import annotations

from typing import Any

from prodstack.catalog.resolve_protocol import Resolving
from prodstack.tf.hcl_expr import template_tree
from prodstack.tf.hcl_lex import template
from prodstack.tf.plan import Plan, Resource
from prodstack.tf.resource import Unknown, Unresolved, strip_instance_keys

_DEPTH = 32


def is_constant(node: dict[str, Any]) -> bool:
    """A constant, not a `.tf.json` template (which carries references beside its text)."""
    return "constant_value" in node and not node.get("references")


def json_template(node: dict[str, Any]) -> str | None:
    """The text of a `.tf.json` template the plan keeps as a constant with references."""
    value = node.get("constant_value")
    return value if isinstance(value, str) and node.get("references") else None


def evaluate_node(r: Resolving, node: dict[str, Any], scope: dict[str, Any]) -> Any:
    """A constant, or a `.tf.json` template evaluated; None when the node is neither."""
    if is_constant(node):
        return node["constant_value"]
    text = json_template(node)
    return r.evaluator.eval(template_tree(template(text)), scope) if text is not None else None


def from_plan_config(r: Resolving, res: Resource, path: tuple[str | int, ...]) -> Any:
    """The value at `path` as the plan's configuration gives it (see the module docstring)."""
    node: Any = res.expressions
    for key in path:
        if isinstance(node, list):
            node = node[key] if isinstance(key, int) and key < len(node) else \
                (node[0] if node and isinstance(key, str) else None)
        if isinstance(key, str):
            node = node.get(key) if isinstance(node, dict) else None
    shown = ".".join(str(k) for k in path)
    if not isinstance(node, dict):
        return Unresolved(f"{shown} of {res.address}, computed at apply")
    if is_constant(node) or json_template(node) is not None:
        return evaluate_node(r, node, r.scope(res))
    refs = [ref for ref in node.get("references") or [] if isinstance(ref, str)]
    precise = [ref for ref in refs if not any(o.startswith(ref + ".") for o in refs)]
    if precise and all(known_reference(r, res.module_path, ref) for ref in precise):
        return None
    return Unresolved(f"{shown} of {res.address}: written as an expression over "
                      f"{', '.join(refs) or 'values'} that the plan does not keep")


def known_reference(r: Resolving, module_path: str, ref: str, depth: int = 0) -> bool:
    """Did Terraform know the value of `ref` at plan time? A root variable with a value, a
    module input that is a constant, a default, or an expression over such values."""
    parts = strip_instance_keys(ref).split(".")
    if depth > _DEPTH or parts[0] != "var" or len(parts) < 2:
        return False  # resources' attributes: a plan known in part is not evidence enough
    if not module_path:
        return not isinstance(r.variable("", parts[1]), Unknown)
    parent, call = split_call(module_path)
    written = plan_call(r.plan, parent, call).get("expressions", {}).get(parts[1])
    if not isinstance(written, dict) or is_constant(written):
        return True  # a constant, or the default
    refs = [x for x in written.get("references") or [] if isinstance(x, str)]
    return bool(refs) and all(known_reference(r, parent, x, depth + 1) for x in refs)


def split_call(module_path: str) -> tuple[str, str]:
    """`module.a.module.b` -> (`module.a`, `b`); `module.a` -> (``, `a`)."""
    parent, _, call = module_path.rpartition(".module.")
    return (parent, call) if parent else ("", module_path.removeprefix("module."))


def plan_call(plan: Plan, parent: str, call: str) -> dict[str, Any]:
    """The configuration of module call `call` in module `parent`."""
    node: Any = (plan.data.get("configuration") or {}).get("root_module") or {}
    for name in [p for p in parent.split(".") if p and p != "module"]:
        node = ((node.get("module_calls") or {}).get(name) or {}).get("module") or {}
    entry = (node.get("module_calls") or {}).get(call)
    return entry if isinstance(entry, dict) else {}


def plan_input(r: Resolving, parent: str, call: str, name: str) -> Any:
    """A module input from the plan's configuration: a constant or a `.tf.json` template
    (evaluated in the calling module), or the variable's default."""
    entry = plan_call(r.plan, parent, call)
    written = (entry.get("expressions") or {}).get(name)
    if isinstance(written, dict):
        if is_constant(written) or json_template(written) is not None:
            return evaluate_node(r, written, {"\x00module": parent})
        return Unresolved(f"the input {name} of module.{call}, an expression the plan "
                          "does not keep")
    declared = ((entry.get("module") or {}).get("variables") or {}).get(name)
    return declared.get("default") if isinstance(declared, dict) else None

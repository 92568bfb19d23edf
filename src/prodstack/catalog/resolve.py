"""The audit's value resolver: an attribute a rule reads, through the configuration when the
plan does not know it.

`resolver(plan).value(res, *path)` is the planned value when Terraform knows it (concrete
values are read exactly as the plan gives them); otherwise the attribute's expression,
evaluated (resolve_eval.py) against the plan and the configuration: variables (the plan's
values, which hold defaults, `-var` and tfvars), module inputs through every module call,
locals, outputs, `jsonencode` and templates, `aws_iam_policy_document` blocks
(resolve_policy_doc.py). A reference to an attribute the plan does not know is derived where
AWS builds it from known parts (resolve_derive.py) and is otherwise a *symbol* ("the name of
aws_s3_bucket.logs", policy_match) that the policy evaluator matches against itself. What
stays undecidable, a data source that reads AWS at apply, is `Unresolved` with that reason,
and a rule that meets it reports the resource as unseen.

The configuration's expressions come from the folder (`plan.expressions`, tf/hcl_config.py):
in directory mode, and for a plan file audited with the folder it was planned from. A plan
file alone holds each expression's references, its constants and the text of `.tf.json`
templates (resolve_plan.py).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from typing import Any

from prodstack.catalog import resolve_plan
from prodstack.catalog.plan_data import data_instances
from prodstack.catalog.policy_match import symbol
from prodstack.catalog.resolve_derive import DERIVED
from prodstack.catalog.resolve_eval import Evaluator, step
from prodstack.catalog.resolve_policy_doc import document
from prodstack.catalog.resolve_values import Encoded, Key, unresolved_in
from prodstack.tf.hcl_config import Expressions, Module
from prodstack.tf.hcl_expr import Body, Tree
from prodstack.tf.plan import UNKNOWN, Plan, Resource, Unknown
from prodstack.tf.resource import Unresolved, join_path

POLICY_DOC = "data.aws_iam_policy_document"
_CACHE: weakref.WeakKeyDictionary[Plan, Resolver] = weakref.WeakKeyDictionary()


def resolver(plan: Plan) -> Resolver:
    """The plan's resolver (one per plan and configuration, kept while the plan lives)."""
    found = _CACHE.get(plan)
    if found is None or found.expressions is not plan.expressions:
        found = _CACHE[plan] = Resolver(plan, plan.expressions)
    return found


def plain(value: Any) -> tuple[Any, tuple[str, ...]]:
    """A resolved value as the policy reader takes it (`Encoded` as its structure, every
    unknown part as UNKNOWN), and what its unknown parts depend on."""
    why = unresolved_in(value)

    def convert(item: Any) -> Any:
        if isinstance(item, Encoded):
            return convert(item.value)
        if isinstance(item, Unknown):
            return UNKNOWN
        if isinstance(item, dict):
            return {k: convert(v) for k, v in item.items()}
        if isinstance(item, list):
            return [convert(v) for v in item]
        return item

    return convert(value), why


class Resolver:
    """Values of one plan's resources, through its configuration's expressions."""

    def __init__(self, plan: Plan, expressions: Expressions | None) -> None:
        self.plan = plan
        self.expressions = expressions
        self.evaluator = Evaluator(self._reference)
        self._active: set[tuple[str, tuple[Any, ...]]] = set()

    # -- what rules ask ----------------------------------------------------------------------

    def value(self, res: Resource, *path: str | int) -> Any:
        """The planned value at `path`; where Terraform only knows it after apply, the value
        of its expression (with symbols, or `Unresolved`)."""
        planned = res.get(*path)
        if planned is not UNKNOWN:
            return planned
        return self._configured(res, path)

    def attribute(self, res: Resource, attr: str) -> Any:
        """A referenced attribute: planned, else derived, configured, or a symbol."""
        planned = res.get(attr)
        if planned is not UNKNOWN:
            return planned
        if res.type == POLICY_DOC and attr in ("json", "minified_json"):
            return self._policy_json(res)
        derive = DERIVED.get((res.type, attr))
        if derive is not None:
            return self._guarded(res, ("derived", attr), lambda: derive(self, res))
        if res.type.startswith("data."):
            return Unresolved(f"{res.address}, read from AWS at apply")
        if res.has_config and res.written(attr):
            value = self._configured(res, (attr,))
            if not isinstance(value, Unknown):
                return value
        return symbol(f"the {attr} of {res.address}")

    # -- configuration -----------------------------------------------------------------------

    def _guarded(self, res: Resource, key: tuple[Any, ...], work: Callable[[], Any]) -> Any:
        mark = (res.address, key)
        if mark in self._active:
            return Unresolved(f"a reference cycle through {res.address}")
        self._active.add(mark)
        try:
            return work()
        finally:
            self._active.discard(mark)

    def _module(self, path: str) -> Module | None:
        return self.expressions.module(path) if self.expressions is not None else None

    def _body(self, res: Resource) -> Body | None:
        module = self._module(res.module_path)
        return module.blocks.get(f"{res.type}.{res.name}") if module else None

    def _configured(self, res: Resource, path: tuple[str | int, ...]) -> Any:
        return self._guarded(res, path, lambda: self._evaluate_at(res, path))

    def _evaluate_at(self, res: Resource, path: tuple[str | int, ...]) -> Any:
        body = self._body(res)
        if body is None:
            return resolve_plan.from_plan_config(self, res, path)
        scope = self.scope(res)
        for i, key in enumerate(path):
            if isinstance(key, int):
                continue
            if key in body.attrs:
                value = self.evaluator.eval(body.attrs[key], scope)
                for rest in path[i + 1:]:
                    value = step(value, Key(rest) if isinstance(rest, int) else rest)
                return value
            if any(t == "dynamic" and labels[:1] == (key,) for t, labels, _ in body.blocks):
                return Unresolved(f"the dynamic {key} blocks of {res.address}")
            blocks = body.children(key)
            nxt = path[i + 1] if i + 1 < len(path) else None
            if not blocks or (isinstance(nxt, int) and nxt >= len(blocks)):
                return None  # not written: null
            body = blocks[nxt if isinstance(nxt, int) else 0]
        return Unresolved(f"the {'.'.join(map(str, path))} block of {res.address}")

    def scope(self, res: Resource) -> dict[str, Any]:
        """The evaluation scope of a resource's own expressions."""
        return {"\x00module": res.module_path, "\x00index": res.index,
                "\x00block": f"{res.type}.{res.name}"}

    # -- references --------------------------------------------------------------------------

    def _reference(self, name: str, steps: list[Any], scope: Mapping[str, Any]) -> Any:
        module_path = str(scope.get("\x00module", ""))
        if name in scope and not name.startswith("\x00"):
            return _walk(scope[name], steps)
        names = [s for s in steps if isinstance(s, str)]
        if name == "var" and names:
            return _walk(self.variable(module_path, names[0]), steps[1:])
        if name == "local" and names:
            return _walk(self._local(module_path, names[0]), steps[1:])
        if name == "module" and len(steps) >= 2:
            rest = steps[2:] if not isinstance(steps[1], Key) else steps[3:]
            out = steps[1] if not isinstance(steps[1], Key) else steps[2] if len(steps) > 2 \
                else None
            if not isinstance(out, str):
                return Unresolved(f"the outputs of module.{steps[0]}")
            return _walk(self._output(join_path(module_path, f"module.{steps[0]}"), out), rest)
        if name == "count" and names[:1] == ["index"]:
            index = scope.get("\x00index")
            return index if isinstance(index, int) else Unresolved("count.index")
        if name == "each":
            return self._each(scope, names[0] if names else "")
        if name in ("path", "terraform", "self"):
            return Unresolved(f"{name}.{'.'.join(names)}")
        if name == "data" and len(steps) >= 2:
            return self._resource(module_path, f"data.{steps[0]}", str(steps[1]), steps[2:],
                                  scope)
        if steps and isinstance(steps[0], str):
            return self._resource(module_path, name, steps[0], steps[1:], scope)
        return Unresolved(f"{name}, which prodstack cannot read")

    def variable(self, module_path: str, name: str) -> Any:
        """A variable of a module: the root's from the plan, a module's from its call."""
        if not module_path:
            variables = self.plan.data.get("variables") or {}
            entry = variables.get(name) if isinstance(variables, dict) else None
            if isinstance(entry, dict) and "value" in entry:
                return entry["value"]
            module = self._module("")
            default = module.variables.get(name) if module else None
            return self.evaluator.eval(default, {}) if default is not None else \
                Unresolved(f"var.{name}")
        parent, call = resolve_plan.split_call(module_path)
        module = self._module(parent)
        if module is not None and call in module.calls:
            written = module.calls[call].attrs.get(name)
            if written is not None:
                return self.evaluator.eval(written, {"\x00module": parent})
            child = self._module(module_path)
            default = child.variables.get(name) if child else None
            return self.evaluator.eval(default, {"\x00module": module_path}) \
                if default is not None else None
        return resolve_plan.plan_input(self, parent, call, name)

    def _local(self, module_path: str, name: str) -> Any:
        module = self._module(module_path)
        if module is None or name not in module.locals:
            return Unresolved(f"local.{name} (a plan holds no locals)")
        key = (f"{module_path}/local", (name,))
        if key in self._active:
            return Unresolved(f"a cycle through local.{name}")
        self._active.add(key)
        try:
            return self.evaluator.eval(module.locals[name], {"\x00module": module_path})
        finally:
            self._active.discard(key)

    def _output(self, module_path: str, name: str) -> Any:
        module = self._module(module_path)
        if module is None or name not in module.outputs:
            return Unresolved(f"the output {name} of {module_path}")
        return self.evaluator.eval(module.outputs[name], {"\x00module": module_path})

    def _each(self, scope: Mapping[str, Any], what: str) -> Any:
        index = scope.get("\x00index")
        if what == "key":
            return index if index is not None else Unresolved("each.key")
        module = self._module(str(scope.get("\x00module", "")))
        body = module.blocks.get(str(scope.get("\x00block"))) if module else None
        tree: Tree | None = body.attrs.get("for_each") if body else None
        if tree is None or index is None:
            return Unresolved("each.value")
        collection = self.evaluator.eval(tree, scope)
        if isinstance(collection, list):  # a set of strings: value = key
            return index
        return step(collection, str(index))

    def _resource(self, module_path: str, type_: str, name: str, steps: list[Any],
                  scope: Mapping[str, Any]) -> Any:
        key = join_path(module_path, f"{type_}.{name}")
        instances = data_instances(self.plan).get(key, []) if type_.startswith("data.") \
            else self.plan.instances(key)
        if steps and isinstance(steps[0], Key):
            wanted = steps[0].value
            instances = [r for r in instances if r.index == wanted]
            steps = steps[1:]
        if len(instances) != 1:
            why = "is not in the plan" if not instances else \
                f"has {len(instances)} instances"
            return Unresolved(f"{key}, which {why}")
        if not steps or not isinstance(steps[0], str):
            return Unresolved(f"{key} as a whole")
        return _walk(self.attribute(instances[0], steps[0]), steps[1:])

    # -- aws_iam_policy_document -------------------------------------------------------------

    def _policy_json(self, ds: Resource) -> Any:
        body = self._body(ds)
        if body is None:
            return Unresolved(f"{ds.address} (its statements: the plan's)")
        return self._guarded(ds, ("json",), lambda: document(
            ds, body, self.evaluator.eval, self.scope(ds)))


def _walk(value: Any, steps: list[Any]) -> Any:
    for item in steps:
        value = step(value, item)
    return value

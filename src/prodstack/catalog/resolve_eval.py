"""Evaluation of HCL expression trees (tf/hcl_expr.py) over values the plan may not know.

Values and operators are resolve_values.py's, functions resolve_functions.py's. References are
the caller's (`Evaluator.reference`): the resolver answers them from the plan and the
configuration. An expression that certainly fails once its values are known (a key a known
map does not hold, a function given the wrong kind of value) is `Failed`, which fails the
whole expression except inside `try()` and `can()`, which tell it apart from a value only
known after apply: `try(unknown, "x")` is unknown, not "x".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from prodstack.catalog.policy_match import opaque
from prodstack.catalog.resolve_functions import FUNCTIONS
from prodstack.catalog.resolve_values import Failed, Key, binary, text, truth
from prodstack.tf.hcl_expr import Tree
from prodstack.tf.resource import Unknown, Unresolved, why_unknown


class Evaluator:
    """Evaluates trees; `reference(name, steps, scope)` answers a root name followed by
    attribute and index steps (names, or evaluated keys)."""

    def __init__(self, reference: Callable[[str, list[Any], Mapping[str, Any]], Any]) -> None:
        self.reference = reference

    def eval(self, tree: Tree, scope: Mapping[str, Any]) -> Any:
        kind = tree[0]
        if kind == "lit":
            return tree[1]
        if kind in ("ref", "attr", "index"):
            chain = self._chain(tree, scope)
            if chain is None:
                return self._step_into(tree, scope)
            return self.reference(chain[0], chain[1], scope)
        if kind == "tmpl":
            out: list[str] = []
            for part in tree[1]:
                if isinstance(part, str):
                    out.append(part)
                    continue
                if part[0] == "directive":
                    return Unresolved("a %{…} template directive")
                shown = text(self.eval(part, scope))
                if isinstance(shown, Unknown):
                    return shown
                out.append(shown)
            return "".join(out)
        if kind == "call":
            return self._call(tree, scope)
        if kind == "tuple":
            items = [self.eval(t, scope) for t in tree[1]]
            return _failed(*items) or items
        if kind == "object":
            obj: dict[str, Any] = {}
            for key_tree, value_tree in tree[1]:
                key = text(self.eval(key_tree, scope))
                if isinstance(key, Unresolved) or opaque(key):
                    return Unresolved("an object key known after apply")
                obj[key] = self.eval(value_tree, scope)
            return _failed(*obj.values()) or obj
        if kind == "op":
            a, b = self.eval(tree[2], scope), self.eval(tree[3], scope)
            return _failed(a, b) or binary(tree[1], a, b)
        if kind == "not":
            value = self.eval(tree[1], scope)
            test = truth(value)
            return _failed(value) or (test if isinstance(test, Unresolved) else not test)
        if kind == "neg":
            value = self.eval(tree[1], scope)
            return _failed(value) or binary("-", 0, value)
        if kind == "cond":
            value = self.eval(tree[1], scope)
            test = truth(value)
            if isinstance(test, Unresolved):
                return _failed(value) or test
            return self.eval(tree[2] if test else tree[3], scope)
        if kind == "for":
            return self._for(tree, scope)
        if kind == "splat":
            base = self.eval(tree[1], scope)
            if not isinstance(base, list):
                return Unresolved("a splat over a value known after apply")
            return [self._attrs(item, tree[2]) for item in base]
        return Unresolved("an expression prodstack cannot read")

    def _chain(self, tree: Tree, scope: Mapping[str, Any]) -> tuple[str, list[Any]] | None:
        steps: list[Any] = []
        node = tree
        while node[0] in ("attr", "index"):
            steps.append(node[2] if node[0] == "attr" else Key(self.eval(node[2], scope)))
            node = node[1]
        if node[0] != "ref":
            return None
        return node[1], steps[::-1]

    def _step_into(self, tree: Tree, scope: Mapping[str, Any]) -> Any:
        base = self.eval(tree[1], scope)
        key = tree[2] if tree[0] == "attr" else self.eval(tree[2], scope)
        return step(base, key)

    def _attrs(self, item: Any, names: tuple[str, ...]) -> Any:
        for name in names:
            item = step(item, name)
        return item

    def _call(self, tree: Tree, scope: Mapping[str, Any]) -> Any:
        name, args, expand = tree[1], [self.eval(a, scope) for a in tree[2]], tree[3]
        if name in ("try", "can"):
            return _try(name, args)
        failed = _failed(*args)
        if failed:
            return failed
        fn = FUNCTIONS.get(name)
        if fn is None:
            return Unresolved(f"the function {name}()")
        if expand:
            if not isinstance(args[-1], list):
                return Unresolved(f"{name}() of a list known after apply")
            args = args[:-1] + args[-1]
        try:
            return fn(*args)
        except (TypeError, ValueError, IndexError, KeyError):
            return Failed(f"{name}() of values it does not take")

    def _for(self, tree: Tree, scope: Mapping[str, Any]) -> Any:
        _, is_object, key_name, value_name, coll_tree, key_tree, value_tree, cond, group = tree
        collection = self.eval(coll_tree, scope)
        if isinstance(collection, dict):
            pairs = list(collection.items())
        elif isinstance(collection, list):
            pairs = list(enumerate(collection))
        else:
            return Unresolved("a for expression over a collection known after apply")
        items: list[Any] = []
        obj: dict[str, Any] = {}
        for key, value in pairs:
            inner = {**scope, **({key_name: key} if key_name else {}), value_name: value}
            if cond is not None:
                keep = truth(self.eval(cond, inner))
                if isinstance(keep, Unresolved):
                    return keep
                if not keep:
                    continue
            if not is_object:
                items.append(self.eval(value_tree, inner))
                continue
            out_key = text(self.eval(key_tree, inner))
            if isinstance(out_key, Unresolved):
                return out_key
            out_value = self.eval(value_tree, inner)
            if group:
                obj.setdefault(out_key, []).append(out_value)
            else:
                obj[out_key] = out_value
        return obj if is_object else items


def _failed(*values: Any) -> Failed | None:
    """The first error among values (an error anywhere in an expression fails it all)."""
    return next((v for v in values if isinstance(v, Failed)), None)


def _try(name: str, args: list[Any]) -> Any:
    """`try()`: the first argument that does not fail (unknown while an earlier one may);
    `can()`: whether the first does not fail."""
    if name == "can":
        if not args:
            return Failed("can() of nothing")
        return False if isinstance(args[0], Failed) else \
            Unresolved(*why_unknown(args[0])) if isinstance(args[0], Unknown) else True
    for arg in args:
        if isinstance(arg, Failed):
            continue
        return arg  # a value, or unknown: what apply gives decides
    return Failed("try() where every argument fails")


def step(value: Any, key: Any) -> Any:
    """One attribute or index step into a value (unknown stays unknown)."""
    if isinstance(key, Key):
        key = key.value
    if isinstance(value, Unknown):
        return value
    if isinstance(key, Unknown):
        return Unresolved(*why_unknown(key))
    if isinstance(value, dict):
        return value.get(str(key), Failed(f"no {key} in the value"))
    if isinstance(value, list):
        if isinstance(key, str) and value and isinstance(value[0], dict):
            return step(value[0], key)  # a block written once: its attributes
        if isinstance(key, int | float) and -len(value) <= int(key) < len(value):
            return value[int(key)]
    if isinstance(value, str) and opaque(value):
        return Unresolved("a value known after apply")
    return Failed(f"no {key} in the value")

"""Evaluation of HCL expression trees (tf/hcl_expr.py) over values the plan may not know.

A value is plain JSON-like data; a string may hold symbols and holes (policy_match) for the
parts only known after apply; `Unresolved` (with what it depends on) stands for a whole value
nobody can know before apply; `Encoded` is the result of `jsonencode`, kept as the structure
it encodes so that a policy written with `jsonencode({…"${aws_s3_bucket.x.arn}/*"…})` is read
statement by statement. References are the caller's (`Evaluator.reference`): the resolver
answers them from the plan and the configuration.

Only the functions policies and the rules' attributes are written with are evaluated
(`FUNCTIONS`); any other call is `Unresolved`, naming the function. An expression that
certainly fails once its values are known (a key a known map does not hold, a function given
the wrong kind of value) is `Failed`, which `try()` and `can()` tell apart from a value only
known after apply: `try(unknown, "x")` is unknown, not "x".
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from prodstack.catalog.policy_match import opaque
from prodstack.tf.hcl_expr import Tree
from prodstack.tf.resource import Unknown, Unresolved, why_unknown


class Failed(Unresolved):
    """An expression Terraform would refuse whatever apply reveals (what `try()` skips)."""


@dataclass(frozen=True)
class Key:
    """An index step of a reference (`aws_s3_bucket.logs["a"]`, `x[0]`), not an attribute."""

    value: Any


@dataclass(frozen=True)
class Encoded:
    """`jsonencode(value)`: a JSON string whose structure is known, parts of it maybe not."""

    value: Any

    def text(self) -> str | Unresolved:
        bad = unresolved_in(self.value)
        if bad:
            return Unresolved(*bad)
        return json.dumps(self.value, ensure_ascii=False, separators=(",", ":"))


def unresolved_in(value: Any) -> tuple[str, ...]:
    """The reasons of every unknown part below `value`."""
    out: list[str] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, Unknown):
            out += why_unknown(item)
        elif isinstance(item, Encoded):
            stack.append(item.value)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return tuple(dict.fromkeys(out))


def _text(value: Any) -> str | Unresolved:
    if isinstance(value, Unresolved):
        return value
    if isinstance(value, Unknown):
        return Unresolved("a value known after apply")
    if isinstance(value, Encoded):
        return value.text()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float | str):
        return str(value)
    if value is None:
        return Failed("a null value in a string template")
    return Failed("a collection in a string template")


def _truth(value: Any) -> bool | Unresolved:
    if isinstance(value, Unknown):
        return Unresolved(*why_unknown(value))
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    return Unresolved("a condition that is not a bool")


def _equal(a: Any, b: Any) -> bool | Unresolved:
    if isinstance(a, Unknown) or isinstance(b, Unknown):
        return Unresolved(*why_unknown(a if isinstance(a, Unknown) else b))
    if (isinstance(a, str) and opaque(a)) or (isinstance(b, str) and opaque(b)):
        return Unresolved("a comparison with a value known after apply")
    return a == b


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    try:
        return float(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _binary(op: str, a: Any, b: Any) -> Any:
    if op in ("==", "!="):
        eq = _equal(a, b)
        return eq if isinstance(eq, Unresolved) else (eq if op == "==" else not eq)
    if op in ("&&", "||"):
        x, y = _truth(a), _truth(b)
        if op == "&&" and (x is False or y is False):
            return False
        if op == "||" and (x is True or y is True):
            return True
        return x if isinstance(x, Unresolved) else y
    for side in (a, b):
        if isinstance(side, Unknown):
            return Unresolved(*why_unknown(side))
    x, y = _number(a), _number(b)
    if x is None or y is None:
        return Unresolved(f"an arithmetic {op} on something not a number")
    try:
        result = {"+": lambda: x + y, "-": lambda: x - y, "*": lambda: x * y,
                  "/": lambda: x / y, "%": lambda: x % y, "<": lambda: x < y,
                  ">": lambda: x > y, "<=": lambda: x <= y, ">=": lambda: x >= y}[op]()
    except (ZeroDivisionError, KeyError):
        return Unresolved(f"the operator {op}")
    return int(result) if isinstance(result, float) and result.is_integer() and op != "/" \
        else result


def _strings(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A function of known strings (unknown arguments make it unknown)."""
    def call(*args: Any) -> Any:
        texts = [_text(a) for a in args]
        bad = [t for t in texts if isinstance(t, Unresolved)]
        return bad[0] if bad else fn(*texts)
    return call


def _join(sep: Any, items: Any) -> Any:
    if not isinstance(items, list):
        return Unresolved("join over a list known after apply")
    texts = [_text(i) for i in items] + [_text(sep)]
    bad = [t for t in texts if isinstance(t, Unresolved)]
    return bad[0] if bad else str(texts[-1]).join(str(t) for t in texts[:-1])


def _merge(*maps: Any) -> Any:
    out: dict[str, Any] = {}
    for item in maps:
        if not isinstance(item, dict):
            return Unresolved("merge of a map known after apply")
        out.update(item)
    return out


def _concat(*lists: Any) -> Any:
    out: list[Any] = []
    for item in lists:
        if not isinstance(item, list):
            return Unresolved("concat of a list known after apply")
        out += item
    return out


def _flatten(items: Any) -> Any:
    if not isinstance(items, list):
        return Unresolved("flatten of a list known after apply")
    out: list[Any] = []
    for item in items:
        flat = _flatten(item) if isinstance(item, list) else [item]
        if isinstance(flat, Unresolved):
            return flat
        out += flat
    return out


def _coalesce(*args: Any) -> Any:
    for arg in args:
        if isinstance(arg, Unknown):
            return Unresolved(*why_unknown(arg))
        if arg not in (None, ""):
            return arg
    return Unresolved("coalesce with no value")


def _lookup(mapping: Any, key: Any, *default: Any) -> Any:
    if not isinstance(mapping, dict) or isinstance(key, Unknown):
        return Unresolved("lookup in a map known after apply")
    return mapping.get(str(key), default[0] if default else Failed(f"no key {key}"))


def _element(items: Any, index: Any) -> Any:
    if not isinstance(items, list) or not isinstance(index, int) or not items:
        return Unresolved("element of a list known after apply")
    return items[index % len(items)]


def _jsondecode(value: Any) -> Any:
    if isinstance(value, Encoded):
        return value.value
    if isinstance(value, str) and not opaque(value):
        try:
            return json.loads(value)
        except ValueError:
            return Unresolved("jsondecode of text that is not JSON")
    return Unresolved(*why_unknown(value)) if isinstance(value, Unknown) else \
        Unresolved("jsondecode of a value known after apply")


def _list(*items: Any) -> Any:
    return list(items)


def _one(value: Any) -> Any:
    if isinstance(value, list) and len(value) <= 1:
        return value[0] if value else None
    return Unresolved("one() of a list known after apply")


def _length(value: Any) -> Any:
    if isinstance(value, list | dict) or (isinstance(value, str) and not opaque(value)):
        return len(value)
    return Unresolved("the length of a value known after apply")


def _keys(value: Any) -> Any:
    return sorted(value) if isinstance(value, dict) else Unresolved("keys of a map known later")


def _values(value: Any) -> Any:
    return [value[k] for k in sorted(value)] if isinstance(value, dict) else \
        Unresolved("values of a map known after apply")


def _same(value: Any) -> Any:
    return value


def _to_string(value: Any) -> Any:
    text = _text(value)
    return text


def _compact(items: Any) -> Any:
    if not isinstance(items, list):
        return Unresolved("compact of a list known after apply")
    return [i for i in items if i not in ("", None)]


def _distinct(items: Any) -> Any:
    if not isinstance(items, list):
        return Unresolved("distinct of a list known after apply")
    out: list[Any] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


_VERB = re.compile(r"%(.)")


def _format(spec: str, *args: str) -> Any:
    """`format` with the verbs %s, %d, %v and %% (others: not evaluated)."""
    values = iter(args)
    out: list[str] = []
    last = 0
    for match in _VERB.finditer(spec):
        out.append(spec[last:match.start()])
        last = match.end()
        verb = match.group(1)
        if verb == "%":
            out.append("%")
        elif verb in "sdv":
            value = next(values, None)
            if value is None:
                return Failed("format() with too few arguments")
            out.append(value)
        else:
            return Unresolved(f"format() with the verb %{verb}")
    return "".join(out) + spec[last:]


def _replace(text: str, old: str, new: str) -> Any:
    if len(old) > 1 and old.startswith("/") and old.endswith("/"):
        return Unresolved("replace() with a regular expression")
    return text.replace(old, new)


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "jsonencode": Encoded, "jsondecode": _jsondecode,
    "format": _strings(_format),
    "join": _join, "lower": _strings(str.lower), "upper": _strings(str.upper),
    "trimspace": _strings(str.strip), "trimsuffix": _strings(str.removesuffix),
    "trimprefix": _strings(str.removeprefix),
    "replace": _strings(_replace),
    "merge": _merge, "concat": _concat, "flatten": _flatten, "coalesce": _coalesce,
    "lookup": _lookup, "element": _element, "one": _one, "length": _length, "keys": _keys,
    "values": _values, "compact": _compact, "distinct": _distinct,
    "tolist": _same, "toset": _distinct, "tomap": _same, "tostring": _to_string,
    "tonumber": lambda v: _number(v) if _number(v) is not None else Unresolved("tonumber"),
    "tobool": _truth, "sensitive": _same, "nonsensitive": _same,
}


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
                text = _text(self.eval(part, scope))
                if isinstance(text, Unknown):
                    return text
                out.append(text)
            return "".join(out)
        if kind == "call":
            return self._call(tree, scope)
        if kind == "tuple":
            items = [self.eval(t, scope) for t in tree[1]]
            return _failed(*items) or items
        if kind == "object":
            obj: dict[str, Any] = {}
            for key_tree, value_tree in tree[1]:
                key = _text(self.eval(key_tree, scope))
                if isinstance(key, Unresolved) or opaque(key):
                    return Unresolved("an object key known after apply")
                obj[key] = self.eval(value_tree, scope)
            return _failed(*obj.values()) or obj
        if kind == "op":
            a, b = self.eval(tree[2], scope), self.eval(tree[3], scope)
            return _failed(a, b) or _binary(tree[1], a, b)
        if kind == "not":
            value = self.eval(tree[1], scope)
            truth = _truth(value)
            return _failed(value) or (truth if isinstance(truth, Unresolved) else not truth)
        if kind == "neg":
            value = self.eval(tree[1], scope)
            return _failed(value) or _binary("-", 0, value)
        if kind == "cond":
            value = self.eval(tree[1], scope)
            test = _truth(value)
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
                keep = _truth(self.eval(cond, inner))
                if isinstance(keep, Unresolved):
                    return keep
                if not keep:
                    continue
            if not is_object:
                items.append(self.eval(value_tree, inner))
                continue
            out_key = _text(self.eval(key_tree, inner))
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

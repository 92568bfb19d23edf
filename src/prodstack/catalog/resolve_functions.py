"""The Terraform functions the value resolver evaluates (resolve_eval.py): those policies and
the rules' attributes are written with. A function given a value only known after apply is
`Unresolved`; one given the wrong kind of value, `Failed` (an error whatever apply reveals);
any function not listed here is `Unresolved`, naming it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from prodstack.catalog.policy_match import opaque
from prodstack.catalog.resolve_values import Encoded, Failed, number, text, truth
from prodstack.tf.resource import Unknown, Unresolved, why_unknown


def _strings(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A function of known strings (unknown arguments make it unknown)."""
    def call(*args: Any) -> Any:
        texts = [text(a) for a in args]
        bad = [t for t in texts if isinstance(t, Unresolved)]
        return bad[0] if bad else fn(*texts)
    return call


def _join(sep: Any, items: Any) -> Any:
    if not isinstance(items, list):
        return Unresolved("join over a list known after apply")
    texts = [text(i) for i in items] + [text(sep)]
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
    return text(value)


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
    "tonumber": lambda v: number(v) if number(v) is not None else Unresolved("tonumber"),
    "tobool": truth, "sensitive": _same, "nonsensitive": _same,
}

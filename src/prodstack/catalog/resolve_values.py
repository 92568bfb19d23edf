"""Values of the expression evaluator (resolve_eval.py) and the operators over them.

A value is plain JSON-like data; a string may hold symbols and holes (policy_match) for the
parts only known after apply; `Unresolved` (with what it depends on) stands for a whole value
nobody can know before apply, and `Failed` for one Terraform would refuse whatever apply
reveals; `Encoded` is the result of `jsonencode`, kept as the structure it encodes. The
operators (`binary`, `truth`, `equal`) and the conversion to text follow Terraform's rules
and answer `Unresolved` where a value only known after apply decides.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from prodstack.catalog.policy_match import opaque
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


def text(value: Any) -> str | Unresolved:
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


def truth(value: Any) -> bool | Unresolved:
    if isinstance(value, Unknown):
        return Unresolved(*why_unknown(value))
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    return Unresolved("a condition that is not a bool")


def equal(a: Any, b: Any) -> bool | Unresolved:
    if isinstance(a, Unknown) or isinstance(b, Unknown):
        return Unresolved(*why_unknown(a if isinstance(a, Unknown) else b))
    if (isinstance(a, str) and opaque(a)) or (isinstance(b, str) and opaque(b)):
        return Unresolved("a comparison with a value known after apply")
    return a == b


def number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    try:
        return float(value) if isinstance(value, str) else None
    except ValueError:
        return None


def binary(op: str, a: Any, b: Any) -> Any:
    if op in ("==", "!="):
        eq = equal(a, b)
        return eq if isinstance(eq, Unresolved) else (eq if op == "==" else not eq)
    if op in ("&&", "||"):
        x, y = truth(a), truth(b)
        if op == "&&" and (x is False or y is False):
            return False
        if op == "||" and (x is True or y is True):
            return True
        return x if isinstance(x, Unresolved) else y
    for side in (a, b):
        if isinstance(side, Unknown):
            return Unresolved(*why_unknown(side))
    x, y = number(a), number(b)
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

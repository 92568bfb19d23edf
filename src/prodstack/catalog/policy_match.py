"""Matching for policy evaluation: three-valued logic (True, False, None: the plan cannot tell)
and wildcard matching of strings that may hold a `HOLE`, a part only known after apply (an ARN
whose account or bucket name Terraform learns during apply).

`glob("arn:aws:s3:::logs/*", f"arn:aws:s3:::{HOLE}/x")` is None: it matches if the bucket
turns out to be `logs`; `glob("*", …)` is True whatever fills the hole; a pattern no filling
can match is False.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

HOLE = "\x00"  # stands, inside a string, for a part only known after apply
Tri = bool | None
_DUMMIES = ("\x01hole-a\x01", "\x02hole-b\x02")


# -- three-valued logic ----------------------------------------------------------------------

def tri_and(*values: Tri) -> Tri:
    if any(v is False for v in values):
        return False
    return None if any(v is None for v in values) else True


def tri_or(*values: Tri) -> Tri:
    if any(v is True for v in values):
        return True
    return None if any(v is None for v in values) else False


def tri_not(value: Tri) -> Tri:
    return None if value is None else not value


# -- string matching with wildcards and holes ------------------------------------------------

@lru_cache(maxsize=4096)
def _regex(pattern: str, wildcards: bool) -> re.Pattern[str]:
    if not wildcards:
        return re.compile(re.escape(pattern), re.DOTALL)
    out = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(out, re.DOTALL)


def _tokens(text: str, wildcards: bool) -> tuple[str, ...]:
    """Characters, with `*` (any string) for a wildcard or a hole and `?` for one character."""
    out = []
    for c in text:
        if c == HOLE or (wildcards and c == "*"):
            out.append("*")
        elif wildcards and c == "?":
            out.append("?")
        else:
            out.append("=" + c)
    return tuple(out)


def _intersect(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """True when some string matches both token sequences."""
    @cache
    def go(i: int, j: int) -> bool:
        if i == len(a) and j == len(b):
            return True
        if i < len(a) and a[i] == "*":
            return go(i + 1, j) or (j < len(b) and go(i, j + 1))
        if j < len(b) and b[j] == "*":
            return go(i, j + 1) or (i < len(a) and go(i + 1, j))
        if i < len(a) and j < len(b) and (a[i] == b[j] or "?" in (a[i], b[j])):
            return go(i + 1, j + 1)
        return False

    return go(0, 0)


def glob(pattern: str, value: str, *, wildcards: bool = True, ignore_case: bool = False) -> Tri:
    """Does `value` match `pattern` (`*` and `?` when `wildcards`)? None when a `HOLE` in
    either makes it depend on what apply reveals."""
    if ignore_case:
        pattern, value = pattern.lower(), value.lower()
    if HOLE not in pattern and HOLE not in value:
        return _regex(pattern, wildcards).fullmatch(value) is not None
    if not _intersect(_tokens(pattern, wildcards), _tokens(value, False)):
        return False
    if HOLE not in pattern and all(_regex(pattern, wildcards).fullmatch(value.replace(HOLE, d))
                                   for d in _DUMMIES):
        return True
    return None


def arn_glob(pattern: str, value: str) -> Tri:
    """ArnLike matching: each of the six colon-separated parts on its own (a `*` does not
    cross a colon, except in the last part, the resource)."""
    if pattern == "*":
        return True
    if not (pattern.startswith("arn:") and value.startswith("arn:")):
        return glob(pattern, value)
    left, right = pattern.split(":", 5), value.split(":", 5)
    if len(left) != len(right):
        return False
    return tri_and(*(glob(p, v) for p, v in zip(left, right, strict=True)))


def numeric(op: str, pattern: str, text: str) -> Tri:
    """The Numeric* condition operators (None when either side is not a number)."""
    try:
        a, b = float(text), float(pattern)
    except ValueError:
        return None
    return {"NumericEquals": a == b, "NumericLessThan": a < b, "NumericLessThanEquals": a <= b,
            "NumericGreaterThan": a > b, "NumericGreaterThanEquals": a >= b}.get(op)

"""Matching for policy evaluation: three-valued logic (True, False, None: the plan cannot tell)
and wildcard matching of strings that may hold a `HOLE`, a part only known after apply (an ARN
whose account or bucket name Terraform learns during apply), or a *symbol*: a part only known
after apply that has a name ("the name of aws_s3_bucket.logs", "the account id").

`glob("arn:aws:s3:::logs/*", f"arn:aws:s3:::{HOLE}/x")` is None: it matches if the bucket
turns out to be `logs`; `glob("*", …)` is True whatever fills the hole; a pattern no filling
can match is False. A symbol is a hole that is the same wherever it appears: a statement on
`arn:aws:s3:::<name of logs>/*` certainly covers `arn:aws:s3:::<name of logs>/AWSLogs/x`
(True), and may or may not cover another bucket's objects (None).
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

HOLE = "\x00"  # stands, inside a string, for a part only known after apply
Tri = bool | None
_DUMMIES = ("\x01hole-a\x01", "\x02hole-b\x02")
_FIRST_SYMBOL = 0xF0000  # supplementary private use area A: never in a real ARN or name
_SYMBOLS: dict[str, str] = {}  # description -> its character
_DESCRIPTIONS: dict[str, str] = {}  # character -> description


# -- symbols ---------------------------------------------------------------------------------

def symbol(description: str) -> str:
    """The one-character symbol standing for a value only known after apply, named by
    `description` ("the ARN of aws_kms_key.logs"): the same description, the same symbol."""
    found = _SYMBOLS.get(description)
    if found is None:
        found = chr(_FIRST_SYMBOL + len(_SYMBOLS))
        _SYMBOLS[description] = found
        _DESCRIPTIONS[found] = description
    return found


def is_symbol(char: str) -> bool:
    return char in _DESCRIPTIONS


def unknowns(text: str) -> list[str]:
    """What a string does not know: the descriptions of its symbols, and "a value known after
    apply" for each hole, in order, without repeats."""
    if not opaque(text):
        return []
    out: list[str] = []
    for char in text:
        if char == HOLE:
            out.append("a value known after apply")
        elif char in _DESCRIPTIONS:
            out.append(_DESCRIPTIONS[char])
    return list(dict.fromkeys(out))


def shown(text: str) -> str:
    """A string for a message: holes as `…`, symbols as `${description}`."""
    if not opaque(text):
        return text
    return "".join("…" if c == HOLE else f"${{{_DESCRIPTIONS[c]}}}" if c in _DESCRIPTIONS
                   else c for c in text)


def opaque(text: str) -> bool:
    """Does the string hold a hole or a symbol? (Symbols are the only characters from
    `_FIRST_SYMBOL` up: `max` finds one at C speed.)"""
    return HOLE in text or (bool(text) and ord(max(text)) >= _FIRST_SYMBOL)


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
    """Characters, with `*` (any string) for a wildcard, a hole or a symbol (which may be any
    string too), and `?` for one character."""
    out = []
    for c in text:
        if c == HOLE or c in _DESCRIPTIONS or (wildcards and c == "*"):
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


def _fill(text: str, dummy: int) -> str:
    """The symbols of a string replaced by a dummy value of their own (the same symbol, the
    same value)."""
    if not opaque(text):
        return text
    return "".join(f"\x03{ord(c)}-{dummy}\x03" if c in _DESCRIPTIONS else c for c in text)


def _common_symbols(pattern: str, value: str, wildcards: bool) -> tuple[str, str]:
    """Both strings without the literal prefix they share up to their last common symbol
    (the same symbol stands for the same text, so it cancels out)."""
    cut = 0
    for i, (a, b) in enumerate(zip(pattern, value, strict=False)):
        if a != b or a == HOLE or (wildcards and a in "*?"):
            break
        if a in _DESCRIPTIONS:
            cut = i + 1
    return pattern[cut:], value[cut:]


def glob(pattern: str, value: str, *, wildcards: bool = True, ignore_case: bool = False) -> Tri:
    """Does `value` match `pattern` (`*` and `?` when `wildcards`)? None when a `HOLE` or a
    symbol in either makes it depend on what apply reveals; a symbol matches itself."""
    if ignore_case:
        pattern, value = pattern.lower(), value.lower()
    if not opaque(pattern) and not opaque(value):
        return _regex(pattern, wildcards).fullmatch(value) is not None
    pattern, value = _common_symbols(pattern, value, wildcards)
    if not opaque(pattern) and not opaque(value):
        return _regex(pattern, wildcards).fullmatch(value) is not None
    if not _intersect(_tokens(pattern, wildcards), _tokens(value, False)):
        return False
    if HOLE not in pattern and all(
            _regex(_fill(pattern, i), wildcards).fullmatch(_fill(value, i).replace(HOLE, d))
            for i, d in enumerate(_DUMMIES)):
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

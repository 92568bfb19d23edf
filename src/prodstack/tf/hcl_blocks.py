"""A small reader of HCL native syntax: a tokenizer and brace scanner giving blocks, labels
and literal attribute values (an attribute that is not a literal reads as `EXPR`), each token's
offset (and, on request, the comments) and each block's lines. Enough for the blocks the folder
reader needs (backend, lifecycle, locals: tf/folder.py), for the module tree (tf/modtree.py)
and for the audit's locations.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

EXPR = "<expression>"  # an attribute whose value is not a literal
_IDENT = re.compile(r"[A-Za-z0-9_.\-*]+")
_HEREDOC = re.compile(r"<<-?([A-Za-z_][A-Za-z0-9_]*)[ \t]*\n")


@dataclass
class Block:
    type: str
    labels: list[str]
    attrs: dict[str, Any] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)
    line: int = 0  # where the block starts (its type keyword) and ends (its closing brace)
    end_line: int = 0


# -- HCL tokens ------------------------------------------------------------------------------

Token = tuple[str, Any]  # kind ("ident", "str", "nl", "sym"), value


def _string(text: str, i: int) -> tuple[str | None, int]:
    """A quoted string starting after its opening quote; None when it holds a template."""
    out: list[str] = []
    literal = True
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
        elif ch == '"':
            return ("".join(out) if literal else None), i + 1
        elif ch in "$%" and text.startswith("{", i + 1):
            literal = False
            i = _skip_template(text, i + 2)
        else:
            out.append(ch)
            i += 1
    return None, i


def _skip_template(text: str, i: int) -> int:
    depth = 1
    while i < len(text) and depth:
        ch = text[i]
        if ch == '"':
            _, i = _string(text, i + 1)
            continue
        depth += {"{": 1, "}": -1}.get(ch, 0)
        i += 1
    return i


def scan(text: str, comments: bool = False) -> Iterator[tuple[str, Any, int]]:
    """Tokens with the offset where each starts; with `comments`, also ("comment", text)."""
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        start = i
        if ch == "\n":
            yield "nl", "\n", start
            i += 1
        elif ch in " \t\r":
            i += 1
        elif ch == "#" or text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
            if comments:
                yield "comment", text[start:i], start
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif ch == '"':
            value, i = _string(text, i + 1)
            yield "str", value, start
        elif text.startswith("<<", i) and (m := _HEREDOC.match(text, i)):
            marker = re.compile(rf"^[ \t]*{m.group(1)}[ \t]*$", re.M)
            end = marker.search(text, m.end())
            i = n if end is None else end.end()
            yield "str", None, start
        elif m := _IDENT.match(text, i):
            yield "ident", m.group(0), start
            i = m.end()
        else:
            yield "sym", ch, start
            i += 1


def tokens(text: str) -> Iterator[Token]:
    for kind, value, _ in scan(text):
        yield kind, value


class LineOf:
    """The 1-based line of an offset in a text."""

    def __init__(self, text: str) -> None:
        self._breaks = [m.start() for m in re.finditer("\n", text)]

    def __call__(self, offset: int) -> int:
        return bisect.bisect_left(self._breaks, offset) + 1


def _value(toks: list[Token]) -> Any:
    if len(toks) == 1:
        kind, val = toks[0]
        if kind == "str":
            return EXPR if val is None else val
        if kind == "ident":
            if val in ("true", "false"):
                return val == "true"
            if re.fullmatch(r"-?\d+(\.\d+)?", val):
                return float(val) if "." in val else int(val)
            return val if val in ("all", "null") else EXPR
    if toks and toks[0] == ("sym", "[") and toks[-1] == ("sym", "]"):
        items = [v for k, v in toks[1:-1] if k in ("ident", "str") and v is not None]
        return [str(v) for v in items]
    return EXPR


def parse_hcl(text: str) -> Block:
    """The file as a body: attributes with literal values, and nested blocks (each with the
    lines it starts and ends on)."""
    line_of = LineOf(text)
    scanned = list(scan(text))
    toks = [(kind, value) for kind, value, _ in scanned]
    lines = [line_of(offset) for _, _, offset in scanned]
    root = Block("", [])
    _body(toks, 0, root, lines)
    return root


def _body(toks: list[Token], i: int, block: Block, lines: list[int]) -> int:
    n = len(toks)
    while i < n:
        kind, val = toks[i]
        if (kind, val) == ("sym", "}"):
            return i + 1
        if kind != "ident":
            i += 1
            continue
        if i + 1 < n and toks[i + 1] == ("sym", "="):
            j, depth, expr = i + 2, 0, []
            while j < n:
                k, v = toks[j]
                if k == "sym" and v in "([{":
                    depth += 1
                elif k == "sym" and v in ")]}":
                    if depth == 0:
                        break
                    depth -= 1
                elif k == "nl" and depth == 0:
                    break
                expr.append(toks[j])
                j += 1
            block.attrs[val] = _value([t for t in expr if t[0] != "nl"])
            i = j
            continue
        labels, j = [], i + 1
        while j < n and toks[j][0] in ("str", "ident"):
            labels.append(str(toks[j][1]))
            j += 1
        if j < n and toks[j] == ("sym", "{"):
            child = Block(val, labels, line=lines[i])
            block.blocks.append(child)
            i = _body(toks, j + 1, child, lines)
            child.end_line = lines[min(i, n) - 1]
        else:
            i = j
    return i

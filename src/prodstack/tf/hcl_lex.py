"""The tokens of HCL native syntax, for the expression parser (hcl_expr.py): numbers,
identifiers, operators, newlines, and strings and heredocs as templates (literal parts and the
source of each `${…}` interpolation; a `%{…}` directive is kept as a marker, never evaluated).

Comments (`#`, `//`, `/* */`) are dropped. A string's escapes are decoded as HCL does (`\\n`,
`\\"`, `\\uXXXX`, `$${` for a literal `${`); a heredoc's are not (`<<-` strips the common
indent).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
_NUMBER = re.compile(r"\d+(\.\d+)?([eE][+-]?\d+)?")
_HEREDOC = re.compile(r"<<(-?)([A-Za-z_][A-Za-z0-9_]*)[ \t]*\r?\n")
_OPERATORS = ("==", "!=", "<=", ">=", "&&", "||", "=>", "...", "::")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}

# a template's parts: literal text, ("expr", source of an interpolation), ("directive", source)
Part = str | tuple[str, str]


@dataclass(frozen=True)
class Token:
    kind: str  # "num", "ident", "str", "op", "nl", "eof"
    value: object
    pos: int


def _closing(text: str, i: int) -> int:
    """The index of the `}` that closes an interpolation whose body starts at `i`."""
    depth = 1
    while i < len(text):
        ch = text[i]
        if ch == '"':
            _, i = _quoted(text, i + 1)
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return len(text)


def _template(text: str, i: int, end_quote: bool, escapes: bool) -> tuple[list[Part], int]:
    parts: list[Part] = []
    buf: list[str] = []
    n = len(text)
    while i < n:
        ch = text[i]
        if end_quote and ch == '"':
            i += 1
            break
        if escapes and ch == "\\" and i + 1 < n:
            nxt = text[i + 1]
            if nxt == "u" and re.fullmatch(r"[0-9A-Fa-f]{4}", text[i + 2:i + 6]):
                buf.append(chr(int(text[i + 2:i + 6], 16)))
                i += 6
            else:
                buf.append(_ESCAPES.get(nxt, nxt))
                i += 2
            continue
        if ch in "$%" and text.startswith(ch + ch + "{", i):
            buf.append(ch + "{")
            i += 3
            continue
        if ch in "$%" and text.startswith("{", i + 1):
            end = _closing(text, i + 2)
            if buf:
                parts.append("".join(buf))
                buf = []
            inner = text[i + 2:end].strip().removeprefix("~").removesuffix("~").strip()
            parts.append(("expr" if ch == "$" else "directive", inner))
            i = end + 1
            continue
        buf.append(ch)
        i += 1
    if buf:
        parts.append("".join(buf))
    return parts, i


def _quoted(text: str, i: int) -> tuple[list[Part], int]:
    return _template(text, i, end_quote=True, escapes=True)


def template(text: str) -> list[Part]:
    """A template's parts from its text (a `.tf.json` string, a heredoc's body)."""
    return _template(text, 0, end_quote=False, escapes=False)[0]


def _heredoc(text: str, match: re.Match[str]) -> tuple[list[Part], int]:
    marker = re.compile(rf"^[ \t]*{re.escape(match.group(2))}[ \t]*$", re.M)
    end = marker.search(text, match.end())
    body = text[match.end():end.start() if end else len(text)]
    if match.group(1):  # <<-: strip the smallest indent of the non-blank lines
        lines = body.split("\n")
        indents = [len(line) - len(line.lstrip(" \t")) for line in lines if line.strip()]
        cut = min(indents, default=0)
        body = "\n".join(line[cut:] for line in lines)
    return template(body), end.end() if end else len(text)


def tokens(text: str) -> list[Token]:
    out: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\n":
            out.append(Token("nl", "\n", i))
            i += 1
        elif ch in " \t\r":
            i += 1
        elif ch == "#" or text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif ch == '"':
            parts, j = _quoted(text, i + 1)
            out.append(Token("str", parts, i))
            i = j
        elif text.startswith("<<", i) and (m := _HEREDOC.match(text, i)):
            parts, j = _heredoc(text, m)
            out.append(Token("str", parts, i))
            i = j
        elif ch.isdigit() and (m := _NUMBER.match(text, i)):
            value = m.group(0)
            out.append(Token("num", float(value) if any(c in value for c in ".eE")
                             else int(value), i))
            i = m.end()
        elif m := _IDENT.match(text, i):
            out.append(Token("ident", m.group(0), i))
            i = m.end()
        else:
            op = next((o for o in _OPERATORS if text.startswith(o, i)), ch)
            out.append(Token("op", op, i))
            i += len(op)
    out.append(Token("eof", None, n))
    return out

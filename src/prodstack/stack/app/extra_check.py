"""What Terraform would refuse in the user's `extra_config` files, found at synth and named by
the user's own file and line (Terraform itself would name the copy in the working folder,
and only at plan time):

- HCL syntax (`check_hcl`): a body is attributes (`name = expression`, one per line) and
  blocks (`type "label" … { body }`); unbalanced braces, a missing `=` or `{`, an expression
  that does not parse, an unterminated string or comment. Expressions are read by the
  audit's HCL parser (tf/hcl_expr.py); this module adds the strictness around them;
- references to `local.prodstack.<name>` (`check_locals`) that `local.prodstack` does not
  have, with the names it has and the closest one.

JSON files are parsed by `extra` itself (json.loads names the line).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import Any

from prodstack.tf.hcl_expr import _Parser
from prodstack.tf.hcl_lex import Token, tokens

_REFERENCE = re.compile(r"\blocal\.prodstack\.([A-Za-z_][A-Za-z0-9_-]*)")
_CLOSE = {"{": "}", "(": ")", "[": "]"}


class HclError(Exception):
    def __init__(self, pos: int, what: str) -> None:
        super().__init__(what)
        self.pos, self.what = pos, what


def line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, max(0, min(pos, len(text)))) + 1


def _shown(tok: Token) -> str:
    if tok.kind == "eof":
        return "the end of the file"
    if tok.kind == "nl":
        return "the end of the line"
    return repr(tok.value) if tok.kind != "str" else "a string"


def _bad(tree: Any) -> bool:
    """A tree (or a template's interpolation) the parser could not read."""
    if isinstance(tree, tuple) and tree:
        if tree[0] == "bad":
            return True
        return any(_bad(item) for item in tree[1:])
    if isinstance(tree, list):
        return any(_bad(item) for item in tree)
    return False


class _Strict(_Parser):
    """Bodies as Terraform reads them: nothing skipped."""

    text = ""  # the file, for line numbers in messages

    def postfix(self, tree: Any) -> Any:
        tree = super().postfix(tree)
        while tree[0] == "splat" and (self.at("[") or self.at(".")):
            tree = super().postfix(tree)  # a[*].b[*].c: the audit's parser stops at one
        return tree

    def strict_body(self, opened: Token | None) -> None:
        while True:
            while self.toks[self.i].kind == "nl":
                self.i += 1
            tok = self.toks[self.i]
            if tok.kind == "eof":
                if opened is not None:
                    raise HclError(opened.pos, "this block's `{` is never closed")
                return
            if tok.kind == "op" and tok.value == "}":
                if opened is None:
                    raise HclError(tok.pos, "a `}` that closes nothing")
                self.i += 1
                return
            if tok.kind != "ident":
                raise HclError(tok.pos, f"expected an attribute or a block, found {_shown(tok)}")
            self.i += 1
            if self.toks[self.i].kind == "op" and self.toks[self.i].value == "=":
                self.i += 1
                self._value(tok)
                continue
            words = [str(tok.value)]
            while self.toks[self.i].kind in ("str", "ident"):
                label = self.toks[self.i]
                words.append(str(label.value) if label.kind == "ident" else '"' + "".join(
                    part for part in label.value if isinstance(part, str)) + '"')
                self.i += 1
            brace = self.toks[self.i]
            if not (brace.kind == "op" and brace.value == "{"):
                raise HclError(brace.pos, f"expected `=` or `{{` after {' '.join(words)!r}, "
                               f"found {_shown(brace)}")
            self.i += 1
            self.nesting.append(False)
            self.strict_body(brace)
            self.nesting.pop()

    def _value(self, name: Token) -> None:
        start = self.toks[self.i]
        if start.kind in ("nl", "eof"):
            raise HclError(start.pos, f"{name.value!r} has `=` but no value")
        try:
            tree = self.expression()
        except (SyntaxError, IndexError, RecursionError):
            at = self.toks[min(self.i, len(self.toks) - 1)]
            raise HclError(start.pos, f"the value of {name.value!r} does not parse (stopped at "
                           f"{_shown(at)}, line {line_of(self.text, at.pos)})") from None
        if _bad(tree):
            raise HclError(start.pos, f"the value of {name.value!r} has an interpolation "
                           "that does not parse")
        end = self.toks[self.i]
        if end.kind not in ("nl", "eof") and not (end.kind == "op" and end.value == "}"):
            raise HclError(end.pos, f"unexpected {_shown(end)} after the value of "
                           f"{name.value!r} (one attribute per line)")


def _unterminated(text: str) -> HclError | None:
    """A string or a `/*` comment that runs to the end of the file."""
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            start, i, depth = i, i + 1, 0
            while i < n and not (text[i] == '"' and depth == 0):
                if text[i] == "\\":
                    i += 1
                elif text.startswith(("${", "%{"), i):
                    depth += 1
                    i += 1
                elif text[i] == "}" and depth:
                    depth -= 1
                elif text[i] == "\n" and depth == 0:
                    return HclError(start, "a string is not closed on its line")
                i += 1
            if i >= n:
                return HclError(start, "a string is never closed")
        elif ch == "#" or text.startswith("//", i):
            i = text.find("\n", i)
            i = n if i < 0 else i
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                return HclError(i, "a `/*` comment is never closed")
            i = end + 1
        elif text.startswith("<<", i) and (m := re.match(r"<<-?([A-Za-z_]\w*)[ \t]*\n", text[i:])):
            close = re.compile(rf"^[ \t]*{re.escape(m.group(1))}[ \t]*$", re.MULTILINE)
            found = close.search(text, i + m.end())
            if not found:
                return HclError(i, f"the heredoc {m.group(1)} is never closed")
            i = found.end()
        i += 1
    return None


def check_hcl(text: str) -> HclError | None:
    """The first syntax error of an HCL file, or None."""
    problem = _unterminated(text)
    if problem:
        return problem
    parser = _Strict(tokens(text))
    parser.text = text
    try:
        parser.strict_body(None)
    except HclError as exc:
        return exc
    return None


def _without_comments(text: str) -> str:
    """The text with HCL comments blanked (lines kept), strings left alone."""
    out = list(text)
    i, n = 0, len(text)
    while i < n:
        if text[i] == '"':
            i += 1
            while i < n and text[i] not in '"\n':
                i += 2 if text[i] == "\\" else 1
        elif text[i] == "#" or text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
            out[i:end] = " " * (end - i)
            i = end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out[i:end] = ["\n" if c == "\n" else " " for c in text[i:end]]
            i = end
        i += 1
    return "".join(out)


def unknown_locals(text: str, known: Iterable[str],
                   hcl: bool = True) -> list[tuple[int, str, str | None]]:
    """(line, name, closest known name) of every `local.prodstack.<name>` that is not known."""
    names = set(known)
    body = _without_comments(text) if hcl else text
    found = []
    for match in _REFERENCE.finditer(body):
        name = match.group(1)
        if name not in names:
            close = difflib.get_close_matches(name, sorted(names), n=1)
            found.append((line_of(body, match.start()), name, close[0] if close else None))
    return found

"""HCL expressions and bodies as trees, for the audit's value resolver (catalog/resolve.py).

`parse_body(text)` reads a `.tf` file into a `Body`: its attributes (name -> expression tree)
and its blocks (type, labels, body), nested. `from_json(value)` reads a `.tf.json` value the
same way (its strings are templates). An expression tree is a tuple whose first item names it:

    ("lit", value)                      a number, string, bool or null
    ("tmpl", parts)                     a string template: str, or a tree per interpolation,
                                        or ("directive",) for a %{…} the resolver cannot run
    ("ref", name)                       a root name: var, local, aws_s3_bucket, each, …
    ("attr", tree, name) / ("index", tree, key tree) / ("splat", tree, names)
    ("call", name, args, expand)        a function call (expand: the last argument is `...`)
    ("tuple", items) / ("object", [(key tree, value tree)])
    ("op", operator, a, b) / ("not", a) / ("neg", a) / ("cond", test, a, b)
    ("for", is_object, key name, value name, collection, key tree, value tree, cond, group)
    ("bad", source)                     what the parser could not read

Nothing here evaluates: the resolver does, with the plan beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from prodstack.tf.hcl_lex import Token, template, tokens

Tree = tuple[Any, ...]
_BINARY = {"||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, ">": 4, "<=": 4, ">=": 4, "+": 5,
           "-": 5, "*": 6, "/": 6, "%": 6}
_OPEN = {"(": ")", "[": "]", "{": "}"}


@dataclass
class Body:
    attrs: dict[str, Tree] = field(default_factory=dict)
    blocks: list[tuple[str, tuple[str, ...], Body]] = field(default_factory=list)

    def children(self, kind: str) -> list[Body]:
        return [body for type_, _, body in self.blocks if type_ == kind]


class _Parser:
    def __init__(self, toks: list[Token]) -> None:
        self.toks = toks
        self.i = 0
        self.nesting = [False]  # skip newlines inside (), [] and {}

    # -- tokens ----------------------------------------------------------------------------

    def peek(self) -> Token:
        if self.nesting[-1]:
            while self.toks[self.i].kind == "nl":
                self.i += 1
        return self.toks[self.i]

    def next(self) -> Token:
        tok = self.peek()
        if tok.kind != "eof":
            self.i += 1
        return tok

    def at(self, value: str) -> bool:
        tok = self.peek()
        return tok.kind in ("op", "ident") and tok.value == value

    def expect(self, value: str) -> None:
        tok = self.next()
        if tok.value != value:
            raise SyntaxError(f"expected {value!r} at {tok.pos}, found {tok.value!r}")

    def enter(self, skip: bool) -> None:
        self.nesting.append(skip)

    def leave(self) -> None:
        self.nesting.pop()

    # -- expressions -----------------------------------------------------------------------

    def expression(self) -> Tree:
        test = self.binary(1)
        if self.at("?"):
            self.next()
            self.enter(True)
            yes = self.expression()
            self.expect(":")
            self.leave()
            no = self.expression()
            return ("cond", test, yes, no)
        return test

    def binary(self, level: int) -> Tree:
        left = self.unary()
        while True:
            tok = self.peek()
            rank = _BINARY.get(str(tok.value)) if tok.kind == "op" else None
            if rank is None or rank < level:
                return left
            self.next()
            left = ("op", tok.value, left, self.binary(rank + 1))

    def unary(self) -> Tree:
        if self.at("!"):
            self.next()
            return ("not", self.unary())
        if self.at("-"):
            self.next()
            return ("neg", self.unary())
        return self.postfix(self.primary())

    def postfix(self, tree: Tree) -> Tree:
        while True:
            if self.at(".") and self.toks[self.i + 1].value == "*":
                self.i += 2
                return ("splat", tree, self.names())
            if self.at("."):
                self.next()
                tok = self.next()
                tree = ("index", tree, ("lit", tok.value)) if tok.kind == "num" \
                    else ("attr", tree, str(tok.value))
            elif self.at("[") and self.toks[self.i + 1].value == "*":
                self.i += 2
                self.expect("]")
                return ("splat", tree, self.names())
            elif self.at("["):
                self.next()
                self.enter(True)
                key = self.expression()
                self.expect("]")
                self.leave()
                tree = ("index", tree, key)
            else:
                return tree

    def names(self) -> tuple[str, ...]:
        out = []
        while self.at(".") and self.toks[self.i + 1].kind == "ident":
            self.next()
            out.append(str(self.next().value))
        return tuple(out)

    def primary(self) -> Tree:
        tok = self.next()
        if tok.kind == "num":
            return ("lit", tok.value)
        if tok.kind == "str":
            return template_tree(tok.value)  # type: ignore[arg-type]
        if tok.kind == "ident":
            name = str(tok.value)
            if name in ("true", "false", "null"):
                return ("lit", {"true": True, "false": False, "null": None}[name])
            while self.at("::"):  # provider::ns::function
                self.next()
                name += "::" + str(self.next().value)
            if self.at("("):
                return self.call(name)
            return ("ref", name)
        if tok.value == "(":
            self.enter(True)
            inner = self.expression()
            self.expect(")")
            self.leave()
            return inner
        if tok.value == "[":
            return self.collection("]")
        if tok.value == "{":
            return self.collection("}")
        raise SyntaxError(f"unexpected {tok.value!r} at {tok.pos}")

    def call(self, name: str) -> Tree:
        self.next()
        self.enter(True)
        args: list[Tree] = []
        expand = False
        while not self.at(")"):
            args.append(self.expression())
            if self.at("..."):
                self.next()
                expand = True
            if self.at(","):
                self.next()
        self.expect(")")
        self.leave()
        return ("call", name, tuple(args), expand)

    def collection(self, close: str) -> Tree:
        self.enter(True)
        if self.at("for"):
            tree = self.for_expression(close == "}")
        elif close == "]":
            items = []
            while not self.at("]"):
                items.append(self.expression())
                if self.at(","):
                    self.next()
            tree = ("tuple", tuple(items))
        else:
            pairs = []
            while not self.at("}"):
                key = self.expression()
                if key[0] == "ref":  # a bare key is a string, not a reference
                    key = ("lit", key[1])
                self.next()  # = or :
                pairs.append((key, self.expression()))
                if self.at(","):
                    self.next()
            tree = ("object", tuple(pairs))
        self.expect(close)
        self.leave()
        return tree

    def for_expression(self, is_object: bool) -> Tree:
        self.next()
        first = str(self.next().value)
        second = None
        if self.at(","):
            self.next()
            second = str(self.next().value)
        self.expect("in")
        collection = self.expression()
        self.expect(":")
        key = self.expression() if is_object else None
        if is_object:
            self.expect("=>")
        value = self.expression()
        group = False
        if self.at("..."):
            self.next()
            group = True
        cond = None
        if self.at("if"):
            self.next()
            cond = self.expression()
        key_name, value_name = (first, second) if second else (None, first)
        return ("for", is_object, key_name, value_name, collection, key, value, cond, group)

    # -- bodies ----------------------------------------------------------------------------

    def body(self, until: str | None) -> Body:
        out = Body()
        while True:
            tok = self.peek()
            if tok.kind == "eof" or (until and tok.value == until and tok.kind == "op"):
                return out
            if tok.kind != "ident":
                self.next()
                continue
            start = self.i
            self.next()
            if self.at("="):
                self.next()
                out.attrs[str(tok.value)] = self.attribute(start)
                continue
            labels = []
            while self.peek().kind in ("str", "ident"):
                label = self.next().value
                labels.append("".join(p for p in label if isinstance(p, str))
                              if isinstance(label, list) else str(label))
            if self.at("{"):
                self.next()
                self.enter(False)
                inner = self.body("}")
                self.leave()
                self.next()
                out.blocks.append((str(tok.value), tuple(labels), inner))

    def attribute(self, start: int) -> Tree:
        mark = self.i
        try:
            return self.expression()
        except (SyntaxError, IndexError, RecursionError):
            self.i = mark
            depth = 0
            while self.peek().kind != "eof":  # skip to the end of the attribute
                tok = self.peek()
                if tok.kind == "nl" and depth == 0:
                    break
                if tok.kind == "op" and tok.value in _OPEN:
                    depth += 1
                elif tok.kind == "op" and tok.value in _OPEN.values():
                    if depth == 0:
                        break
                    depth -= 1
                self.next()
            return ("bad", self.toks[start].pos)


def template_tree(parts: list[Any]) -> Tree:
    """A template's tree; a lone interpolation (`"${x}"`) is the expression itself."""
    out: list[Any] = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        elif part[0] == "expr":
            out.append(parse_expression(part[1]))
        else:
            out.append(("directive",))
    if not out:
        return ("lit", "")
    if len(out) == 1 and isinstance(out[0], str):
        return ("lit", out[0])
    if len(out) == 1 and out[0][0] != "directive":
        return out[0]
    return ("tmpl", tuple(out))


def parse_expression(text: str) -> Tree:
    parser = _Parser(tokens(text))
    parser.nesting = [True]
    try:
        return parser.expression()
    except (SyntaxError, IndexError, RecursionError):
        return ("bad", text)


def parse_body(text: str) -> Body:
    return _Parser(tokens(text)).body(None)


def from_json(value: Any) -> Tree:
    """A `.tf.json` value as a tree: its strings are templates."""
    if isinstance(value, str):
        return template_tree(template(value))
    if isinstance(value, list):
        return ("tuple", tuple(from_json(v) for v in value))
    if isinstance(value, dict):
        return ("object", tuple((("lit", k), from_json(v)) for k, v in value.items()
                                if k != "//"))
    return ("lit", value)

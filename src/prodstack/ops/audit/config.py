"""What a plan does not show, read from the configuration folder: backends, `ignore_changes`
and `locals`.

A plan JSON holds neither the `backend` block (FM-1.2, FM-1.3) nor `lifecycle` (FM-X3) nor
`locals`, so for a folder the audit reads them from the files: `*.tf` (HCL, through a small
tokenizer and brace scanner: blocks, labels and literal attribute values, enough for these
blocks), `*.tf.json`, and partial backend settings in `*.tfbackend` / `backend*.hcl` files,
which `terraform init -backend-config=FILE` would take. The locals of every module the root
reaches (tf/modtree.py walks the tree) let the plan reader follow `local.*` references
(FM-4.3). The tokenizer also gives each token's offset (and, on request, the comments) and
each block its lines, for locations.py and modtree.py.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prodstack.core.errors import UserError, cannot_read

EXPR = "<expression>"  # an attribute whose value is not a literal
_IDENT = re.compile(r"[A-Za-z0-9_.\-*]+")
_HEREDOC = re.compile(r"<<-?([A-Za-z_][A-Za-z0-9_]*)[ \t]*\n")
_BACKEND_FILES = ("*.tfbackend", "backend*.hcl", "*.backend.hcl")


@dataclass(frozen=True)
class Backend:
    kind: str
    settings: dict[str, Any]
    source: str


@dataclass
class FolderConfig:
    backends: list[Backend] = field(default_factory=list)
    backend_config: dict[str, Any] = field(default_factory=dict)  # from -backend-config files
    backend_config_files: list[str] = field(default_factory=list)
    ignore_changes: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)
    # module path -> local name -> the references in its expression (tf/plan.Locals); None
    # when not read (the plan reader then cannot follow `local.*`)
    locals: dict[str, dict[str, list[str]]] | None = None
    # every module's expressions, read on first use (tf/hcl_config.Expressions), for the
    # audit's value resolver; None when not read
    expressions: Any = None

    def ignored(self, type_: str, name: str, attr: str) -> bool:
        attrs = self.ignore_changes.get((type_, name), frozenset())
        return attr in attrs or "all" in attrs


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


# -- reading a folder ------------------------------------------------------------------------


def _json_blocks(value: Any) -> list[dict[str, Any]]:
    """JSON syntax allows a block to be an object or a list of objects."""
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    return []


def backends_from_json(doc: Any, source: str) -> list[Backend]:
    out = []
    for terraform in _json_blocks(doc.get("terraform") if isinstance(doc, dict) else None):
        for backend in _json_blocks(terraform.get("backend")):
            for kind, body in backend.items():
                for settings in _json_blocks(body) or [{}]:
                    out.append(Backend(kind, dict(settings), source))
    return out


def _ignores_from_json(doc: Any) -> Iterator[tuple[tuple[str, str], set[str]]]:
    resources = doc.get("resource") if isinstance(doc, dict) else None
    for group in _json_blocks(resources):
        for type_, named in group.items():
            for by_name in _json_blocks(named):
                for name, body in by_name.items():
                    for res in _json_blocks(body):
                        for lifecycle in _json_blocks(res.get("lifecycle")):
                            attrs = lifecycle.get("ignore_changes")
                            if isinstance(attrs, str):
                                attrs = [attrs]
                            if isinstance(attrs, list):
                                yield (type_, name), {str(a).split(".")[0] for a in attrs}


def _ignores_from_hcl(body: Block) -> Iterator[tuple[tuple[str, str], set[str]]]:
    for res in body.blocks:
        if res.type != "resource" or len(res.labels) != 2:
            continue
        for lifecycle in res.blocks:
            attrs = lifecycle.attrs.get("ignore_changes") if lifecycle.type == "lifecycle" else None
            if isinstance(attrs, str):
                attrs = [attrs]
            if isinstance(attrs, list):
                yield (res.labels[0], res.labels[1]), {a.split(".")[0] for a in attrs}


def read_texts(files: dict[str, str], root_files: set[str] | None = None) -> FolderConfig:
    """Read configuration from file name -> text; backends only from `root_files`."""
    config = FolderConfig()
    ignores: dict[tuple[str, str], set[str]] = {}
    for name, text in sorted(files.items()):
        in_root = root_files is None or name in root_files
        if name.endswith(".tf.json"):
            try:
                doc = json.loads(text)
            except json.JSONDecodeError as exc:
                raise UserError(f"{name}: not valid JSON ({exc.msg}, line {exc.lineno})",
                                exit_code=2) from None
            if in_root:
                config.backends.extend(backends_from_json(doc, name))
            found = list(_ignores_from_json(doc))
        elif name.endswith(".tf"):
            body = parse_hcl(text)
            if in_root:
                config.backends.extend(
                    Backend(b.labels[0], dict(b.attrs), name)
                    for t in body.blocks if t.type == "terraform"
                    for b in t.blocks if b.type == "backend" and b.labels)
            found = list(_ignores_from_hcl(body))
        else:
            if in_root:
                config.backend_config.update(parse_hcl(text).attrs)
                config.backend_config_files.append(name)
            continue
        for key, attrs in found:
            ignores.setdefault(key, set()).update(attrs)
    config.ignore_changes = {k: frozenset(v) for k, v in ignores.items()}
    return config


def from_document(doc: dict[str, Any], source: str) -> FolderConfig:
    """The configuration of a Terraform JSON document built in memory (prodstack's own)."""
    from prodstack.tf import hcl_config
    from prodstack.tf.modtree import document_locals

    ignores: dict[tuple[str, str], set[str]] = {}
    for key, attrs in _ignores_from_json(doc):
        ignores.setdefault(key, set()).update(attrs)
    return FolderConfig(backends=backends_from_json(doc, source),
                        ignore_changes={k: frozenset(v) for k, v in ignores.items()},
                        locals={"": document_locals(doc)},
                        expressions=hcl_config.from_document(doc))


def read_locals(folder: Path) -> tuple[dict[str, dict[str, list[str]]], Any]:
    """The locals of every module the folder's root reaches (local sources, and the modules
    its `terraform init` installed), by module path (tf/plan.Locals); and their expressions
    (tf/hcl_config.Expressions, each module read on first use)."""
    from prodstack.tf.hcl_config import Expressions, read_module_folder
    from prodstack.tf.modtree import normal, read_tree

    out: dict[str, dict[str, list[str]]] = {}
    loaders: dict[str, Any] = {}
    for node in read_tree(normal(folder.absolute())).nodes:
        out.setdefault(node.address, node.folder.locals)
        loaders.setdefault(node.address, lambda p=node.folder.path: read_module_folder(p))
    return out, Expressions(loaders)


def read_folder(folder: Path) -> FolderConfig:
    """Backends (root files only), backend config files and `ignore_changes` (all modules),
    from the files an offline plan copies (`config_files`: links followed inside the folder
    only); a loop, an unreadable entry or a file nested too deeply is one line, exit 2."""
    from prodstack.ops.offline_plan import config_files

    files: dict[str, str] = {}
    root: set[str] = set()
    for rel, path in config_files(folder):
        in_root = "/" not in rel
        is_backend_file = in_root and any(Path(rel).match(p) for p in _BACKEND_FILES)
        if rel.endswith((".tf", ".tf.json")) or is_backend_file:
            try:
                files[rel] = path.read_text(errors="replace")
            except OSError as exc:
                raise cannot_read(path, exc) from None
            if in_root:
                root.add(rel)

    def readable(name: str) -> bool:
        try:
            read_texts({name: files[name]}, set())
        except (RecursionError, ValueError):
            return False
        return True

    try:
        config = read_texts(files, root)
    except (RecursionError, ValueError) as exc:  # deeper than the stack; a too long number
        bad = next((name for name in sorted(files) if not readable(name)), "")
        why = "nested too deeply to read" if isinstance(exc, RecursionError) else \
            f"cannot read it ({str(exc).split(':')[0]})"
        raise UserError(f"{folder / bad}: {why}", exit_code=2) from None
    config.locals, config.expressions = read_locals(folder)
    return config

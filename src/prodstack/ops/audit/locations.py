"""Where each block of a configuration folder is written, and the `prodstack:ignore` comments
next to those blocks.

For the audited folder and every local module it calls (`source = "./modules/x"` or
`"../modules/x"`, relative to the calling module's folder), each `resource`, `data` and
`module` block, and each `backend` block of the root, gets its file and start line, keyed by
its address without instance keys, as a plan names it: `module.db.aws_db_instance.this`,
`module.db`, `backend "s3" in main.tf`. HCL files go through config.py's tokenizer; in
`*.tf.json` files the line is the one of the block's key. A finding's address resolves to its
block, else to the module call it sits in, else to the folder's main file.

For a plan file every address resolves to the plan file itself (to the line of the address's
first entry when the JSON is pretty-printed; `terraform show -json` writes one line).

A `# prodstack:ignore …` (or `// prodstack:ignore …`) comment belongs to the top-level block it
is written in, or to the block whose first line follows it directly (comment lines between
are fine, a blank line is not). In `*.tf.json` it is a `"//"` key in the block's body.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prodstack.tf.hcl_blocks import Block, LineOf, parse_hcl, scan
from prodstack.tf.plan import strip_instance_keys

MARKER = "prodstack:ignore"
_COMMENT = re.compile(rf"^(?:#|//)\s*{MARKER}\b(.*)$", re.S)
_MODULES = re.compile(r"^((?:module\.[A-Za-z0-9_-]+\.)*)")
_ADDRESS_KEY = re.compile(r'"address"\s*:\s*"((?:[^"\\]|\\.)*)"')
_MAX_DEPTH = 16  # module nesting; a cycle of local modules stops here


@dataclass(frozen=True)
class Location:
    path: Path  # absolute
    line: int = 1


@dataclass(frozen=True)
class IgnoreComment:
    """One `prodstack:ignore` comment: what follows the marker, where it is written, and the
    block addresses it applies to (none: it is next to no block)."""

    text: str
    where: Location
    scopes: tuple[str, ...]


@dataclass
class Locations:
    root: Path  # the audited folder, or the plan file's folder
    blocks: dict[str, Location] = field(default_factory=dict)
    default: Location | None = None
    comments: list[IgnoreComment] = field(default_factory=list)
    base: Path | None = None  # paths are shown relative to it (default: root)
    of_plan: bool = False  # a plan file: every address resolves to the plan itself

    def locate(self, address: str) -> Location | None:
        """The block an address names; else the module call it is in; else the main file."""
        if address in self.blocks:
            return self.blocks[address]
        key = strip_instance_keys(address)
        if key in self.blocks:
            return self.blocks[key]
        modules = _MODULES.match(key)
        names = modules.group(1).split(".")[:-1] if modules else []
        for end in range(len(names), 0, -2):
            call = ".".join(names[:end])
            if call in self.blocks:
                return self.blocks[call]
        return self.default

    def relative(self, path: Path) -> str:
        """The path relative to `base` (or the root), `/`-separated; `../` when outside."""
        return Path(os.path.relpath(path, self.base or self.root)).as_posix()

    def show(self, location: Location | None) -> str:
        return f"{self.relative(location.path)}:{location.line}" if location else ""


# -- HCL files -------------------------------------------------------------------------------


def _is_local(source: Any) -> bool:
    return isinstance(source, str) and source.startswith(("./", "../"))


class _Reader:
    def __init__(self, root: Path) -> None:
        self.locations = Locations(root=root)
        self._seen_comments: set[Location] = set()

    def module(self, folder: Path, prefix: str, depth: int) -> None:
        try:
            files = sorted(p for p in folder.iterdir()
                           if p.is_file() and p.name.endswith((".tf", ".tf.json")))
        except OSError:
            return  # a module folder that cannot be read: its blocks stay unlocated
        calls: list[tuple[str, Path]] = []
        for path in files:
            try:
                text = path.read_text(errors="replace")
            except OSError:
                continue
            if path.name.endswith(".tf.json"):
                calls += self._json_file(path, text, prefix)
            else:
                calls += self._hcl_file(path, text, prefix)
        if depth < _MAX_DEPTH:
            for name, source in calls:
                self.module(source, f"{prefix}module.{name}.", depth + 1)

    def _block_keys(self, block: Block, path: Path, prefix: str
                    ) -> tuple[tuple[str, ...], tuple[str, Path] | None]:
        """The addresses a top-level block stands for, and the local module it calls."""
        if block.type in ("resource", "data") and len(block.labels) == 2:
            kind = "data." if block.type == "data" else ""
            return (f"{prefix}{kind}{block.labels[0]}.{block.labels[1]}",), None
        if block.type == "module" and len(block.labels) == 1:
            source = block.attrs.get("source")
            call = (block.labels[0], _normal(path.parent / source)) if _is_local(source) else None
            return (f"{prefix}module.{block.labels[0]}",), call
        if block.type == "terraform" and not prefix:
            return tuple(f'backend "{b.labels[0]}" in {path.name}' for b in block.blocks
                         if b.type == "backend" and b.labels), None
        return (), None

    def _hcl_file(self, path: Path, text: str, prefix: str) -> list[tuple[str, Path]]:
        calls: list[tuple[str, Path]] = []
        spans: list[tuple[int, int, tuple[str, ...]]] = []
        starts: dict[int, tuple[str, ...]] = {}
        body = parse_hcl(text)
        for block in body.blocks:
            keys, call = self._block_keys(block, path, prefix)
            if call:
                calls.append(call)
            for key in keys:
                line = block.line
                if block.type == "terraform":  # a backend: the line of its own block
                    label = key.split('"')[1]
                    line = next(b.line for b in block.blocks
                                if b.type == "backend" and b.labels[:1] == [label])
                self.locations.blocks.setdefault(key, Location(path, line))
            spans.append((block.line, block.end_line, keys))
            starts[block.line] = keys
        self._hcl_comments(path, text, spans, starts)
        return calls

    def _hcl_comments(self, path: Path, text: str, spans: list[tuple[int, int, tuple[str, ...]]],
                      starts: dict[int, tuple[str, ...]]) -> None:
        line_of = LineOf(text)
        code_lines: set[int] = set()
        comments: list[tuple[int, str]] = []
        for kind, value, offset in scan(text, comments=True):
            if kind == "comment":
                comments.append((line_of(offset), value))
            elif kind != "nl":
                code_lines.add(line_of(offset))
        comment_only = {line for line, _ in comments} - code_lines
        for line, value in comments:
            match = _COMMENT.match(value)
            if not match:
                continue
            scopes = next((keys for first, last, keys in spans if first <= line <= last), None)
            if scopes is None and line in comment_only:
                below = line + 1
                while below in comment_only:
                    below += 1
                scopes = starts.get(below)
            self._comment(match.group(1), Location(path, line), scopes or ())

    def _comment(self, text: str, where: Location, scopes: tuple[str, ...]) -> None:
        if where in self._seen_comments:  # a module folder called twice: one more scope
            for i, known in enumerate(self.locations.comments):
                if known.where == where and scopes:
                    self.locations.comments[i] = IgnoreComment(
                        known.text, where, tuple(dict.fromkeys(known.scopes + scopes)))
            return
        self._seen_comments.add(where)
        self.locations.comments.append(IgnoreComment(text.strip(), where, scopes))

    # -- *.tf.json -------------------------------------------------------------------------

    def _json_file(self, path: Path, text: str, prefix: str) -> list[tuple[str, Path]]:
        try:
            doc, _ = _JsonPositions(text).value(0)
        except (ValueError, IndexError):
            return []  # config.read_folder reports invalid JSON
        line_of = LineOf(text)
        calls: list[tuple[str, Path]] = []
        for top in _objects(doc):
            for section, _, body in top.pairs:
                for key, offset, block in _labelled(section, body, prefix):
                    self.locations.blocks.setdefault(key, Location(path, line_of(offset)))
                    for obj in _objects(block):
                        for name, at, value in obj.pairs:
                            if name == "//" and isinstance(value, str):
                                match = _COMMENT.match(f"//{value.lstrip('/')}")
                                if match:
                                    self._comment(match.group(1),
                                                  Location(path, line_of(at)), (key,))
                            if (section == "module" and name == "source"
                                    and _is_local(value)):
                                calls.append((key.rsplit(".", 1)[1],
                                              _normal(path.parent / str(value))))
                if section == "terraform" and not prefix:
                    for terraform in _objects(body):
                        for name, _, backends in terraform.pairs:
                            if name != "backend":
                                continue
                            for backend in _objects(backends):
                                for kind, at, _ in backend.pairs:
                                    key = f'backend "{kind}" in {path.name}'
                                    self.locations.blocks.setdefault(
                                        key, Location(path, line_of(at)))
        return calls


def _labelled(section: str, body: Any, prefix: str) -> list[tuple[str, int, Any]]:
    """(address, offset of the block's key, block body) for resource/data/module sections."""
    out = []
    if section in ("resource", "data"):
        kind = "data." if section == "data" else ""
        for group in _objects(body):
            for type_, _, named in group.pairs:
                for by_name in _objects(named):
                    out += [(f"{prefix}{kind}{type_}.{name}", at, block)
                            for name, at, block in by_name.pairs]
    elif section == "module":
        for group in _objects(body):
            out += [(f"{prefix}module.{name}", at, block) for name, at, block in group.pairs]
    return out


def _normal(path: Path) -> Path:
    return Path(os.path.normpath(path))


@dataclass
class _Obj:
    pairs: list[tuple[str, int, Any]]  # key, offset of the key, value


def _objects(node: Any) -> list[_Obj]:
    """JSON syntax allows a block to be an object or a list of objects."""
    if isinstance(node, _Obj):
        return [node]
    if isinstance(node, list):
        return [n for n in node if isinstance(n, _Obj)]
    return []


class _JsonPositions:
    """A JSON reader that keeps the offset of every object key."""

    _WS = re.compile(r"[ \t\n\r]*")

    def __init__(self, text: str) -> None:
        self.text = text
        self.decoder = json.JSONDecoder()

    def _ws(self, i: int) -> int:
        match = self._WS.match(self.text, i)
        return match.end() if match else i

    def value(self, i: int) -> tuple[Any, int]:
        i = self._ws(i)
        ch = self.text[i]
        if ch == "{":
            pairs: list[tuple[str, int, Any]] = []
            i = self._ws(i + 1)
            while self.text[i] != "}":
                at = i
                key, i = json.decoder.scanstring(self.text, i + 1)  # type: ignore[attr-defined]
                i = self._ws(i)
                if self.text[i] != ":":
                    raise ValueError("expected ':'")
                val, i = self.value(i + 1)
                pairs.append((key, at, val))
                i = self._ws(i)
                if self.text[i] == ",":
                    i = self._ws(i + 1)
            return _Obj(pairs), i + 1
        if ch == "[":
            items: list[Any] = []
            i = self._ws(i + 1)
            while self.text[i] != "]":
                val, i = self.value(i)
                items.append(val)
                i = self._ws(i)
                if self.text[i] == ",":
                    i = self._ws(i + 1)
            return items, i + 1
        return self.decoder.raw_decode(self.text, i)


# -- entry points ----------------------------------------------------------------------------


def _main_file(folder: Path) -> Location | None:
    for pattern in ("main.tf", "main.tf.json", "*.tf", "*.tf.json"):
        found = sorted(folder.glob(pattern))
        if found:
            return Location(_normal(found[0].absolute()))
    return None


def read_folder_locations(folder: Path) -> Locations:
    """The blocks and `prodstack:ignore` comments of a folder and of its local modules."""
    root = _normal(folder.absolute())
    reader = _Reader(root)
    reader.module(root, "", 0)
    reader.locations.default = _main_file(root)
    return reader.locations


def plan_file_locations(plan_file: Path, text: str) -> Locations:
    """Every address of a plan file resolves to the plan file (and the line of the address)."""
    path = _normal(plan_file.absolute())
    locations = Locations(root=path.parent, default=Location(path), of_plan=True)
    line_of = LineOf(text)
    for match in _ADDRESS_KEY.finditer(text):
        try:
            address = json.loads(f'"{match.group(1)}"')
        except json.JSONDecodeError:
            continue
        locations.blocks.setdefault(address, Location(path, line_of(match.start())))
    return locations

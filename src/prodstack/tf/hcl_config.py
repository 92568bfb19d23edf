"""The expressions of a configuration, module by module, for the audit's value resolver: what
a plan JSON leaves out (its configuration keeps only the references of an expression that is
not a constant: `jsonencode({… "${aws_s3_bucket.logs.arn}/*" …})` becomes two references).

A `Module` holds, for one module path (`""`, `module.logs`, `module.a.module.b`), its
variables' defaults, locals, resource and data blocks (by `type.name`, `data.type.name`), module
calls and outputs, as hcl_expr trees. `Expressions` reads the folders of a module tree
(tf/modtree.py, through audit/config.read_folder) lazily, a module's files only when the
resolver first asks for it, so an audit whose plan knows every value parses nothing;
`from_document` takes a Terraform JSON document built in memory (prodstack's own stack).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prodstack.tf.hcl_expr import Body, Tree, from_json, parse_body


@dataclass
class Module:
    variables: dict[str, Tree | None] = field(default_factory=dict)  # name -> default
    locals: dict[str, Tree] = field(default_factory=dict)
    blocks: dict[str, Body] = field(default_factory=dict)  # "aws_lb.web", "data.x.y"
    calls: dict[str, Body] = field(default_factory=dict)
    outputs: dict[str, Tree] = field(default_factory=dict)


def _read_native(module: Module, body: Body) -> None:
    for kind, labels, inner in body.blocks:
        if kind == "variable" and labels:
            module.variables[labels[0]] = inner.attrs.get("default")
        elif kind == "locals":
            module.locals.update(inner.attrs)
        elif kind == "resource" and len(labels) == 2:
            module.blocks[f"{labels[0]}.{labels[1]}"] = inner
        elif kind == "data" and len(labels) == 2:
            module.blocks[f"data.{labels[0]}.{labels[1]}"] = inner
        elif kind == "module" and labels:
            module.calls[labels[0]] = inner
        elif kind == "output" and labels and "value" in inner.attrs:
            module.outputs[labels[0]] = inner.attrs["value"]


def _objects(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        return [value]
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def json_body(value: dict[str, Any]) -> Body:
    """A JSON block body: objects (or lists of objects) whose keys are not known attributes
    are nested blocks too, so both readings are offered: the attribute, and the blocks."""
    body = Body()
    for key, item in value.items():
        if key == "//":
            continue
        body.attrs[key] = from_json(item)
        for obj in _objects(item):
            body.blocks.append((key, (), json_body(obj)))
    return body


def _read_json(module: Module, doc: Any) -> None:
    if not isinstance(doc, dict):
        return
    for group in _objects(doc.get("variable")):
        for name, spec in group.items():
            specs = _objects(spec)
            module.variables[name] = from_json(specs[0]["default"]) \
                if specs and "default" in specs[0] else None
    for group in _objects(doc.get("locals")):
        module.locals.update({k: from_json(v) for k, v in group.items() if k != "//"})
    for section, prefix in (("resource", ""), ("data", "data.")):
        for group in _objects(doc.get(section)):
            for type_, named in group.items():
                for by_name in _objects(named):
                    for name, body in by_name.items():
                        for obj in _objects(body)[:1]:
                            module.blocks[f"{prefix}{type_}.{name}"] = json_body(obj)
    for group in _objects(doc.get("module")):
        for name, body in group.items():
            for obj in _objects(body)[:1]:
                module.calls[name] = json_body(obj)
    for group in _objects(doc.get("output")):
        for name, body in group.items():
            for obj in _objects(body)[:1]:
                if "value" in obj:
                    module.outputs[name] = from_json(obj["value"])


def read_module_folder(path: Path) -> Module:
    """The `*.tf` and `*.tf.json` files directly in a folder (unreadable ones are skipped:
    the plan reader and locations say why)."""
    module = Module()
    try:
        files = sorted(p for p in path.iterdir() if p.name.endswith((".tf", ".tf.json")))
    except OSError:
        return module
    for file in files:
        try:
            text = file.read_text(errors="replace")
            if file.name.endswith(".tf.json"):
                _read_json(module, json.loads(text))
            else:
                _read_native(module, parse_body(text))
        except (OSError, ValueError, RecursionError):
            continue
    return module


class Expressions:
    """The modules of one configuration, by module path, read on first use."""

    def __init__(self, loaders: dict[str, Callable[[], Module]]) -> None:
        self._loaders = loaders
        self._read: dict[str, Module] = {}

    def module(self, path: str) -> Module | None:
        if path not in self._read:
            loader = self._loaders.get(path)
            if loader is None:
                return None
            self._read[path] = loader()
        return self._read[path]

    def __contains__(self, path: str) -> bool:
        return path in self._loaders


def from_document(doc: dict[str, Any]) -> Expressions:
    """A Terraform JSON document built in memory (one root module)."""
    def load() -> Module:
        module = Module()
        _read_json(module, doc)
        return module

    return Expressions({"": load})

"""What a configuration asks Terraform to install and run, read without Terraform.

For every module folder of a tree (modtree.py): the providers it requires, each by its source
address (`registry.terraform.io/hashicorp/aws`) with the version constraints written for it,
and where it is used; every data source (top-level, and those scoped in `check` blocks) with
the provider that reads it; the `required_version` constraints of Terraform itself. Terraform's
own rules decide a block's provider: its `provider = NAME.ALIAS` argument, else the first word
of its type (`random_id` -> `random`); a local name means the source `required_providers`
gives it in that module, else `hashicorp/NAME` (and `terraform` the built-in provider). Both
`*.tf` and `*.tf.json` are read.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prodstack.core.errors import cannot_read
from prodstack.tf import modtree
from prodstack.tf.hcl_blocks import Block, parse_hcl, scan

REGISTRY = "registry.terraform.io"
BUILTIN = "terraform.io/builtin/terraform"
_KINDS = ("resource", "data", "ephemeral")


@dataclass(frozen=True)
class Use:
    """A block that runs a provider: `data.external.marker` at `main.tf:7`."""

    address: str
    where: str
    provider: str  # its source address


@dataclass
class Requirements:
    providers: dict[str, list[str]] = field(default_factory=dict)  # source -> constraints
    uses: dict[str, list[Use]] = field(default_factory=dict)  # source -> where it is used
    data: list[tuple[str, Use]] = field(default_factory=list)  # (data source type, use)
    terraform: list[tuple[str, str]] = field(default_factory=list)  # constraint, where

    def need(self, source: str, constraint: str | None = None) -> None:
        wanted = self.providers.setdefault(source, [])
        if constraint and constraint not in wanted:
            wanted.append(constraint)


def source_address(source: str) -> str:
    """`hashicorp/AWS` -> `registry.terraform.io/hashicorp/aws` (Terraform's normal form)."""
    parts = source.strip().lower().split("/")
    return "/".join([REGISTRY, *parts]) if len(parts) == 2 else "/".join(parts)


def shown(source: str) -> str:
    """The short form people write: `hashicorp/aws` for the public registry."""
    return source.removeprefix(f"{REGISTRY}/")


@dataclass
class _Module:
    """One module folder's blocks, before local names are resolved."""

    local_sources: dict[str, str] = field(default_factory=dict)  # local name -> source
    constraints: list[tuple[str, str]] = field(default_factory=list)  # local name, constraint
    where: dict[str, str] = field(default_factory=dict)  # local name -> where required
    required_version: list[tuple[str, str]] = field(default_factory=list)
    uses: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    # (kind, type, name, local provider name, where); kind "provider" for a provider block,
    # whose type is its local name


def _local(type_: str, meta: str | None) -> str:
    return (meta or type_).split(".")[0].split("_")[0]


def _top_meta(text: str, block: Block) -> str | None:
    """The `provider = NAME.ALIAS` argument directly in a block (not in its nested blocks)."""
    lines = text.splitlines(keepends=True)
    body = "".join(lines[block.line - 1:block.end_line])
    depth, toks = 0, [(k, v) for k, v, _ in scan(body) if k != "nl"]
    for i, (kind, value) in enumerate(toks):
        if kind == "sym" and value in "{}":
            depth += 1 if value == "{" else -1
        elif depth == 1 and (kind, value) == ("ident", "provider") and i + 2 < len(toks) \
                and toks[i + 1] == ("sym", "=") and toks[i + 2][0] == "ident":
            return str(toks[i + 2][1])
    return None


def _required_hcl(text: str, block: Block, module: _Module, where: str) -> None:
    """`required_providers { aws = { source = "...", version = "..." }, old = "~> 1.0" }`."""
    lines = text.splitlines(keepends=True)
    body = "".join(lines[block.line - 1:block.end_line])
    toks = [(k, v) for k, v, _ in scan(body) if k != "nl"]
    depth, i, n = 0, 0, len(toks)
    while i < n:
        kind, value = toks[i]
        if kind == "sym" and value in "{}":
            depth += 1 if value == "{" else -1
        elif depth == 1 and kind == "ident" and i + 2 < n and toks[i + 1] == ("sym", "="):
            name, nxt = str(value), toks[i + 2]
            if nxt[0] == "str" and nxt[1]:
                module.constraints.append((name, str(nxt[1])))
            elif nxt == ("sym", "{"):
                j, level = i + 3, 1
                while j < n and level:
                    k, v = toks[j]
                    if k == "sym" and v in "{}":
                        level += 1 if v == "{" else -1
                    elif level == 1 and k == "ident" and v in ("source", "version") \
                            and j + 2 < n and toks[j + 1] == ("sym", "=") \
                            and toks[j + 2][0] == "str" and toks[j + 2][1]:
                        if v == "source":
                            module.local_sources[name] = str(toks[j + 2][1])
                        else:
                            module.constraints.append((name, str(toks[j + 2][1])))
                    j += 1
                module.where.setdefault(name, where)
                i = j
                continue
            module.where.setdefault(name, where)
        i += 1


def _read_hcl(module: _Module, name: str, text: str) -> None:
    for block in parse_hcl(text).blocks:
        where = f"{name}:{block.line}"
        if block.type == "terraform":
            version = block.attrs.get("required_version")
            if isinstance(version, str):
                module.required_version.append((version, where))
            for inner in block.blocks:
                if inner.type == "required_providers":
                    _required_hcl(text, inner, module, f"{name}:{inner.line}")
        elif block.type == "provider" and block.labels:
            module.uses.append(("provider", block.labels[0], "", block.labels[0], where))
        elif block.type in _KINDS and len(block.labels) == 2:
            meta = _top_meta(text, block)
            module.uses.append((block.type, block.labels[0], block.labels[1],
                                _local(block.labels[0], meta), where))
        elif block.type == "check" and block.labels:
            for inner in block.blocks:
                if inner.type == "data" and len(inner.labels) == 2:
                    meta = _top_meta(text, inner)
                    module.uses.append(("data", inner.labels[0], inner.labels[1],
                                        _local(inner.labels[0], meta), f"{name}:{inner.line}"))


def _objects(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        return [value]
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _json_blocks(section: str, value: Any, name: str) -> Iterator[tuple[str, str, str, str, str]]:
    for group in _objects(value):
        for type_, named in group.items():
            for by_name in _objects(named):
                for label, body in by_name.items():
                    metas = [b.get("provider") for b in _objects(body)]
                    meta = next((m for m in metas if isinstance(m, str)), None)
                    yield section, type_, label, _local(type_, meta), name


def _read_json(module: _Module, name: str, doc: Any) -> None:
    if not isinstance(doc, dict):
        return
    for terraform in _objects(doc.get("terraform")):
        version = terraform.get("required_version")
        if isinstance(version, str):
            module.required_version.append((version, name))
        for required in _objects(terraform.get("required_providers")):
            for local, spec in required.items():
                module.where.setdefault(local, name)
                if isinstance(spec, str):
                    module.constraints.append((local, spec))
                for body in _objects(spec):
                    if isinstance(body.get("source"), str):
                        module.local_sources[local] = body["source"]
                    if isinstance(body.get("version"), str):
                        module.constraints.append((local, body["version"]))
    for group in _objects(doc.get("provider")):
        module.uses += [("provider", local, "", local, name) for local in group]
    for section in _KINDS:
        module.uses += list(_json_blocks(section, doc.get(section), name))
    for group in _objects(doc.get("check")):
        for body in group.values():
            for check in _objects(body):
                module.uses += list(_json_blocks("data", check.get("data"), name))


def _read_module(path: Path) -> _Module:
    module = _Module()
    for file in modtree.module_files(path):
        try:
            text = file.read_text(errors="replace")
        except OSError as exc:
            raise cannot_read(file, exc) from None
        if file.name.endswith(".tf.json"):
            try:
                _read_json(module, file.name, json.loads(text))
            except ValueError:
                continue  # modtree.read_folder has said so already
        else:
            _read_hcl(module, file.name, text)
    return module


def _address(node: modtree.Node, kind: str, type_: str, name: str) -> str:
    own = f"provider.{type_}" if kind == "provider" else \
        f"{'' if kind == 'resource' else kind + '.'}{type_}.{name}"
    return f"{node.address}.{own}" if node.address else own


def read(tree: modtree.Tree) -> Requirements:
    """The providers, data sources and Terraform versions of every module of the tree."""
    out = Requirements()
    for node in tree.nodes:
        module = _read_module(node.folder.path)
        rel = os.path.relpath(node.folder.path, tree.root)
        prefix = "" if rel == "." else f"{rel}/"

        def source(local: str, module: _Module = module) -> str:
            if local in module.local_sources:
                return source_address(module.local_sources[local])
            return BUILTIN if local == "terraform" else source_address(f"hashicorp/{local}")

        for local, constraint in module.constraints:
            out.need(source(local), constraint)
        for local, where in module.where.items():
            out.need(source(local))
            out.uses.setdefault(source(local), []).append(
                Use(f"required_providers.{local}", prefix + where, source(local)))
        for kind, type_, name, local, where in module.uses:
            use = Use(_address(node, kind, type_, name), prefix + where, source(local))
            out.need(use.provider)
            out.uses.setdefault(use.provider, []).append(use)
            if kind == "data":
                out.data.append((type_, use))
        out.terraform += [(c, prefix + w) for c, w in module.required_version]
    return out

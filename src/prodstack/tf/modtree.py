"""The module tree of a root configuration folder, read without Terraform: which folders
`terraform init` would load, and from where.

From the root folder each `module` block (HCL or JSON) is followed: a local source (`./x`,
`../x`, relative to the calling module's folder) to its folder; any other source (registry,
git, …) to where the user's own `terraform init` installed it, as
`<root>/.terraform/modules/modules.json` records it (key `vpc.endpoints` for a module called
`endpoints` inside the module `vpc`). A remote module that is not recorded there, is recorded
from another source, or whose folder is gone, is `missing`: planning it would need the
registry. Each folder also gives its `provider "aws"` blocks (the default and the aliases),
its variables, its `locals` (the references in each local's expression, for the plan
reader), and the text that decides what `init` does (terraform, module and provider blocks,
the providers resource types imply), so that an unchanged configuration is not initialized
again.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prodstack.core.errors import UserError, cannot_read
from prodstack.tf.hcl_blocks import parse_hcl, scan

MANIFEST = Path(".terraform") / "modules" / "modules.json"
MAX_DEPTH = 16  # module nesting; a cycle of local modules stops here
_REF = re.compile(r"(?<![\w.\-])[A-Za-z_][\w-]*(?:\.[A-Za-z_*][\w*-]*)+")
_TEMPLATE = re.compile(r"\$\{(.*?)\}", re.S)
_REGISTRY = re.compile(r"^(?:[a-z0-9.-]+\.[a-z]{2,}/)?[A-Za-z0-9_-]+/[A-Za-z0-9_-]+/"
                       r"[A-Za-z0-9_-]+(?://.*)?$")
_DEFAULT_REGISTRY = "registry.terraform.io/"


@dataclass(frozen=True)
class Call:
    """A `module` block: its name, source and version as written, and where."""

    name: str
    source: str
    version: str | None
    where: str  # "main.tf:12"

    @property
    def local(self) -> bool:
        return self.source.startswith(("./", "../"))

    def shown(self) -> str:
        return f"{self.source} {self.version}" if self.version else self.source


@dataclass
class Folder:
    """What one module folder declares."""

    path: Path
    calls: list[Call] = field(default_factory=list)
    aws_aliases: list[str] = field(default_factory=list)  # "" is the default configuration
    variables: dict[str, bool] = field(default_factory=dict)  # name -> has a default
    locals: dict[str, list[str]] = field(default_factory=dict)
    init_text: list[str] = field(default_factory=list)
    declares: list[str] = field(default_factory=list)  # "backend s3", "cloud", "provider aws"


@dataclass(frozen=True)
class Node:
    key: str  # "" for the root, "vpc", "vpc.endpoints"
    address: str  # "", "module.vpc", "module.vpc.module.endpoints"
    folder: Folder
    remote: bool  # inside a module the user's `terraform init` installed
    call: Call | None = None


@dataclass
class Tree:
    root: Path
    nodes: list[Node] = field(default_factory=list)
    missing: list[tuple[str, Call, str]] = field(default_factory=list)  # key, call, why
    installed: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> manifest entry

    @property
    def root_folder(self) -> Folder:
        return self.nodes[0].folder

    def local_folders(self) -> list[Path]:
        return sorted({n.folder.path for n in self.nodes if not n.remote})

    def packages(self) -> list[Path]:
        """The installed module packages reached: `<root>/.terraform/modules/<name>`."""
        base = self.root / ".terraform" / "modules"
        return sorted({base / n.folder.path.relative_to(base).parts[0]
                       for n in self.nodes if n.remote})


def normal(path: Path) -> Path:
    return Path(os.path.normpath(path))


# -- one folder ------------------------------------------------------------------------------


def refs_in(text: str) -> list[str]:
    """The references (`aws_vpc.this`, `local.x`, `var.y`, `module.m.out`) in an expression's
    text: bare ones, and those inside `${…}` of its strings."""
    out: list[str] = []
    for kind, value, _ in scan(text):
        if kind == "ident" and _REF.fullmatch(str(value)):
            out.append(str(value))
    for inner in _TEMPLATE.findall(text):
        out += _REF.findall(inner)
    return list(dict.fromkeys(out))


def _hcl_locals(text: str) -> dict[str, list[str]]:
    """Each `locals` block's attributes -> the references in their expressions."""
    out: dict[str, list[str]] = {}
    toks = list(scan(text))
    i, depth, n = 0, 0, len(toks)
    while i < n:
        kind, value, _ = toks[i]
        if depth == 0 and (kind, value) == ("ident", "locals") and i + 1 < n \
                and toks[i + 1][:2] == ("sym", "{"):
            i, inner = i + 2, 0
            while i < n and not (toks[i][:2] == ("sym", "}") and inner == 0):
                k, v, _ = toks[i]
                if inner == 0 and k == "ident" and i + 1 < n and toks[i + 1][:2] == ("sym", "="):
                    j, level = i + 2, 0
                    while j < n:
                        kj, vj, _ = toks[j]
                        if kj == "sym" and vj in "([{":
                            level += 1
                        elif kj == "sym" and vj in ")]}":
                            if level == 0:
                                break
                            level -= 1
                        elif kj == "nl" and level == 0:
                            break
                        j += 1
                    end = toks[j][2] if j < n else len(text)
                    out[str(v)] = refs_in(text[toks[i + 1][2] + 1:end])
                    i = j
                    continue
                inner += {"{": 1, "}": -1}.get(str(v), 0) if k == "sym" else 0
                i += 1
        elif kind == "sym" and value in "{}":
            depth += 1 if value == "{" else -1
        i += 1
    return out


def _lines(text: str, first: int, last: int) -> str:
    return "\n".join(text.splitlines()[first - 1:last])


def _read_hcl(folder: Folder, name: str, text: str) -> None:
    for block in parse_hcl(text).blocks:
        label = block.labels[0] if block.labels else ""
        if block.type == "module" and len(block.labels) == 1:
            source, version = block.attrs.get("source"), block.attrs.get("version")
            if isinstance(source, str):
                folder.calls.append(Call(label, source, version if isinstance(version, str)
                                         else None, f"{name}:{block.line}"))
        elif block.type == "provider" and label == "aws":
            alias = block.attrs.get("alias")
            folder.aws_aliases.append(alias if isinstance(alias, str) else "")
        elif block.type == "variable" and label:
            folder.variables[label] = "default" in block.attrs
        if block.type == "provider" and label:
            folder.declares.append(f"provider {label}")
        elif block.type == "terraform":
            folder.declares += [" ".join([b.type, *b.labels[:1]]) for b in block.blocks
                                if b.type in ("backend", "cloud")]
        if block.type in ("terraform", "module", "provider"):
            folder.init_text.append(_lines(text, block.line, block.end_line))
        elif block.type in ("resource", "data") and label:
            folder.init_text.append(f"{block.type} {label.split('_')[0]}")
    folder.locals.update(_hcl_locals(text))


def _objects(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        return [value]
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _strings(value: Any) -> list[str]:
    stack, out = [value], []
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict | list):
            stack.extend(item.values() if isinstance(item, dict) else item)
    return out


def _read_json(folder: Folder, name: str, doc: Any) -> None:
    if not isinstance(doc, dict):
        return
    for group in _objects(doc.get("module")):
        for label, body in group.items():
            for call in _objects(body):
                source, version = call.get("source"), call.get("version")
                if isinstance(source, str):
                    folder.calls.append(Call(label, source, version if isinstance(
                        version, str) else None, name))
    for group in _objects(doc.get("provider")):
        folder.declares += [f"provider {name}" for name in group]
        for config in _objects(group.get("aws")):
            alias = config.get("alias")
            folder.aws_aliases.append(alias if isinstance(alias, str) else "")
    for terraform in _objects(doc.get("terraform")):
        folder.declares += [kind for kind in ("backend", "cloud") if kind in terraform]
    for group in _objects(doc.get("variable")):
        for label, body in group.items():
            folder.variables[label] = any("default" in b for b in _objects(body))
    for group in _objects(doc.get("locals")):
        for label, value in group.items():
            folder.locals[label] = list(dict.fromkeys(
                ref for s in _strings(value) for inner in _TEMPLATE.findall(s)
                for ref in _REF.findall(inner)))
    for section in ("terraform", "module", "provider"):
        if section in doc:
            folder.init_text.append(json.dumps(doc[section], sort_keys=True))
    for section in ("resource", "data"):
        for group in _objects(doc.get(section)):
            folder.init_text += [f"{section} {t.split('_')[0]}" for t in group]


def document_locals(doc: Any) -> dict[str, list[str]]:
    """The `locals` of a Terraform JSON document (prodstack's own, built in memory)."""
    folder = Folder(Path("."))
    _read_json(folder, "document", doc)
    return folder.locals


def module_files(path: Path) -> list[Path]:
    """The `*.tf` and `*.tf.json` files directly in a module folder: what Terraform reads."""
    try:
        return sorted(p for p in path.iterdir()
                      if p.name.endswith((".tf", ".tf.json")) and p.is_file())
    except OSError as exc:
        raise cannot_read(path, exc) from None


def read_folder(path: Path) -> Folder:
    """The `*.tf` and `*.tf.json` files directly in a module folder (as Terraform reads
    them); one that cannot be read, or is not valid, is a one-line `UserError`."""
    folder = Folder(path)
    for file in module_files(path):
        name = file.name
        try:
            text = file.read_text(errors="replace")
            if name.endswith(".tf.json"):
                _read_json(folder, name, json.loads(text))
            else:
                _read_hcl(folder, name, text)
        except OSError as exc:
            raise cannot_read(file, exc) from None
        except json.JSONDecodeError as exc:
            raise UserError(f"{file}: not valid JSON ({exc.msg}, line {exc.lineno})",
                            exit_code=2) from None
        except (RecursionError, ValueError) as exc:
            why = "nested too deeply to read" if isinstance(exc, RecursionError) else \
                f"cannot read it ({str(exc).split(':')[0]})"
            raise UserError(f"{file}: {why}", exit_code=2) from None
    return folder


# -- the tree --------------------------------------------------------------------------------


def read_manifest(root: Path) -> dict[str, dict[str, Any]]:
    """The modules the user's `terraform init` installed, by key; {} without one."""
    try:
        data = json.loads((root / MANIFEST).read_text())
    except (OSError, ValueError):
        return {}
    modules = data.get("Modules") if isinstance(data, dict) else None
    return {str(m.get("Key")): m for m in _objects(modules) if m.get("Key")}


def _registry(source: str) -> str | None:
    """`terraform-aws-modules/vpc/aws` (and with its host) -> a comparable form."""
    if "::" in source or not _REGISTRY.match(source) or source.startswith(
            ("github.com/", "bitbucket.org/")):
        return None
    return source.removeprefix(_DEFAULT_REGISTRY).lower()


def _installed(root: Path, call: Call, entry: dict[str, Any] | None) -> tuple[Path | None, str]:
    """Where the manifest says the module is installed, or why it is not usable."""
    packages = root / ".terraform" / "modules"
    if entry is None:
        return None, f"is not installed in {packages}"
    recorded = str(entry.get("Source", ""))
    wanted = _registry(call.source)
    if wanted is not None and _registry(recorded) != wanted:
        return None, f"is installed in {packages} from {recorded}, not from {call.source}"
    path = normal(root / str(entry.get("Dir", "")))
    if not path.is_relative_to(packages) or path == packages or not path.is_dir():
        return None, f"is recorded in {root / MANIFEST} but not in {path}"
    return path, ""


def read_tree(root: Path) -> Tree:
    """The module tree from `root` (an absolute, normalized folder)."""
    tree = Tree(root)
    manifest = read_manifest(root)
    todo: list[tuple[str, str, Path, bool, Call | None, int]] = [("", "", root, False, None,
                                                                   0)]
    while todo:
        key, address, path, remote, call, depth = todo.pop(0)
        folder = read_folder(path)
        tree.nodes.append(Node(key, address, folder, remote, call))
        if depth >= MAX_DEPTH:
            continue
        for child in folder.calls:
            child_key = f"{key}.{child.name}" if key else child.name
            child_address = f"{address}.module.{child.name}" if address \
                else f"module.{child.name}"
            if child.local:
                target = normal(path / child.source)
                if not target.is_dir():
                    raise UserError(f"{root}: module \"{child.name}\" ({child.where} in "
                                    f"{path}): its source {child.source} is not a folder",
                                    exit_code=2)
                todo.append((child_key, child_address, target, remote, child, depth + 1))
                continue
            installed, why = _installed(root, child, manifest.get(child_key))
            if installed is None:
                tree.missing.append((child_key, child, why))
                continue
            tree.installed[child_key] = manifest[child_key]
            todo.append((child_key, child_address, installed, True, child, depth + 1))
    return tree


def missing_line(folder: Path, tree: Tree) -> str:
    """One line: the registry modules that are not installed, and the fix."""
    key, call, why = tree.missing[0]
    more = len(tree.missing) - 1
    others = f" (and {more} more: {', '.join(k for k, _, _ in tree.missing[1:4])}" \
             f"{', …' if more > 3 else ''})" if more else ""
    return (f"{folder}: module \"{key}\" ({call.shown()}, {call.where}) {why}{others}: run "
            f"`terraform init` in {folder} (online) first")

"""What a plan does not show, read from the configuration folder: backends, `ignore_changes`
and `locals`.

A plan JSON holds neither the `backend` block (FM-1.2, FM-1.3) nor `lifecycle` (FM-X3) nor
`locals`, so for a folder the audit reads them from the files: `*.tf` (HCL, through the
small reader of tf/hcl_blocks.py), `*.tf.json`, and partial backend settings in `*.tfbackend`
/ `backend*.hcl` files, which `terraform init -backend-config=FILE` would take. The locals of
every module the root reaches (tf/modtree.py walks the tree) let the plan reader follow
`local.*` references (FM-4.3).

`config_files` lists what Terraform may read from a folder: what an offline plan copies, and
what this reader reads.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prodstack.core.errors import UserError, cannot_read
from prodstack.tf import hcl_config
from prodstack.tf.hcl_blocks import Block, parse_hcl
from prodstack.tf.hcl_config import Expressions, read_module_folder
from prodstack.tf.modtree import document_locals, normal, read_tree

_BACKEND_FILES = ("*.tfbackend", "backend*.hcl", "*.backend.hcl")
_SKIP = {".terraform", ".git", "terraform.tfstate", "terraform.tfstate.backup",
         ".terraform.lock.hcl"}


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


# -- the files of a folder ------------------------------------------------------------------


def _loop(path: Path) -> UserError:
    target = f" (-> {os.readlink(path)})" if path.is_symlink() else ""
    return UserError(f"{path}: a symbolic link loop{target}", exit_code=2)


def unreadable(path: Path, exc: OSError) -> UserError:
    if exc.errno == errno.ELOOP:
        return _loop(path)
    if exc.errno == errno.ENOENT and path.is_symlink():
        return UserError(f"{path}: a broken symbolic link (-> {os.readlink(path)})",
                         exit_code=2)
    return cannot_read(path, exc)


def config_files(folder: Path, prune: Callable[[Path], bool] | None = None
                 ) -> list[tuple[str, Path]]:
    """(path inside `folder`, path to read) of every file Terraform may read from it.

    Skips `.terraform`, `.git`, state and lock files, and the subfolders `prune` says to. A
    symbolic link to a file is read as the file it points to. A link to a folder is followed
    when the folder is inside `folder`; one that leads out of it is left out, and one that
    leads back to a folder being walked (`sub/up -> ..`) is a loop. A loop, a broken link or
    an entry that cannot be read is a `UserError` naming the path (exit 2).
    """
    root = folder.resolve()
    files: list[tuple[str, Path]] = []
    todo: list[tuple[Path, str, tuple[Path, ...]]] = [(folder, "", (root,))]
    while todo:
        directory, prefix, walked = todo.pop()
        try:
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            raise unreadable(directory, exc) from None
        for entry in entries:
            if entry.name in _SKIP or entry.name.endswith(".tfstate"):
                continue
            path, rel = Path(entry.path), prefix + entry.name
            try:
                mode = os.stat(path).st_mode  # through links
                real = path.resolve() if stat.S_ISDIR(mode) else path
            except OSError as exc:
                raise unreadable(path, exc) from None
            if stat.S_ISREG(mode):
                files.append((rel, path))
            elif not stat.S_ISDIR(mode):
                raise UserError(f"{path}: not a file or a folder", exit_code=2)
            elif real in walked:
                raise _loop(path)
            elif prune is not None and prune(path):
                continue
            elif real.is_relative_to(root):
                todo.append((path, rel + "/", (*walked, real)))
    return sorted(files)



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

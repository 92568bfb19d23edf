"""`extra_config`: a folder of the user's own Terraform, planned and applied with the stack.

Its top-level `*.tf` and `*.tf.json` files (the root module; subfolders are not read) are
copied into the working folder as `extra_<name>`, next to prodstack's `main.tf.json`, so they
share its state, its provider (region, default tags, the emulator's endpoints on the local
target) and `local.prodstack`. A folder is refused, one line naming the file, when it would
change what prodstack owns: a block with the address or name of one of prodstack's (resource,
data source, output, variable, local, module), a provider configuration, a backend or
`required_providers`, an override file.

The folder's resources and data sources go through the target's endpoint guard too
(`prodstack.platform.endpoints`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prodstack.config.naming import EXTRA_FILE_PREFIX, LOCALS_NAME
from prodstack.core.errors import UserError
from prodstack.platform.endpoints import check_endpoints
from prodstack.stack.app import extra_check
from prodstack.tf.document import Document
from prodstack.tf.hcl_blocks import parse_hcl

KINDS = ("resource", "data", "output", "variable", "locals", "module", "provider", "terraform")
OWNED_SETTINGS = {"backend": "prodstack owns the backend (the state)",
                  "cloud": "prodstack owns the backend (the state)",
                  "required_providers": "prodstack declares the required providers "
                                        "(hashicorp/aws) and Terraform allows one declaration"}

@dataclass(frozen=True)
class Declared:
    """A top-level block of the user's folder: its kind and labels (or a local's name)."""

    kind: str
    labels: tuple[str, ...]
    source: str  # the user's file name
    settings: tuple[str, ...] = ()  # nested blocks of a `terraform` block

    @property
    def address(self) -> str:
        if self.kind in ("resource", "data"):
            return ("data." if self.kind == "data" else "") + ".".join(self.labels[:2])
        return f"{self.kind} {'.'.join(self.labels)}".strip()


def _objects(value: Any) -> list[dict[str, Any]]:
    """JSON syntax allows a block to be an object or a list of objects."""
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    return []


def _from_json(name: str, text: str) -> list[Declared]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(f"extra_config: {name}: not valid JSON ({exc.msg}, line {exc.lineno})",
                        exit_code=2) from None
    if not isinstance(doc, dict):
        raise UserError(f"extra_config: {name}: expected a JSON object", exit_code=2)
    out: list[Declared] = []
    for kind, value in doc.items():
        if kind in ("resource", "data"):
            out += [Declared(kind, (t, label), name) for body in _objects(value)
                    for t, labels in body.items() for bodies in _objects(labels)
                    for label in bodies]
        elif kind in ("output", "variable", "module", "provider", "locals"):
            out += [Declared(kind, (label,), name) for body in _objects(value) for label in body]
        elif kind == "terraform":
            out += [Declared(kind, (), name, tuple(body)) for body in _objects(value)]
    return out


def _from_hcl(name: str, text: str) -> list[Declared]:
    out: list[Declared] = []
    for block in parse_hcl(text).blocks:
        if block.type == "locals":
            out += [Declared("locals", (local,), name) for local in block.attrs]
        elif block.type == "terraform":
            out.append(Declared("terraform", (), name, tuple(b.type for b in block.blocks)))
        elif block.type in KINDS:
            out.append(Declared(block.type, tuple(block.labels), name))
    return out


def read_folder(folder: Path) -> dict[str, str]:
    """File name -> text of the folder's top-level Terraform files."""
    files: dict[str, str] = {}
    for path in sorted(folder.iterdir()):
        if not path.name.endswith((".tf", ".tf.json")) or not path.is_file():
            continue
        stem = path.name.removesuffix(".json").removesuffix(".tf")
        if stem == "override" or stem.endswith("_override"):
            raise UserError(f"extra_config: {path.name} is an override file, which would "
                            "change prodstack's own blocks; rename it", exit_code=2)
        try:
            files[path.name] = path.read_text()
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(f"extra_config: cannot read {path} ({exc})", exit_code=2) from None
    return files


def declared(files: dict[str, str]) -> list[Declared]:
    out: list[Declared] = []
    for name, text in files.items():
        out += _from_json(name, text) if name.endswith(".tf.json") else _from_hcl(name, text)
    return out


def _taken(doc: Document) -> dict[str, set[tuple[str, ...]]]:
    """What prodstack's document declares, per kind, as the user's blocks would name it."""
    return {
        "resource": {(t, n) for t, bodies in doc.resources.items() for n in bodies},
        "data": {(t, n) for t, bodies in doc.data_sources.items() for n in bodies},
        "output": {(n,) for n in doc.outputs},
        "variable": {(n,) for n in doc.variables},
        "locals": {(n,) for n in doc.locals},
        "module": set(),
    }


def check(blocks: list[Declared], doc: Document) -> None:
    """Refuse what would change or collide with what prodstack owns."""
    taken = _taken(doc)
    for block in blocks:
        where = f"extra_config: {block.source}"
        if block.kind == "provider":
            raise UserError(f"{where} configures provider {block.labels[0]!r}: prodstack owns "
                            "the providers (region, default tags, the emulator's endpoints); "
                            "use them as they are", exit_code=2)
        if block.kind == "terraform":
            for setting in block.settings:
                if setting in OWNED_SETTINGS:
                    raise UserError(f"{where}: its terraform block sets {setting}: "
                                    f"{OWNED_SETTINGS[setting]}", exit_code=2)
            continue
        if tuple(block.labels[:2]) in taken.get(block.kind, set()):
            raise UserError(f"{where} declares {block.address}, which prodstack's stack "
                            "declares too; rename yours", exit_code=2)


def check_files(folder: Path, files: dict[str, str], doc: Document) -> None:
    """Syntax and `local.prodstack` references, named by the user's file and line
    (`extra_check`); JSON syntax is `_from_json`'s."""
    known = doc.locals.get(LOCALS_NAME, {})
    for name, text in files.items():
        hcl = not name.endswith(".json")
        problem = extra_check.check_hcl(text) if hcl else None
        if problem:
            raise UserError(f"extra_config: {folder / name}, line "
                            f"{extra_check.line_of(text, problem.pos)}: {problem.what}",
                            exit_code=2)
        for line, ref, close in extra_check.unknown_locals(text, known, hcl):
            hint = f" (did you mean {close}?)" if close else ""
            raise UserError(f"extra_config: {folder / name}, line {line}: local.prodstack."
                            f"{ref} does not exist{hint}; local.prodstack has: "
                            f"{', '.join(sorted(known))}", exit_code=2)


def files_for(settings_extra: str | None, doc: Document) -> dict[str, str]:
    """The working folder's copies of the user's files (prefixed name -> text), checked."""
    if not settings_extra:
        return {}
    folder = Path(settings_extra)
    files = read_folder(folder)
    check_files(folder, files, doc)
    blocks = declared(files)
    check(blocks, doc)
    check_endpoints(doc, [(b.kind, b.labels[0], b.address) for b in blocks
                          if b.kind in ("resource", "data") and b.labels])
    return {EXTRA_FILE_PREFIX + name: text for name, text in files.items()}

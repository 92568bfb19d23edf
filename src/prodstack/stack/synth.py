"""Synthesis: settings in, Terraform files out: `main.tf.json`, `backend.tf.json` (aws target),
and the user's `extra_config` files as `extra_<name>` (see `prodstack.stack.app.extra`)."""

from __future__ import annotations

import json
from pathlib import Path

from prodstack.config.naming import EXTRA_FILE_PREFIX
from prodstack.config.settings import Settings
from prodstack.stack.built import Stack
from prodstack.stack.compose import build
from prodstack.tf.document import BACKEND_FILE, MAIN_FILE, Document


def build_document(settings: Settings) -> Document:
    return build(settings).doc


def render_document(doc: Document) -> dict[str, str]:
    """File name to content. The backend block goes to a file of its own."""
    data = dict(doc.to_dict())
    terraform = dict(data.get("terraform", {}))  # a copy: the document keeps its backend
    backend = terraform.pop("backend", None)
    if terraform:
        data["terraform"] = terraform
    files: dict[str, str] = {}
    files[MAIN_FILE] = json.dumps(data, indent=2, sort_keys=True) + "\n"
    if backend:
        files[BACKEND_FILE] = json.dumps({"terraform": {"backend": backend}}, indent=2) + "\n"
    return files


def render_stack(stack: Stack) -> dict[str, str]:
    """The stack's document and the user's extra files."""
    return {**render_document(stack.doc), **stack.extra_files}


def render(settings: Settings) -> dict[str, str]:
    return render_stack(build(settings))


def _generated(path: Path) -> bool:
    """A file an earlier synth wrote (and this one may remove)."""
    return path.name in (MAIN_FILE, BACKEND_FILE) or (
        path.name.startswith(EXTRA_FILE_PREFIX) and path.name.endswith((".tf", ".tf.json")))


def write_stack(stack: Stack, out_dir: Path) -> list[Path]:
    """Write the stack's files; stale generated files from an earlier synth are removed."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = render_stack(stack)
    written = []
    for stale in sorted(out_dir.iterdir()):
        if _generated(stale) and stale.name not in files and stale.is_file():
            stale.unlink()
    for name, content in files.items():
        path = out_dir / name
        if not path.exists() or path.read_text() != content:
            path.write_text(content)
        written.append(path)
    return written


def write(settings: Settings, out_dir: Path) -> list[Path]:
    return write_stack(build(settings), out_dir)

"""Synthesis: settings in, Terraform JSON files out (`main.tf.json`, and `backend.tf.json`)."""

from __future__ import annotations

import json
from pathlib import Path

from prodstack.settings import Settings
from prodstack.stack import Stack, build
from prodstack.tf.document import Document

MAIN_FILE = "main.tf.json"
BACKEND_FILE = "backend.tf.json"


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


def render(settings: Settings) -> dict[str, str]:
    return render_document(build_document(settings))


def write_stack(stack: Stack, out_dir: Path) -> list[Path]:
    """Write the stack's files; stale generated files from an earlier synth are removed."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = render_document(stack.doc)
    written = []
    for stale in (MAIN_FILE, BACKEND_FILE):
        if stale not in files and (out_dir / stale).exists():
            (out_dir / stale).unlink()
    for name, content in files.items():
        path = out_dir / name
        if not path.exists() or path.read_text() != content:
            path.write_text(content)
        written.append(path)
    return written


def write(settings: Settings, out_dir: Path) -> list[Path]:
    return write_stack(build(settings), out_dir)

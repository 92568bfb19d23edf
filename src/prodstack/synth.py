"""Synthesis: settings in, Terraform JSON files out (`main.tf.json`, and `backend.tf.json`)."""

from __future__ import annotations

import json
from pathlib import Path

from prodstack.settings import Settings
from prodstack.stack import PARTS
from prodstack.stack.context import StackContext
from prodstack.targets import TARGET_MODULES
from prodstack.tf.document import Document

MAIN_FILE = "main.tf.json"
BACKEND_FILE = "backend.tf.json"


def build_context(settings: Settings) -> StackContext:
    """Build every part of the stack, with the target's adjustments around it."""
    target = TARGET_MODULES[settings.target]
    ctx = StackContext(doc=Document(), settings=settings)
    target.before(ctx)
    for part in PARTS:
        part.build(ctx)
    target.after(ctx)
    return ctx


def build_document(settings: Settings) -> Document:
    return build_context(settings).doc


def render(settings: Settings) -> dict[str, str]:
    """File name to content. The backend block goes to a file of its own."""
    doc = build_document(settings).to_dict()
    files: dict[str, str] = {}
    backend = doc.get("terraform", {}).pop("backend", None)
    files[MAIN_FILE] = json.dumps(doc, indent=2, sort_keys=True) + "\n"
    if backend:
        files[BACKEND_FILE] = json.dumps({"terraform": {"backend": backend}}, indent=2) + "\n"
    return files


def write(settings: Settings, out_dir: Path) -> list[Path]:
    """Write the synthesized files; stale generated files from an earlier synth are removed."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = render(settings)
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

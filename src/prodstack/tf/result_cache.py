"""An on-disk cache of what Terraform computes from files alone: the offline plan of
prodstack's own stack and `terraform validate` of a synthesized document.

An entry is keyed by a hash of everything its result depends on: the files Terraform reads,
the variables and settings given to it, the Terraform binary, the AWS provider binary that
would run, the emulator (moto's version; prodstack's corrections are part of its code) and
prodstack's own code. Anything that changes one of them changes the key, so a stale entry
is never read; when the provider binary cannot be found before `init` (Terraform's registry,
first run), nothing is cached. Concurrent processes computing the same key wait for the first
(a lock file), so a test session with several workers plans each stack once.

Where: `PRODSTACK_CACHE_DIR`, else `$XDG_CACHE_HOME/prodstack`, else `~/.cache/prodstack`;
the newest `KEEP` entries of each kind are kept.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import moto

from prodstack.core.paths import cache_root, private_dir
from prodstack.tf.cliconfig import PROVIDER

KEEP = 24
_PROVIDER_GLOB = "terraform-provider-aws*"


def _file_id(path: Path) -> str:
    info = path.stat()
    return f"{path}:{info.st_size}:{info.st_mtime_ns}"


@functools.cache
def _code_hash() -> str:
    """prodstack's own source (synthesis, the offline override, the emulator's patches)."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent.parent  # src/prodstack
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def terraform_id() -> str | None:
    binary = shutil.which("terraform")
    return _file_id(Path(binary)) if binary else None


def provider_id(plugin_mirror: str | None, plugin_dir: str | None,
                plugin_cache: Path | None = None) -> str | None:
    """The AWS provider binaries Terraform would choose from; None when none is on disk."""
    places = [Path(p) for p in (plugin_mirror, plugin_dir) if p]
    if not places and plugin_cache is not None:
        places = [plugin_cache / PROVIDER]
    found = sorted(_file_id(p) for place in places if place.is_dir()
                   for p in place.rglob(_PROVIDER_GLOB) if p.is_file())
    return "|".join(found) or None


def key(files: Mapping[str, str], *parts: Any) -> str:
    """The key of a result computed from `files` (name -> text) and `parts`."""
    data = [sorted(files.items()), [str(p) for p in parts], _code_hash(), moto.__version__]
    return hashlib.sha256(json.dumps(data).encode()).hexdigest()


def cache_dir(kind: str) -> Path:
    return private_dir(cache_root() / kind)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _prune(folder: Path) -> None:
    entries = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[KEEP:]:
        old.unlink(missing_ok=True)
        old.with_suffix(".lock").unlink(missing_ok=True)


def cached(kind: str, entry: str | None, make: Callable[[], Any]) -> Any:
    """`make()`'s JSON result, read from the cache when it holds `entry` (None: not cached)."""
    if entry is None:
        return make()
    folder = cache_dir(kind)
    path = folder / f"{entry}.json"
    with _locked(folder / f"{entry}.lock"):
        with contextlib.suppress(OSError, ValueError):
            data = json.loads(path.read_text())
            os.utime(path)
            return data
        result = make()
        scratch = path.with_suffix(f".{os.getpid()}.tmp")
        scratch.write_text(json.dumps(result))
        scratch.replace(path)
    _prune(folder)
    return result

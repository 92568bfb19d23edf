"""Where an offline plan of a folder runs: a scratch copy under PRODSTACK_HOME, kept and
reused, so that a repeated audit skips `terraform init` and copies only what changed.

The place is `<PRODSTACK_HOME>/offline-plans/<name>-<hash>/`: `<name>` the root folder's
name made safe (lower-case letters, digits and dashes), `<hash>` eight hex digits of its
absolute path. Inside, `src/` holds a copy of the smallest folder that contains the root and
every local module it reaches (`source = "../../"` resolves as it would in place), with only
what Terraform may read: each module folder's files and the subfolders that hold no module of
their own (no `.git`, no state, no other root's `.terraform`), and the installed modules the
root uses (`.terraform/modules/<name>`). The root keeps its name when it is already safe, so
`basename(path.cwd)` gives what the user gets; otherwise the safe name. The working folder's
own `.terraform` (providers linked from the plugin cache, the backend, the init stamp) and
lock file survive between runs; files gone from the user's folders are removed. A lock file
serializes two audits of the same folder.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from prodstack.core.errors import cannot_read
from prodstack.core.paths import private_dir, work_root
from prodstack.tf.folder import config_files
from prodstack.tf.modtree import Tree

SAFE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
KEEP = (".terraform.lock.hcl", "tfplan")  # Terraform's, in the working folder
_TF_FILE = re.compile(r".*\.tf(\.json)?$")


def safe_name(name: str) -> str:
    """The name when it is already lower-case letters, digits and dashes; else one made so
    (`My Stack_1` -> `my-stack-1`)."""
    if SAFE.fullmatch(name):
        return name
    made = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40].strip("-")
    return made or "root"


def offline_plans() -> Path:
    return work_root() / "offline-plans"


@dataclass(frozen=True)
class Scratch:
    base: Path  # <home>/offline-plans/<name>-<hash>
    ancestor: Path  # the user's folder that contains the root and its local modules
    root: Path  # the user's root folder

    @property
    def top(self) -> Path:
        """The copy of `ancestor`."""
        name = self.ancestor.name if self.ancestor != self.root else self.root.name
        return self.base / "src" / safe_name(name or "top")

    def dest(self, path: Path) -> Path:
        """Where a file or folder of the user's (under `ancestor`) is in the copy."""
        rel = Path(os.path.relpath(path, self.ancestor))
        if self.ancestor != self.root:
            root_rel = Path(os.path.relpath(self.root, self.ancestor))
            if rel == root_rel or rel.is_relative_to(root_rel):
                rel = root_rel.parent / safe_name(self.root.name) / rel.relative_to(root_rel)
        return self.top / rel if rel != Path(".") else self.top

    @property
    def workdir(self) -> Path:
        return self.dest(self.root)

    @property
    def logs(self) -> Path:
        return self.base / "logs"


def place(tree: Tree) -> Scratch:
    root = tree.root
    ancestor = Path(os.path.commonpath([str(root), *map(str, tree.local_folders())]))
    digest = hashlib.sha256(str(root).encode()).hexdigest()[:8]
    return Scratch(offline_plans() / f"{safe_name(root.name)[:40]}-{digest}", ancestor, root)


def _holds_module(path: Path) -> bool:
    try:
        return any(_TF_FILE.match(p.name) for p in path.iterdir() if p.is_file())
    except OSError:
        return False


def copy_plan(tree: Tree, scratch: Scratch) -> dict[Path, Path]:
    """Where in the copy -> the user's file, for every file the plan may read."""
    files: dict[Path, Path] = {}
    for folder in tree.local_folders():
        def prune(path: Path, folder: Path = folder) -> bool:
            return path.name.startswith(".") or (path != folder and _holds_module(path))

        for rel, path in config_files(folder, prune=prune):
            files[scratch.dest(folder / rel)] = path
    for package in tree.packages():
        for rel, path in config_files(package):
            files[scratch.dest(package / rel)] = path
    return files


def _same(src: os.stat_result, dest: Path) -> bool:
    try:
        now = dest.stat()
    except OSError:
        return False
    return now.st_size == src.st_size and now.st_mtime_ns == src.st_mtime_ns


def write_text(path: Path, text: str) -> None:
    """Write a generated file when its content changed."""
    with contextlib.suppress(OSError):
        if path.read_text() == text:
            return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def sync(scratch: Scratch, files: dict[Path, Path], generated: dict[Path, str]) -> None:
    """Make the copy hold exactly `files` (copied when their size or time changed) and the
    `generated` ones, keeping the working folder's Terraform data."""
    for dest, src in files.items():
        try:
            stat = src.stat()
            if _same(stat, dest):
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            if dest.is_symlink() or dest.is_dir():
                _remove(dest)
            shutil.copy2(src, dest)
        except OSError as exc:
            raise cannot_read(src, exc) from None
    for dest, text in generated.items():
        write_text(dest, text)
    wanted = set(files) | set(generated)
    workdir, modules = scratch.workdir, scratch.workdir / ".terraform" / "modules"
    packages = {p for p in wanted if p.is_relative_to(modules)}
    for dirpath, dirnames, filenames in os.walk(scratch.top, topdown=True):
        here = Path(dirpath)
        if here == workdir:
            dirnames[:] = [d for d in dirnames if d != ".terraform"]
            filenames = [f for f in filenames if f not in KEEP]
        for name in filenames:
            if here / name not in wanted:
                (here / name).unlink()
    if modules.is_dir():
        for entry in modules.iterdir():
            if entry.is_dir() and not any(p.is_relative_to(entry) for p in packages):
                shutil.rmtree(entry)
            elif entry.is_dir():
                for dirpath, _, filenames in os.walk(entry):
                    for name in filenames:
                        if Path(dirpath) / name not in wanted:
                            (Path(dirpath) / name).unlink()
    _prune_empty(scratch.top, workdir)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def _prune_empty(top: Path, workdir: Path) -> None:
    """Remove the folders left empty, but not the working folder's Terraform data."""
    data = workdir / ".terraform"
    for dirpath, _, _ in os.walk(top, topdown=False):
        here = Path(dirpath)
        if here in (workdir, data, data / "modules") or (
                here.is_relative_to(data) and not here.is_relative_to(data / "modules")):
            continue
        with contextlib.suppress(OSError):
            here.rmdir()  # only when empty


def prune_logs(logs: Path, keep: int = 24) -> None:
    """Keep the newest `keep` Terraform logs of a scratch folder."""
    with contextlib.suppress(OSError):
        old = sorted(logs.glob("*.log"), key=lambda p: p.stat().st_mtime_ns)[:-keep]
        for path in old:
            path.unlink(missing_ok=True)


@contextlib.contextmanager
def locked(scratch: Scratch) -> Iterator[None]:
    """Hold the scratch folder: a second audit of the same folder waits for the first."""
    private_dir(scratch.base)
    with (scratch.base / "lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def init_lock() -> Iterator[None]:
    """One `terraform init` at a time under PRODSTACK_HOME: the plugin cache is not safe
    for concurrent installs."""
    private_dir(offline_plans())
    with (offline_plans() / "init.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)

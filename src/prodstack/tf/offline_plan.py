"""Plan any Terraform configuration offline, against the embedded emulator, into plan JSON.

The user's folder is copied to a scratch folder (their files are never touched; `config_files`
walks it, for the audit's configuration reader too); an override
file points the `aws` provider at the emulator with dummy credentials and replaces any backend
with a local one; then `init`, `plan` and `show -json`. Used by `prodstack audit` and
`prodstack cost` for folders, and for prodstack's own stack (the aws target's configuration,
planned against an empty emulator, so the plan holds every resource the aws target creates).
"""

from __future__ import annotations

import copy
import errno
import functools
import json
import os
import shutil
import stat
import tempfile
from pathlib import Path
from typing import Any

from prodstack import emulator, synth
from prodstack.errors import UserError
from prodstack.paths import work_root
from prodstack.settings import Settings, load_settings
from prodstack.targets.aws import AwsTarget
from prodstack.targets.local import provider_settings
from prodstack.tf.runner import Terraform

OVERRIDE_FILE = "zz_prodstack_offline_override.tf.json"
_SKIP = {".terraform", ".git", "terraform.tfstate", "terraform.tfstate.backup",
         ".terraform.lock.hcl"}


def override_document(endpoint: str) -> dict[str, Any]:
    """Emulator endpoints and a local backend; the configuration's own region is kept."""
    return {
        "terraform": {"backend": {"local": {}}},
        "provider": {"aws": provider_settings(endpoint)},
    }


def _loop(path: Path) -> UserError:
    target = f" (-> {os.readlink(path)})" if path.is_symlink() else ""
    return UserError(f"{path}: a symbolic link loop{target}", exit_code=2)


def _unreadable(path: Path, exc: OSError) -> UserError:
    if exc.errno == errno.ELOOP:
        return _loop(path)
    if exc.errno == errno.ENOENT and path.is_symlink():
        return UserError(f"{path}: a broken symbolic link (-> {os.readlink(path)})",
                         exit_code=2)
    return UserError(f"{path}: cannot read it ({exc.strerror or exc})", exit_code=2)


def config_files(folder: Path) -> list[tuple[str, Path]]:
    """(path inside `folder`, path to read) of every file Terraform may read from it.

    Skips `.terraform`, `.git`, state and lock files. A symbolic link to a file is read as the
    file it points to. A link to a folder is followed when the folder is inside `folder`;
    one that leads out of it is left out, and one that leads back to a folder being walked
    (`sub/up -> ..`) is a loop. A loop, a broken link or an entry that cannot be read is a
    `UserError` naming the path (exit 2).
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
            raise _unreadable(directory, exc) from None
        for entry in entries:
            if entry.name in _SKIP or entry.name.endswith(".tfstate"):
                continue
            path, rel = Path(entry.path), prefix + entry.name
            try:
                mode = os.stat(path).st_mode  # through links
                real = path.resolve() if stat.S_ISDIR(mode) else path
            except OSError as exc:
                raise _unreadable(path, exc) from None
            if stat.S_ISREG(mode):
                files.append((rel, path))
            elif not stat.S_ISDIR(mode):
                raise UserError(f"{path}: not a file or a folder", exit_code=2)
            elif real in walked:
                raise _loop(path)
            elif real.is_relative_to(root):
                todo.append((path, rel + "/", (*walked, real)))
    return sorted(files)


def _copy_config(source: Path, dest: Path) -> None:
    """Copy what `config_files` lists; links to files become plain files in the copy."""
    for rel, path in config_files(source):
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.copy2(path, target)
        except OSError as exc:
            raise _unreadable(path, exc) from None


def plan_folder(folder: Path, settings: Settings | None = None,
                show_progress: bool = False) -> dict[str, Any]:
    """Plan the configuration in `folder` against the emulator; returns `terraform show -json`."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UserError(f"{folder}: not a folder", exit_code=2)
    if not any(folder.glob("*.tf")) and not any(folder.glob("*.tf.json")):
        raise UserError(f"{folder}: no Terraform configuration (*.tf, *.tf.json) in it",
                        exit_code=2)
    settings = settings or load_settings()
    with tempfile.TemporaryDirectory(prefix="prodstack-plan-") as tmp:
        work = Path(tmp)
        _copy_config(folder, work)  # before the emulator starts: a bad folder fails fast
        info, _ = emulator.start()
        (work / OVERRIDE_FILE).write_text(json.dumps(override_document(info.url)))
        # A configuration without a region gets the settings' one, from the environment.
        tf = Terraform(workdir=work, logs=work_root() / "offline-plans" / "logs",
                       plugin_mirror=settings.plugin_mirror,
                       plugin_dir=settings.plugin_dir, show_progress=show_progress,
                       extra_env={"AWS_REGION": settings.region,
                                  "AWS_DEFAULT_REGION": settings.region})
        tf.run("init", "-input=false", "-no-color", "-reconfigure")
        tf.plan(refresh=False)
        try:
            return tf.show_plan()
        except RecursionError:
            raise UserError(f"{folder}: its plan JSON is nested too deeply to read",
                            exit_code=2) from None


def plan_stack(settings: Settings, show_progress: bool = False) -> dict[str, Any]:
    """Plan prodstack's own stack as the aws target would create it (offline, empty state).

    Plans are cached per process and settings (a test session plans each profile once).
    """
    return copy.deepcopy(_plan_stack_cached(settings, show_progress))


@functools.lru_cache(maxsize=8)
def _plan_stack_cached(settings: Settings, show_progress: bool) -> dict[str, Any]:
    aws_like = AwsTarget.offline_settings(settings)
    with tempfile.TemporaryDirectory(prefix="prodstack-stack-") as tmp:
        synth.write(aws_like, Path(tmp))
        return plan_folder(Path(tmp), settings=aws_like, show_progress=show_progress)

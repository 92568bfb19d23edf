"""Whether what a configuration requires is here, checked before `terraform init`: each
provider at a version its constraints accept, in the plugin mirror, the plugin folder or the
folder's own `.terraform/providers` (where an offline plan takes providers from), and this
Terraform for its `required_version`. Every gap is one line naming the provider or version
and the setting that fixes it, all of them at once (`terraform init` stops at the first kind
of problem, and a plan that cannot start says nothing about the rest).
"""

from __future__ import annotations

import functools
import json
import os
import platform
import re
import subprocess
from collections.abc import Sequence
from pathlib import Path

from prodstack.tf import versions
from prodstack.tf.providers import BUILTIN, Requirements, shown

_ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}
_PACKED = re.compile(r"^terraform-provider-[\w-]+?_(\d[^_]*)_([a-z0-9]+_[a-z0-9]+)\.zip$")
FIX = ("add it to the plugin mirror (PRODSTACK_PLUGIN_MIRROR, setting plugin_mirror; `terraform "
       "providers mirror DIR` makes one) or plugin folder (PRODSTACK_PLUGIN_DIR, setting "
       "plugin_dir), or run `terraform init` in {folder} (online) first")


def searched(folder: Path, mirror: str | None, plugin_dir: str | None
             ) -> tuple[list[Path], str]:
    """The folders an offline plan takes providers from, and how a line names them."""
    user = folder / ".terraform" / "providers"
    named = [(Path(mirror), f"the plugin mirror {mirror}")] if mirror else []
    named += [(Path(plugin_dir), f"the plugin folder {plugin_dir}")] if plugin_dir else []
    named.append((user, str(user)))
    return [path for path, _ in named], " nor ".join(text for _, text in named)


def _platform() -> str | None:
    arch = _ARCH.get(platform.machine().lower())
    return f"{platform.system().lower()}_{arch}" if arch else None


def local_versions(source: str, bases: Sequence[Path]) -> list[str]:
    """The versions of a provider (source address) for this platform under the folders, in
    the unpacked (`HOST/NS/NAME/VERSION/OS_ARCH/`) or packed (`…/NAME/*_VERSION_OS_ARCH.zip`)
    layout."""
    target, found = _platform(), set()
    for base in bases:
        path = base.joinpath(*source.split("/"))
        try:
            entries = list(path.iterdir())
        except OSError:
            continue
        for entry in entries:
            packed = _PACKED.match(entry.name)
            if packed and (target is None or packed.group(2) == target):
                found.add(packed.group(1))
            elif entry.is_dir() and (target is None or (entry / target).is_dir()):
                found.add(entry.name)
    return sorted(found, key=_sortable)


def _sortable(version: str) -> tuple[int, ...]:
    try:
        return versions.parse(version)[0][:3]
    except ValueError:
        return (-1,)


def _matching(have: list[str], constraints: list[str]) -> list[str] | None:
    """The versions that meet the constraints; None when a constraint cannot be read."""
    try:
        return [v for v in have if versions.matches(v, constraints)]
    except ValueError:
        return None


def missing_providers(folder: Path, req: Requirements, allowed: Sequence[str],
                      mirror: str | None, plugin_dir: str | None) -> list[str]:
    """One line per allowed provider with no version here that its constraints accept."""
    bases, where = searched(folder, mirror, plugin_dir)
    lines = []
    for source in sorted(set(req.providers) & set(allowed) - {BUILTIN}):
        constraints = req.providers[source]
        have = local_versions(source, bases)
        ok = _matching(have, constraints)
        if ok is None or ok:
            continue  # Terraform decides what it cannot read
        fix = FIX.format(folder=folder)
        if have:
            lines.append(f"no version of provider {shown(source)} here matches the constraint "
                         f"{', '.join(constraints)} (here: {', '.join(have)}): {fix}")
        else:
            lines.append(f"provider {shown(source)} is not installed here (not in {where}): "
                         f"{fix}")
    return lines


@functools.lru_cache(maxsize=1)
def terraform_version() -> str | None:
    """This Terraform's version (`terraform version -json`, no update check); None when it
    cannot tell."""
    env = {**os.environ, "CHECKPOINT_DISABLE": "1"}
    try:
        proc = subprocess.run(["terraform", "version", "-json"], capture_output=True,
                              text=True, env=env, timeout=60, check=False)
        return str(json.loads(proc.stdout)["terraform_version"])
    except (OSError, ValueError, KeyError, TypeError, subprocess.TimeoutExpired):
        return None


def wrong_terraform(req: Requirements) -> list[str]:
    """One line per `required_version` this Terraform does not meet."""
    have = terraform_version() if req.terraform else None
    lines = []
    for constraint, where in req.terraform:
        ok = _matching([have], [constraint]) if have else None
        if ok is not None and not ok:
            lines.append(f"the configuration requires Terraform {constraint} ({where}); this "
                         f"is Terraform {have}: put a Terraform that matches first on PATH")
    return lines

"""Plan any Terraform configuration offline, against the embedded emulator, into plan JSON.

The user's folder is copied to a scratch folder (their files are never touched); an override
file points the `aws` provider at the emulator with dummy credentials and replaces any backend
with a local one; then `init`, `plan` and `show -json`. Used by `prodstack audit` and
`prodstack cost` for folders, and for prodstack's own stack (the aws target's configuration,
planned against an empty emulator, so the plan holds every resource the aws target creates).
"""

from __future__ import annotations

import copy
import functools
import json
import shutil
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


def _copy_config(source: Path, dest: Path) -> None:
    for item in source.iterdir():
        if item.name in _SKIP or item.name.endswith(".tfstate"):
            continue
        target = dest / item.name
        if item.is_dir():
            shutil.copytree(item, target, ignore=shutil.ignore_patterns(*_SKIP))
        else:
            shutil.copy2(item, target)


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
    info, _ = emulator.start()
    with tempfile.TemporaryDirectory(prefix="prodstack-plan-") as tmp:
        work = Path(tmp)
        _copy_config(folder, work)
        (work / OVERRIDE_FILE).write_text(json.dumps(override_document(info.url)))
        # A configuration without a region gets the settings' one, from the environment.
        tf = Terraform(workdir=work, logs=work_root() / "offline-plans" / "logs",
                       plugin_mirror=settings.plugin_mirror,
                       plugin_dir=settings.plugin_dir, show_progress=show_progress,
                       extra_env={"AWS_REGION": settings.region,
                                  "AWS_DEFAULT_REGION": settings.region})
        tf.run("init", "-input=false", "-no-color", "-reconfigure")
        tf.plan(refresh=False)
        return tf.show_plan()


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

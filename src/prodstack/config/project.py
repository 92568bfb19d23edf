"""What a project folder remembers (`paths.project_root`): the environment and target last
deployed from it, so that `outputs`, `verify` or `down` after `up --env dev` act on dev; and
what is deployed from it, named when a command finds nothing where it looks.

The memory is `last.json` in the working folder; an explicit `--env` or `--target` always
wins over it.
"""

from __future__ import annotations

import json
from pathlib import Path

from prodstack.core.paths import private_dir, work_root
from prodstack.tf import state as tfstate

LAST_FILE = "last.json"
DEFAULT_ENV, DEFAULT_TARGET = "production", "local"


def remember(env: str, target: str) -> None:
    """Record the environment and target last deployed from this folder."""
    path = private_dir(work_root()) / LAST_FILE
    path.write_text(json.dumps({"env": env, "target": target}) + "\n")


def remembered() -> tuple[str, str] | None:
    """(env, target) last deployed from this folder, if any."""
    try:
        data = json.loads((work_root() / LAST_FILE).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), str)
                                              for k in ("env", "target")):
        return None
    return data["env"], data["target"]


def choose(env: str | None, target: str | None) -> tuple[str, str, str | None]:
    """The environment and target a command acts on, and a note when they come from the
    folder's memory (neither given)."""
    if env is not None or target is not None:
        return env or DEFAULT_ENV, target or DEFAULT_TARGET, None
    last = remembered()
    if last is None or last == (DEFAULT_ENV, DEFAULT_TARGET):
        return DEFAULT_ENV, DEFAULT_TARGET, None
    return (*last, f"note: --env {last[0]} --target {last[1]}: the environment last deployed "
            "from this folder (give --env to choose another)")


def deployed(root: Path | None = None) -> list[str]:
    """"dev on local", …: the environments whose local state here lists resources."""
    found = []
    base = root or work_root()
    for state in sorted(base.glob("*-*/terraform.tfstate")):
        target, _, env = state.parent.name.partition("-")
        if tfstate.managed(tfstate.read_file(state)):
            found.append(f"{env} on {target}")
    return found

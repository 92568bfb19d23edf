"""Where prodstack keeps its working files: `.prodstack/` in the current folder (not committed).

`PRODSTACK_HOME` moves it. Inside: `emulator.json` and `emulator.log`, one folder per
target and environment (`local-production/`: Terraform files, state, logs), the provider
plugin cache. Results that can be computed again (offline plans of the own stack, validate
results) go to the user's cache folder (`cache_root`). Folders are created 0700; prodstack
runs with umask 077, so the files in them (and those Terraform writes: state, plans, logs)
are 0600.
"""

from __future__ import annotations

import os
from pathlib import Path


def private_dir(path: Path) -> Path:
    """Create `path` (and parents) readable by its owner only: state, plans and logs hold
    what an attacker would want (ARNs, outputs, the plan of every resource)."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.chmod(0o700)
    return path


def work_root() -> Path:
    home = os.environ.get("PRODSTACK_HOME")
    return Path(home).resolve() if home else Path.cwd() / ".prodstack"


def stack_dir(target: str, env: str) -> Path:
    return work_root() / f"{target}-{env}"


def logs_dir(target: str, env: str) -> Path:
    return stack_dir(target, env) / "logs"


def plugin_cache_dir() -> Path:
    return work_root() / "plugin-cache"


def cache_root() -> Path:
    """The user's cache folder for prodstack (results that can be computed again):
    `PRODSTACK_CACHE_DIR`, else `$XDG_CACHE_HOME/prodstack`, else `~/.cache/prodstack`."""
    explicit = os.environ.get("PRODSTACK_CACHE_DIR")
    if explicit:
        return Path(explicit).resolve()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "prodstack"

"""Where prodstack keeps its working files: `.prodstack/` in the current folder (not committed).

`PRODSTACK_HOME` moves it. Inside: `emulator.json` and `emulator.log`, one folder per
target and environment (`local-production/`: Terraform files, state, logs), the provider
plugin cache.
"""

from __future__ import annotations

import os
from pathlib import Path


def work_root() -> Path:
    home = os.environ.get("PRODSTACK_HOME")
    return Path(home).resolve() if home else Path.cwd() / ".prodstack"


def stack_dir(target: str, env: str) -> Path:
    return work_root() / f"{target}-{env}"


def logs_dir(target: str, env: str) -> Path:
    return stack_dir(target, env) / "logs"


def plugin_cache_dir() -> Path:
    return work_root() / "plugin-cache"

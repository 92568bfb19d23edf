"""Where prodstack keeps its working files: a project's `.prodstack/` (not committed).

A project is a folder: the nearest one, from the current folder up, that holds a
`prodstack.toml` or a `.prodstack/` (found the way git finds its repository), else the
current folder; so every command run in a subfolder uses the project's working folder, its
emulator and its settings file. `PRODSTACK_HOME` names the working folder itself.

Inside: `emulator.json` and `emulator.log`, one folder per target and environment
(`local-production/`: Terraform files, state, logs), the provider plugin cache. Results that
can be computed again and scratch copies of what audit and cost read (offline plans,
validate results) go to the user's cache folder (`cache_root`), never into the user's
repository. Folders are created 0700; prodstack runs with umask 077, so the files in them
(and those Terraform writes: state, plans, logs) are 0600.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path


def private_dir(path: Path) -> Path:
    """Create `path` (and parents) readable by its owner only: state, plans and logs hold
    what an attacker would want (ARNs, outputs, the plan of every resource)."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.chmod(0o700)
    return path


CONFIG_FILE = "prodstack.toml"
WORK_FOLDER = ".prodstack"


def project_root(start: Path | None = None) -> Path | None:
    """The nearest folder from `start` (the current folder) up that holds a `prodstack.toml`
    or a `.prodstack/`; None when none does."""
    here = (start or Path.cwd()).absolute()
    for folder in (here, *here.parents):
        if (folder / CONFIG_FILE).is_file() or (folder / WORK_FOLDER).is_dir():
            return folder
    return None


def config_file(start: Path | None = None) -> Path | None:
    """The project's `prodstack.toml`, when it has one (used when no `--config` is given)."""
    root = project_root(start)
    found = root / CONFIG_FILE if root else None
    return found if found and found.is_file() else None


def settings_file(given: str | None) -> str | None:
    """The settings file a command reads: the one given (`--config`), else the project's."""
    if given:
        return given
    found = config_file()
    return str(found) if found else None


def work_root() -> Path:
    home = os.environ.get("PRODSTACK_HOME")
    if home:
        return Path(home).resolve()
    return (project_root() or Path.cwd().absolute()) / WORK_FOLDER


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


@contextlib.contextmanager
def away_from_the_project() -> Iterator[None]:
    """Audit and cost of a folder or a plan: their working folder (emulator, plugin cache,
    scratch copies of the audited source) is `<cache_root>/work`, unless `PRODSTACK_HOME`
    names one, so that nothing is written into the audited repository."""
    if os.environ.get("PRODSTACK_HOME"):
        yield
        return
    os.environ["PRODSTACK_HOME"] = str(cache_root() / "work")
    try:
        yield
    finally:
        os.environ.pop("PRODSTACK_HOME", None)

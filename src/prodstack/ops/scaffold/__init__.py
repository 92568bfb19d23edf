"""`prodstack init`: a folder to start a project from.

It writes a `prodstack.toml` with the application's settings and every other setting
commented out with its default and what it does (from `settings_doc`, the text the README's
table is made from); an application skeleton (`app/user-data.sh`: a web server on port 8080
with the health check the settings name); a CI workflow (`.github/workflows/prodstack.yml`:
validate, audit, cost, then up, verify and down on the embedded emulator); and `.prodstack/`
in `.gitignore`. A file that exists is never overwritten unless asked (`force`).
"""

from __future__ import annotations

import textwrap
from importlib import resources
from pathlib import Path

from prodstack.config import settings_doc
from prodstack.core.errors import UserError
from prodstack.core.paths import CONFIG_FILE, WORK_FOLDER

USER_DATA = "app/user-data.sh"
WORKFLOW = ".github/workflows/prodstack.yml"
GITIGNORE = ".gitignore"
# The settings the skeleton gives values to (they name its files and its port).
ACTIVE = {"app_user_data": f'"{USER_DATA}"', "app_port": "8080",
          "health_check_path": '"/healthz"'}

HEADER = """\
# prodstack settings, written by `prodstack init`. Every prodstack command run in this folder
# or below reads this file (as if given with --config). `--set NAME=VALUE` overrides a value
# for one run; an [env.<name>] table at the end overrides values for one environment
# (production, staging, dev). Bad values stop a command before Terraform runs, in one line
# naming the setting.
"""


def _comment(text: str) -> list[str]:
    return textwrap.wrap(settings_doc.plain(text), width=94, initial_indent="# ",
                         subsequent_indent="#   ", break_on_hyphens=False)


def render_toml() -> str:
    app: list[str] = []
    rest: list[str] = []
    tables: list[str] = []  # TOML tables follow every top-level key: uncommented, they must
    for entry in settings_doc.SETTINGS:
        doc = _comment(f"{', '.join(entry.names)} (default: {entry.default}): {entry.notes}")
        examples = dict(zip(entry.names, entry.example, strict=False))
        if any(name in ACTIVE for name in entry.names):
            app += [*doc, *(f"{n} = {ACTIVE[n]}" if n in ACTIVE else f"# {examples[n]}"
                            for n in entry.names), ""]
        else:
            into = tables if entry.example[0].startswith("[") else rest
            into += [*doc, *(f"# {line}" for line in entry.example), ""]
    return "\n".join([
        HEADER, "# The application: the skeleton in app/ (a web server with a health check).",
        *app, "# Every other setting, with its default and what it does (uncomment a line to "
        "change it):", "", *rest, *tables, "# Values for one environment only, e.g.:",
        "# [env.production]", "# min_size = 3", ""])


def _template(name: str) -> str:
    return resources.files(__package__).joinpath("templates", name).read_text()


def files(folder: Path) -> dict[Path, str]:
    """What `init` writes into `folder` (path -> text); `.gitignore` is appended to."""
    ignore = folder / GITIGNORE
    present = ignore.read_text() if ignore.exists() else ""
    entries = {line.strip() for line in present.splitlines()}
    wanted = {f"{WORK_FOLDER}/", WORK_FOLDER, f"/{WORK_FOLDER}/"}
    out = {folder / CONFIG_FILE: render_toml(),
           folder / USER_DATA: _template("user-data.sh"),
           folder / WORKFLOW: _template("prodstack.yml")}
    if not entries & wanted:
        sep = "" if not present or present.endswith("\n") else "\n"
        out[ignore] = f"{present}{sep}# prodstack's working folder (state, logs)\n{WORK_FOLDER}/\n"
    return out


def write(folder: Path, force: bool = False) -> list[Path]:
    """Write the project's files; refuse (one line) when one exists, unless `force`."""
    planned = files(folder)
    clashes = [p for p in planned if p.exists() and p.name != GITIGNORE]
    if clashes and not force:
        raise UserError(f"init would overwrite {', '.join(str(p) for p in clashes)}; move "
                        "them away or run `prodstack init --force`", exit_code=2)
    for path, text in planned.items():
        for parent in reversed([path.parent, *path.parent.parents]):
            if not parent.exists():  # the project's own folders: as a repository has them
                parent.mkdir(mode=0o755)
                parent.chmod(0o755)
        path.write_text(text)
        path.chmod(0o755 if path.suffix == ".sh" else 0o644)
    return list(planned)

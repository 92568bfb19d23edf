"""The `prodstack init` command: write the project's files and say what to run next."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from prodstack.ops.scaffold import write


def docs_folder() -> Path | None:
    """Where the installed wheel keeps the documentation (README, docs/, the example)."""
    found = Path(sys.prefix) / "share" / "doc" / "prodstack"
    return found if (found / "README.md").is_file() else None


@click.command("init")
@click.argument("folder", required=False, default=".",
                type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite files that exist.")
def init_cmd(folder: Path, force: bool) -> None:
    """Start a project: a commented prodstack.toml, an application skeleton, a CI workflow."""
    folder.mkdir(parents=True, exist_ok=True)
    written = write(folder, force)
    for path in written:
        click.echo(f"wrote {path}")
    where = "" if folder.resolve() == Path.cwd().resolve() else f"cd {folder} && "
    docs = docs_folder()
    click.echo("\n".join([
        "",
        "next:",
        f"  {where}prodstack up --env dev       # deploy it on the embedded AWS emulator "
        "(about 2 minutes; no account needed)",
        "  prodstack verify               # check it live (one check per catalog fix)",
        "  prodstack down --yes --purge   # remove everything again (dev: the last deployed)",
        "settings: prodstack.toml (every setting, its default and what it does); your "
        "application: app/user-data.sh",
        f"docs: {docs}" if docs else "docs: README.md and docs/ of prodstack's source",
    ]))

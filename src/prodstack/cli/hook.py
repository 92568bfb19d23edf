"""The pre-commit hook `prodstack-audit` (.pre-commit-hooks.yaml): `prodstack audit` on the
root folders of the changed `*.tf` / `*.tf.json` files.

    python -m prodstack.cli.hook [--root DIR]... [--env ENV] [--fail-on SEVERITY]
                                   [--suppressions FILE] [--allow-provider NS/NAME]... FILE...

A changed file's folder is audited when it is a root configuration. When it is a local module
(some folder under the working directory calls it with `source = "./…"` or `"../…"`), the
root folders that call it, directly or through other modules, are audited instead: a module
alone cannot be planned. `--root DIR` names the roots instead: a changed file is audited with
the innermost given root that contains it (and files under no root are left alone). Each root
is audited once, in its own process; the hook exits with the highest exit code (2 over 1).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import click

from prodstack.catalog.model import SEVERITIES
from prodstack.tf.hcl_blocks import parse_hcl

_SKIP_DIRS = {".terraform", ".git", ".venv", "node_modules"}


def _local_sources(folder: Path) -> set[Path]:
    """The folders a configuration folder calls as local modules."""
    out: set[Path] = set()
    for path in sorted(folder.iterdir()):
        if not path.is_file():
            continue
        try:
            text = path.read_text(errors="replace")
        except OSError:
            continue
        sources: list[object] = []
        if path.name.endswith(".tf"):
            sources = [b.attrs.get("source") for b in parse_hcl(text).blocks
                       if b.type == "module"]
        elif path.name.endswith(".tf.json"):
            try:
                modules = json.loads(text).get("module", {})
            except (ValueError, AttributeError):
                continue
            for group in modules if isinstance(modules, list) else [modules]:
                if isinstance(group, dict):
                    sources += [c.get("source") for c in group.values() if isinstance(c, dict)]
        out |= {Path(os.path.normpath(folder / s)) for s in sources
                if isinstance(s, str) and s.startswith(("./", "../"))}
    return out


def _configuration_folders(top: Path) -> Iterable[Path]:
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
        if any(f.endswith((".tf", ".tf.json")) for f in filenames):
            yield Path(dirpath)


def roots_of(files: Sequence[str], top: Path, roots: Sequence[Path] = ()) -> list[Path]:
    """The root folders to audit for these changed files, in a stable order."""
    folders = {Path(os.path.normpath(top / f)).parent for f in files
               if f.endswith((".tf", ".tf.json"))}
    folders = {f for f in folders if any(f.glob("*.tf")) or any(f.glob("*.tf.json"))}
    if roots:
        given = sorted({Path(os.path.normpath(top / r)) for r in roots},
                       key=lambda p: len(p.parts), reverse=True)
        chosen = {next((r for r in given if f == r or r in f.parents), None) for f in folders}
        return sorted(r for r in chosen if r is not None)
    callers: dict[Path, set[Path]] = {}
    for folder in _configuration_folders(top):
        for source in _local_sources(folder):
            callers.setdefault(source, set()).add(folder)
    out: set[Path] = set()
    for folder in folders:
        todo, seen = [folder], {folder}
        while todo:
            current = todo.pop()
            above = callers.get(current, set()) - seen
            if not callers.get(current):
                out.add(current)
            seen |= above
            todo += sorted(above)
    return sorted(out)


def run_audits(folders: Sequence[Path], audit_args: Sequence[str],
               call: Callable[[list[str]], int] | None = None) -> int:
    """`prodstack audit FOLDER` for each folder, in its own process; the highest exit code."""
    call = call or subprocess.call
    worst = 0
    for folder in folders:
        click.echo(f"prodstack audit {folder}", err=True)
        code = call([sys.executable, "-m", "prodstack", "audit", str(folder), *audit_args])
        worst = max(worst, code) if code in (0, 1, 2) else max(worst, 2)
    return worst


@click.command("prodstack-audit-hook")
@click.argument("files", nargs=-1)
@click.option("--root", "roots", multiple=True, type=click.Path(file_okay=False),
              help="A root configuration folder (repeatable); default: found from the files.")
@click.option("--env", default=None, help="Passed to prodstack audit.")
@click.option("--fail-on", type=click.Choice(SEVERITIES), default=None,
              help="Passed to prodstack audit.")
@click.option("--suppressions", default=None, help="Passed to prodstack audit.")
@click.option("--allow-provider", "allow_providers", multiple=True,
              help="Passed to prodstack audit (repeatable).")
def main(files: tuple[str, ...], roots: tuple[str, ...], env: str | None, fail_on: str | None,
         suppressions: str | None, allow_providers: tuple[str, ...]) -> None:
    """Audit the root folders of the changed Terraform files."""
    args: list[str] = []
    for name, value in (("--env", env), ("--fail-on", fail_on),
                        ("--suppressions", suppressions)):
        if value:
            args += [name, value]
    for provider in allow_providers:
        args += ["--allow-provider", provider]
    folders = roots_of(files, Path.cwd(), [Path(r) for r in roots])
    sys.exit(run_audits([Path(os.path.relpath(f)) for f in folders], args))


if __name__ == "__main__":
    main()

"""`prodstack audit FOLDER --recursive`: every root module under FOLDER, in one report.

A root is a folder with `*.tf` / `*.tf.json` files that declares a backend (or a `cloud`
block) or a provider, or that no other folder under FOLDER calls as a local module
(`envs/prod`, `envs/staging`, `stacks/*`; the modules they call are not roots). Hidden
folders (`.terraform`, `.git`, …) and `node_modules` are not searched. Each root is audited as
`prodstack audit ROOT` would audit it (its own suppressions, its block locations, the same
`--var`s where it declares them), at most as many at once as there are cores, against one
emulator. The results are merged: each finding, accepted, suppressed or unseen entry names
its root; files are shown relative to FOLDER (or `--path-base`); a root that cannot be
planned is audited with its configuration rules only and says why in `root_errors` (one
line per reason), and one that cannot be read at all is one line there; the others go on. The
exit code is computed over all the roots (engine.AuditResult.exit_code).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from prodstack.catalog.model import severity_rank
from prodstack.config.settings import Settings
from prodstack.core.errors import UserError, cannot_read
from prodstack.ops.audit import suppress
from prodstack.ops.audit.allow import allowlist
from prodstack.ops.audit.engine import NOT_PLANNED, AuditResult, Finding
from prodstack.ops.audit.inputs import audit_input, folder_input
from prodstack.ops.audit.locations import Locations, read_folder_locations
from prodstack.tf.allowlist import Allowlist
from prodstack.tf.modtree import normal, read_folder

_NOT_SEARCHED = {"node_modules"}
_LOG_HINT = re.compile(r"[;,]?\s*\(?full log: [^)]*\)?\s*$")


def _configuration_folders(top: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames
                             if not d.startswith(".") and d not in _NOT_SEARCHED)
        if any(f.endswith((".tf", ".tf.json")) for f in filenames):
            yield normal(Path(dirpath))


def find_roots(top: Path) -> list[Path]:
    """The root modules under `top` (absolute), in path order."""
    folders = {path: read_folder(path) for path in _configuration_folders(normal(top))}
    called = {normal(path / call.source) for path, folder in folders.items()
              for call in folder.calls if call.local}
    return sorted(path for path, folder in folders.items()
                  if folder.declares or path not in called)


def _cores() -> int:
    """The cores this process may run on (a container's limit, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _name(root: Path, top: Path) -> str:
    return Path(os.path.relpath(root, top)).as_posix()


def _one(root: Path, name: str, settings: Settings, suppressions: Path | None, base: Path,
         variables: Sequence[str], var_files: Sequence[Path], allow: Allowlist
         ) -> AuditResult | str:
    """One root's audit (of its configuration only when it could not be planned), or the
    one line saying why it could not be audited at all."""
    try:
        locations = read_folder_locations(root)
        locations.base = base
        written = suppress.load(root, suppressions, locations)
        inp, not_planned = folder_input(root, settings, variables, var_files,
                                        declared_only=True, allow=allow)
        return audit_input(inp, settings.env, locations, written, not_planned)
    except UserError as exc:
        return _LOG_HINT.sub("", str(exc))
    except OSError as exc:
        return str(cannot_read(root, exc))
    except Exception as exc:  # one root's surprise must not stop the others
        return f"{root}: could not be audited ({type(exc).__name__}: {exc})"


def _sort_key(finding: Finding) -> tuple[int, str, str, str]:
    return severity_rank(finding.severity), finding.id, finding.root, finding.address


def merge(source: str, env: str | None, outcomes: list[tuple[str, AuditResult | str]],
          base: Path) -> AuditResult:
    """One result of the roots' results; each entry names its root."""
    result = AuditResult(source=source, env=env, resources=0)
    result.locations = Locations(root=base, base=base)
    shared: set[tuple[str, str]] = set()  # a suppressions file given to every root
    for name, outcome in outcomes:
        result.roots.append(name)
        if isinstance(outcome, str):
            result.root_errors.append((name, outcome))
            continue
        result.resources += outcome.resources
        result.rules_run = max(result.rules_run, outcome.rules_run)
        result.ran += [rule_id for rule_id in outcome.ran if rule_id not in result.ran]
        for finding in outcome.findings:
            if finding.id == suppress.META_ID and finding.address in outcome.pinned:
                if (finding.address, finding.message) in shared:
                    continue
                shared.add((finding.address, finding.message))
            result.findings.append(replace(finding, root=name))
        result.accepted += [replace(a, finding=replace(a.finding, root=name))
                            for a in outcome.accepted]
        result.suppressed += [replace(s, finding=replace(s.finding, root=name))
                              for s in outcome.suppressed]
        result.unseen += [replace(u, root=name) for u in outcome.unseen]
        result.skipped += [(rule_id, f"{name}: {reason}" if reason == NOT_PLANNED else reason)
                           for rule_id, reason in outcome.skipped
                           if (rule_id, reason) not in result.skipped]
        result.errors += [(rule_id, f"{name}: {error}") for rule_id, error in outcome.errors]
        result.root_errors += [(name, error) for _, error in outcome.root_errors]
        result.pinned.update(outcome.pinned)
        if outcome.locations is not None:
            result.root_locations[name] = outcome.locations
    result.findings.sort(key=_sort_key)
    result.accepted.sort(key=lambda a: _sort_key(a.finding))
    result.suppressed.sort(key=lambda s: _sort_key(s.finding))
    return result


def audit_recursive(top: Path, settings: Settings, suppressions: Path | None = None,
                    path_base: Path | None = None, variables: Sequence[str] = (),
                    var_files: Sequence[Path] = (),
                    echo: Callable[[str], None] = lambda line: None,
                    allow_providers: Sequence[str] = ()) -> AuditResult:
    """Every root under `top`, planned in parallel (bounded by the cores), one result."""
    from prodstack.runtime import emulator

    roots = find_roots(top.absolute())
    if not roots:
        raise UserError(f"{top}: no root module under it (a folder of *.tf files that "
                        "declares a backend or a provider, or that no other folder calls)",
                        exit_code=2)
    allow = allowlist(allow_providers, suppressions)
    base = normal((path_base or top).absolute())
    names = [_name(root, normal(top.absolute())) for root in roots]
    workers = max(1, min(len(roots), _cores()))
    echo(f"planning {len(roots)} root{'s' if len(roots) > 1 else ''} under {top} offline "
         f"against the emulator ({workers} at a time): {', '.join(names)}")
    was_running = emulator.running() is not None
    emulator.start()  # once, before the roots plan in parallel against it
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(
                lambda pair: _one(pair[0], pair[1], settings, suppressions, base, variables,
                                  var_files, allow), zip(roots, names, strict=True)))
    finally:
        if not was_running:
            emulator.stop()
    return merge(str(top), settings.env, list(zip(names, results, strict=True)), base)

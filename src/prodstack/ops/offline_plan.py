"""Plan any Terraform configuration offline, against the embedded emulator, into plan JSON.

The folder is planned as it stands, without writing to it: its module tree (local sources,
and the modules the user's own `terraform init` installed; modtree.py) is copied into a
scratch folder kept under PRODSTACK_HOME (scratch.py), which an override file per module
points at the emulator: every `provider "aws"` block, default or aliased (each keeps its
region), gets the emulator's endpoints and dummy credentials, and the root's backend becomes
a local one (and its own proxy settings are unset: the network guard holds). Before anything
is copied or run, `preflight` says why the folder must not or cannot be planned, every reason
at once: a provider or data source the allowlist refuses (allowlist.py), a module or provider
that is not here, a Terraform the configuration does not accept (installable.py). Then
`init` (only when what it depends on changed since the last run, one at a time), `plan
-refresh=false -lock=false` with the given variables, and `show -json`. What the user can
fix is `Unplannable`, one line per reason saying which and how (offline_env.py).
The copy holds what `tf.folder.config_files` lists (what the audit reads too). Used by
`prodstack audit` and `prodstack cost` for folders, and for prodstack's own stack (the aws
target's configuration, planned against an empty emulator, so the plan holds every resource
the aws target creates).
"""

from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from prodstack.config.load import load_settings
from prodstack.config.settings import Settings
from prodstack.core.errors import UserError
from prodstack.core.paths import plugin_cache_dir, private_dir
from prodstack.platform.local import provider_settings
from prodstack.runtime import emulator
from prodstack.stack import synth
from prodstack.tf import installable, modtree, offline_env, providers, result_cache, scratch
from prodstack.tf.allowlist import Allowlist, refusals
from prodstack.tf.folder import config_files, unreadable
from prodstack.tf.offline_env import Unplannable
from prodstack.tf.runner import Terraform, TerraformError
from prodstack.tf.scratch import safe_name

OVERRIDE_FILE = "zz_prodstack_offline_override.tf.json"
OFFLINE_STATE_BUCKET = "prodstack-offline-plan"
OFFLINE_ZONE = "ZPRODSTACKOFFLINE"
# A configuration's own profile or account guards do not apply to the emulator's account, and
# its own proxy settings would take the provider's calls past the network guard.
_NEUTRAL = {"profile": None, "allowed_account_ids": None, "forbidden_account_ids": None,
            "http_proxy": None, "https_proxy": None, "no_proxy": None}


def override_document(endpoint: str) -> dict[str, Any]:
    """Emulator endpoints and a local backend; the configuration's own region is kept."""
    return {
        "terraform": {"backend": {"local": {}}},
        "provider": {"aws": _provider(endpoint, "")},
    }


def _copy_config(source: Path, dest: Path) -> None:
    """Copy what `config_files` lists; links to files become plain files in the copy."""
    for rel, path in config_files(source):
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.copy2(path, target)
        except OSError as exc:
            raise unreadable(path, exc) from None


def _provider(endpoint: str, alias: str) -> dict[str, Any]:
    settings: dict[str, Any] = {**provider_settings(endpoint), **_NEUTRAL}
    return {"alias": alias, **settings} if alias else settings


def overrides(tree: modtree.Tree, place: scratch.Scratch, endpoint: str) -> dict[Path, str]:
    """The override file of each module folder that configures `aws` (and of the root)."""
    out: dict[Path, str] = {}
    for node in tree.nodes:
        dest = place.dest(node.folder.path) / OVERRIDE_FILE
        aliases = list(dict.fromkeys(node.folder.aws_aliases))
        if node.key == "" and "" not in aliases:
            aliases.insert(0, "")  # a default configuration may be added; aliases may not
        if dest in out or not aliases:
            continue
        doc: dict[str, Any] = {"provider": {"aws": [_provider(endpoint, a) for a in aliases]}}
        if node.key == "":
            doc["terraform"] = {"backend": {"local": {}}}
        out[dest] = json.dumps(doc, indent=1) + "\n"
    return out


def _stamp(tree: modtree.Tree, place: scratch.Scratch, cli: str, plugin_dir: str | None
           ) -> str:
    """What `terraform init` depends on: when it is unchanged, init is skipped."""
    binary = shutil.which("terraform") or ""
    parts = [[n.address, str(place.dest(n.folder.path).relative_to(place.base)),
              sorted(set(n.folder.init_text))] for n in tree.nodes]
    with contextlib.suppress(OSError):
        binary += f"@{os.stat(binary).st_mtime_ns}"
    data = [parts, sorted(tree.installed.items()), cli, plugin_dir, binary]
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _init(tf: Terraform, folder: Path, tree: modtree.Tree, place: scratch.Scratch,
          settings: Settings, stamp: str, force: bool = False) -> None:
    """`terraform init`, unless the last one was for the same stamp; then the plan's
    environment (the network guard) is set."""
    try:
        _init_once(tf, folder, tree, place, settings, stamp, force)
    finally:
        tf.extra_env.update(offline_env.guard())  # the plan: nothing for AWS leaves


def _init_once(tf: Terraform, folder: Path, tree: modtree.Tree, place: scratch.Scratch,
               settings: Settings, stamp: str, force: bool) -> None:
    data = place.workdir / ".terraform"
    marker = data / "prodstack-init"
    with contextlib.suppress(OSError):
        if not force and marker.read_text() == stamp and (data / "providers").is_dir():
            return
    manifest = [{"Key": "", "Source": "", "Dir": "."}, *tree.installed.values()]
    scratch.write_text(data / "modules" / "modules.json", json.dumps({"Modules": manifest}))
    (place.workdir / ".terraform.lock.hcl").unlink(missing_ok=True)  # ours, made again
    marker.unlink(missing_ok=True)
    tf.extra_env = _init_env(place, settings)
    with scratch.init_lock():
        try:
            tf.run("init", "-input=false", "-no-color", "-reconfigure")
        except TerraformError as exc:
            raise offline_env.explain(folder, exc, settings.plugin_mirror,
                                      settings.plugin_dir) or exc from None
    marker.write_text(stamp)


def _init_env(place: scratch.Scratch, settings: Settings) -> dict[str, str]:
    """A configuration without a region gets the settings' one, from the environment."""
    guarded = bool(settings.plugin_mirror or settings.plugin_dir)
    return offline_env.environment(settings.region, place.base / "terraformrc", guarded)


def _plan(tf: Terraform, folder: Path, settings: Settings, args: list[str],
          reinit: Callable[[], None]) -> dict[str, Any]:
    try:
        try:
            tf.plan(refresh=False, extra=args)
        except TerraformError as exc:
            if not offline_env.needs_init(exc):
                raise
            reinit()  # the kept .terraform is stale: once more from a fresh init
            tf.plan(refresh=False, extra=args)
    except TerraformError as exc:
        raise offline_env.explain(folder, exc, settings.plugin_mirror,
                                  settings.plugin_dir) or exc from None
    try:
        return tf.show_plan()
    except RecursionError:
        raise UserError(f"{folder}: its plan JSON is nested too deeply to read",
                        exit_code=2) from None


def preflight(folder: Path, tree: modtree.Tree, settings: Settings, allow: Allowlist
              ) -> list[str]:
    """Why the folder must not or cannot be planned here, all at once, before anything runs:
    modules not installed, providers and data sources the allowlist refuses, a Terraform
    version the configuration does not accept, and (when providers come from a mirror or a
    plugin folder only) providers not here at an accepted version."""
    reasons = [modtree.missing_line(folder, tree).removeprefix(f"{folder}: ")] \
        if tree.missing else []
    req = providers.read(tree)
    reasons += refusals(req, allow) + installable.wrong_terraform(req)
    if settings.plugin_mirror or settings.plugin_dir:
        reasons += installable.missing_providers(folder, req, allow.include(),
                                                 settings.plugin_mirror, settings.plugin_dir)
    return reasons


def plan_folder(folder: Path, settings: Settings | None = None, show_progress: bool = False,
                variables: Sequence[str] = (), var_files: Sequence[Path] = (),
                declared_only: bool = False, allow: Allowlist | None = None
                ) -> dict[str, Any]:
    """Plan the configuration in `folder` against the emulator; returns `terraform show -json`.

    `variables` (NAME=VALUE) and `var_files` go to the plan; with `declared_only`, only the
    variables the root declares (a recursive audit gives the same ones to every root).
    `allow`: the providers it may run (allowlist.py; its defaults without). A folder that
    must not or cannot be planned is `Unplannable`, with every reason.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise UserError(f"{folder}: not a folder", exit_code=2)
    if not any(folder.glob("*.tf")) and not any(folder.glob("*.tf.json")):
        raise UserError(f"{folder}: no Terraform configuration (*.tf, *.tf.json) in it",
                        exit_code=2)
    settings = settings or load_settings()
    allow = allow or Allowlist()
    tree = modtree.read_tree(modtree.normal(folder.absolute()))
    reasons = preflight(folder, tree, settings, allow)
    if reasons:
        raise Unplannable(folder, reasons)
    declared = set(tree.root_folder.variables) if declared_only else None
    args = offline_env.var_args(variables, var_files, declared)
    place = scratch.place(tree)
    files = scratch.copy_plan(tree, place)  # before the emulator starts: a bad folder fails fast
    cli = offline_env.cli_config(settings.plugin_mirror, tree.root / ".terraform" / "providers",
                                 allow.include(), settings.plugin_dir)
    info, _ = emulator.start()
    with scratch.locked(place):
        scratch.sync(place, files, overrides(tree, place, info.url))
        scratch.write_text(place.base / "terraformrc", cli)
        tf = Terraform(workdir=place.workdir, logs=place.logs,
                       plugin_mirror=settings.plugin_mirror, plugin_dir=settings.plugin_dir,
                       show_progress=show_progress, lock=False,
                       extra_env=_init_env(place, settings))
        stamp = _stamp(tree, place, cli, settings.plugin_dir)
        scratch.prune_logs(place.logs)
        _init(tf, folder, tree, place, settings, stamp)

        def reinit() -> None:
            tf.stop_sharing()
            _init(tf, folder, tree, place, settings, stamp, force=True)

        if one_aws_configuration(tree):
            tf.share_provider()  # started with the plan's environment: behind the guard
        try:
            return _plan(tf, folder, settings, args, reinit)
        finally:
            tf.stop_sharing()


def one_aws_configuration(tree: modtree.Tree) -> bool:
    """The whole tree configures `aws` once (the root's default configuration): one provider
    process may then serve the plan and `show` (tf/provider_server.py)."""
    root = [n for n in tree.nodes if n.key == ""]
    others = [n for n in tree.nodes if n.key != "" and n.folder.aws_aliases]
    return not others and all(set(n.folder.aws_aliases) <= {""} for n in root)


def plan_stack(settings: Settings, show_progress: bool = False) -> dict[str, Any]:
    """Plan prodstack's own stack as the aws target would create it (offline, empty state).

    Plans are cached per process and settings, and on disk by everything they depend on
    (`result_cache`): a test session, or a user's audit and cost, plans each stack once.
    """
    return copy.deepcopy(_plan_stack_cached(settings, show_progress))


def offline_settings(settings: Settings) -> Settings:
    """These settings on the aws target, with placeholders for what an offline plan of its
    configuration does not need (a state bucket, a zone, an address)."""
    return replace(
        settings, target="aws",
        state_bucket=settings.state_bucket or OFFLINE_STATE_BUCKET,
        domain=settings.effective_domain,
        hosted_zone_id=settings.hosted_zone_id or OFFLINE_ZONE,
        alarm_emails=settings.effective_alarm_emails,
    )


@functools.lru_cache(maxsize=8)
def _plan_stack_cached(settings: Settings, show_progress: bool) -> dict[str, Any]:
    """Synthesized into a folder of its own per environment, so its scratch copy (and the
    init of it) is reused across runs."""
    aws_like = offline_settings(settings)
    files = synth.render(aws_like)
    provider = result_cache.provider_id(aws_like.plugin_mirror, aws_like.plugin_dir,
                                        plugin_cache_dir())
    terraform = result_cache.terraform_id()
    entry = result_cache.key(files, repr(aws_like), provider, terraform) \
        if provider and terraform else None

    def plan() -> dict[str, Any]:
        folder = private_dir(scratch.offline_plans() / "own-stack" / safe_name(settings.env))
        synth.write(aws_like, folder)
        return plan_folder(folder, settings=aws_like, show_progress=show_progress)

    return dict(result_cache.cached("own-stack-plans", entry, plan))

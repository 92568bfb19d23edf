"""What an offline plan of a folder runs with, and what it answers when Terraform refuses.

The CLI configuration (written next to the scratch copy, not the global one) takes providers
from the plugin mirror, the plugin folder, and the folder's own `.terraform/providers` when
the user ran `terraform init` there (so `hashicorp/random` works once they have); with a
mirror or a plugin folder there is no `direct` installation; every source `include`s only the
providers the allowlist allows (allowlist.py). The proxy variables point at a closed port
on 127.0.0.1, for `init` when providers come from a mirror and for the plan always, so that
neither Terraform nor a provider reaches anything but the emulator (a service the emulator
does not serve fails in one line instead of calling AWS). `--var NAME=VALUE` and
`--var-file FILE` become plan arguments. A refusal that the
user can fix (providers or a module that are not installed, required variables without a
value) becomes `Unplannable`, one line per reason saying which and how (every provider `init`
names in its log, not only the first); `needs_init` says when a plan failed only because the
kept `.terraform` is stale.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from prodstack.core.errors import UserError, cannot_read
from prodstack.core.paths import plugin_cache_dir
from prodstack.tf import installable
from prodstack.tf.cliconfig import PROVIDER
from prodstack.tf.providers import source_address
from prodstack.tf.runner import TerraformError

CLOSED = "http://127.0.0.1:9"  # the discard port: nothing listens, nothing leaves
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_PROVIDER = re.compile(r"provider (?:[\w.-]+\.[a-z]{2,}/)?([\w-]+/[\w-]+)")
_CONSTRAINT = re.compile(r"no available releases match the given constraints ([^:]+?)"
                         r"(?:\s+To see|\s*$|:)")
_BLOCKED = re.compile(r"https://([\w.-]+\.amazonaws\.com)")
_MODULE = re.compile(r'module "([^"]+)"|Module "?([\w.-]+)"?')
_REINIT = ("Module not installed", "Backend initialization required",
           "Inconsistent dependency lock file", "Required plugins are not installed",
           "Could not load plugin", 'run "terraform init"', "please run terraform init")


def _mirror_block(path: Path, include: Sequence[str] | None) -> list[str]:
    only = [f"    include = {json.dumps(list(include))}"] if include is not None else []
    return ["  filesystem_mirror {", f'    path = "{path}"', *only, "  }"]


def cli_config(mirror: str | None, user_providers: Path | None,
               include: Sequence[str] | None = None, plugin_dir: str | None = None) -> str:
    """The CLI configuration for an offline plan (see the module docstring); `include`: the
    only providers Terraform may install (provider source addresses)."""
    lines = [f'plugin_cache_dir = "{plugin_cache_dir()}"', "provider_installation {"]
    if mirror:
        path = Path(mirror).resolve()
        if not path.is_dir() or (not (path / PROVIDER).is_dir()
                                 and not any(path.glob("**/terraform-provider-aws*"))):
            raise UserError(f"plugin mirror {path}: holds no hashicorp/aws provider "
                            f"(expected {path / PROVIDER}/<version>/<os_arch>/)", exit_code=2)
        lines += _mirror_block(path, include)
    if plugin_dir:
        path = Path(plugin_dir).resolve()
        if not path.is_dir():
            raise UserError(f"plugin dir {path}: not a directory", exit_code=2)
        lines += _mirror_block(path, include)
    if user_providers is not None and user_providers.is_dir():
        lines += _mirror_block(user_providers, include)
    if not mirror and not plugin_dir:
        only = f" include = {json.dumps(list(include))} " if include is not None else ""
        lines += [f"  direct {{{only}}}"]
    return "\n".join([*lines, "}", ""])


def guard() -> dict[str, str]:
    """Proxy variables that send whatever is not for 127.0.0.1 to a closed port on it."""
    env = {name: CLOSED for name in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy")}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env


def environment(region: str, cli_config_file: Path, guarded: bool) -> dict[str, str]:
    """For `init`: guarded when providers come from a mirror or a plugin folder (without,
    Terraform downloads them). The plan and `show` are always guarded: a provider call the
    emulator does not serve must not reach AWS."""
    env = {"AWS_REGION": region, "AWS_DEFAULT_REGION": region,
           "TF_CLI_CONFIG_FILE": str(cli_config_file), "TF_DATA_DIR": ".terraform"}
    return {**env, **guard()} if guarded else env


def parse_vars(variables: Iterable[str]) -> dict[str, str]:
    """`--var NAME=VALUE` values, by name; a malformed one is one line, exit 2."""
    out: dict[str, str] = {}
    for item in variables:
        name, sep, value = item.partition("=")
        if not sep or not _NAME.match(name.strip()):
            raise UserError(f"--var {item!r}: expected NAME=VALUE", exit_code=2)
        out[name.strip()] = value
    return out


def var_args(variables: Iterable[str], var_files: Sequence[Path],
             declared: set[str] | None = None) -> list[str]:
    """Plan arguments for the variables (only those the root declares, with `declared`)
    and the variable files (absolute: the plan runs elsewhere)."""
    args: list[str] = []
    for name, value in parse_vars(variables).items():
        if declared is None or name in declared:
            args += ["-var", f"{name}={value}"]
    for file in var_files:
        path = Path(file).absolute()
        if not path.is_file():
            raise UserError(f"--var-file {file}: no such file", exit_code=2)
        try:
            path.read_bytes()
        except OSError as exc:
            raise cannot_read(f"--var-file {file}", exc) from None
        args.append(f"-var-file={path}")
    return args


class Unplannable(UserError):
    """A folder that cannot be planned here, with every reason (one line each, without the
    folder); as an error, one line naming them all."""

    def __init__(self, folder: Path, reasons: Sequence[str]) -> None:
        super().__init__(f"{folder}: {'; '.join(reasons)}", exit_code=2)
        self.reasons = list(reasons)


def _log_text(exc: TerraformError) -> str:
    """The whole output of a failed `init` (its error names only the first problem)."""
    try:
        return exc.log.read_text(errors="replace") if exc.log is not None else ""
    except OSError:
        return ""


def _providers(folder: Path, text: str, mirror: str | None, plugin_dir: str | None
               ) -> list[str]:
    """One line per provider that `init` could not install, every one it names."""
    bases, where = installable.searched(folder, mirror, plugin_dir)
    blocks = re.split(r"Error:", " ".join(text.split()))
    lines: dict[str, str] = {}
    for block in blocks[1:] or blocks:
        found = _PROVIDER.search(block)
        if not found or found.group(1) in lines:
            continue
        which, constraint = found.group(1), _CONSTRAINT.search(block)
        fix = installable.FIX.format(folder=folder)
        if constraint:
            have = installable.local_versions(source_address(which), bases)
            lines[which] = (f"no version of provider {which} here matches the constraint "
                            f"{constraint.group(1).strip()} (here: {', '.join(have) or 'none'})"
                            f": {fix}")
        else:
            lines[which] = f"provider {which} is not installed here (not in {where}): {fix}"
    return list(lines.values())


def _text(exc: TerraformError) -> str:
    return " ".join([str(exc), *(f"{d.summary}: {d.detail}" for d in exc.diagnostics)])


def needs_init(exc: TerraformError) -> bool:
    text = _text(exc)
    return any(hint in text for hint in _REINIT)


def explain(folder: Path, exc: TerraformError, mirror: str | None,
            plugin_dir: str | None = None) -> Unplannable | None:
    """One line for a refusal the user can fix; None for any other."""
    # Terraform reports them in no fixed order: sorted, so the line is the same every run.
    names = [m.group(1) for d in exc.diagnostics if d.summary == "No value for required variable"
             for m in [re.search(r'variable "([^"]+)"', d.detail)] if m]
    if names:
        plural = "s" if len(names) > 1 else ""
        return Unplannable(folder, [f"no value for the required variable{plural} "
                                    f"{', '.join(sorted(set(names)))}: pass --var NAME=VALUE "
                                    "or --var-file FILE"])
    text = _text(exc)
    if "provider packages" in text or "Failed to install provider" in text:
        reasons = _providers(folder, _log_text(exc) or text, mirror, plugin_dir)
        if reasons:
            return Unplannable(folder, reasons)
    blocked = _BLOCKED.search(text)
    if blocked and CLOSED.removeprefix("http://") in text:
        where = next((d.address for d in exc.diagnostics if d.address), "") or "the plan"
        return Unplannable(folder, [f"{where} calls {blocked.group(1)}, which the emulator "
                                    "does not serve, so it cannot be planned offline (nothing "
                                    "was sent to AWS)"])
    if "module registry" in text or "Failed to download module" in text or \
            "Module version requirements have changed" in text or \
            "Module source has changed" in text:
        found = _MODULE.search(text)
        which = next((g for g in found.groups() if g), "") if found else ""
        return Unplannable(folder, [f"module \"{which}\" is not installed at a source and "
                                    "version its configuration accepts (in "
                                    f"{folder / '.terraform' / 'modules'}): run `terraform "
                                    f"init` in {folder} (online) first"])
    return None

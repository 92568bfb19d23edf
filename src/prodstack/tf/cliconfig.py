"""Where Terraform gets the AWS provider: a filesystem mirror, a plugin folder, or the registry.

`plugin_mirror` (setting, or `PRODSTACK_PLUGIN_MIRROR`) is a provider mirror in Terraform's
filesystem-mirror layout; `plugin_dir` (or `PRODSTACK_PLUGIN_DIR`) is passed as
`-plugin-dir`. With neither, Terraform uses the public registry as usual, and an `init`
that cannot reach it names these settings (`missing_provider`). A plugin cache under the
working folder makes every later `init` a link instead of a 700 MB copy.
"""

from __future__ import annotations

from pathlib import Path

from prodstack.core.errors import UserError
from prodstack.core.paths import plugin_cache_dir, work_root

PROVIDER = "registry.terraform.io/hashicorp/aws"
MIRROR_ENV, PLUGIN_DIR_ENV = "PRODSTACK_PLUGIN_MIRROR", "PRODSTACK_PLUGIN_DIR"
KNOWN_MIRROR = Path("/opt/tf-plugins")  # where this project's machines keep one
_NOT_INSTALLED = ("failed to query available provider packages", "failed to install provider",
                  "registry.terraform.io", "could not retrieve the list of available versions")


def _check_mirror(path: Path) -> None:
    if not path.is_dir():
        raise UserError(f"plugin mirror {path}: not a directory", exit_code=2)
    if not (path / PROVIDER).is_dir() and not any(path.glob("**/terraform-provider-aws*")):
        raise UserError(
            f"plugin mirror {path}: holds no hashicorp/aws provider "
            f"(expected {path / PROVIDER}/<version>/<os_arch>/)", exit_code=2,
        )


def write_cli_config(plugin_mirror: str | None) -> Path:
    """Write the CLI configuration file Terraform should use and return its path."""
    cache = plugin_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    lines = [f'plugin_cache_dir = "{cache}"', ""]
    if plugin_mirror:
        mirror = Path(plugin_mirror).resolve()
        _check_mirror(mirror)
        lines += [
            "provider_installation {",
            "  filesystem_mirror {",
            f'    path    = "{mirror}"',
            '    include = ["registry.terraform.io/hashicorp/*"]',
            "  }",
            "  direct {",
            '    exclude = ["registry.terraform.io/hashicorp/*"]',
            "  }",
            "}",
        ]
    path = work_root() / "terraformrc"
    text = "\n".join(lines) + "\n"
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    return path


def init_args(plugin_dir: str | None) -> list[str]:
    if not plugin_dir:
        return []
    path = Path(plugin_dir).resolve()
    if not path.is_dir():
        raise UserError(f"plugin dir {path}: not a directory", exit_code=2)
    return [f"-plugin-dir={path}"]


def missing_provider(error: str, plugin_mirror: str | None,
                     plugin_dir: str | None) -> str | None:
    """`init` could not install the AWS provider: the one line that names the setting that
    fixes it, or None when the error is another one (or a mirror was given)."""
    if plugin_mirror or plugin_dir or not any(m in error.lower() for m in _NOT_INSTALLED):
        return None
    example = KNOWN_MIRROR if (KNOWN_MIRROR / PROVIDER).is_dir() else "/path/to/mirror"
    return (f"Terraform could not install the hashicorp/aws provider from the public registry "
            f"(no mirror is set): on a machine without access to it, `export {MIRROR_ENV}="
            f"{example}` (or the setting plugin_mirror; {PLUGIN_DIR_ENV} / plugin_dir for a "
            f"plugin folder) and run again. Terraform said: {error}")

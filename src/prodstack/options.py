"""The stack options every command shares: --env, --target, --config, --set.

Kept apart from `prodstack.cli` so that command groups the CLI registers (backup, audit, …)
can declare the same options without importing the CLI back.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click

from prodstack.profiles import PROFILES
from prodstack.settings import TARGETS, Settings, load_settings


def _warn_unfinished(settings: Settings) -> None:
    """Name an operation a journal says was cut off (see prodstack.journal)."""
    from prodstack.paths import stack_dir
    from prodstack.reporting import StderrReporter
    from prodstack.resume import warn_unfinished

    command = click.get_current_context().info_name or ""
    warn_unfinished(stack_dir(settings.target, settings.env), StderrReporter().say, command,
                    settings.env, settings.target)


def synth_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--config and --set for commands that synthesize prodstack's own stack besides other
    input (audit, cost): passed through as `config_file` and `overrides`."""
    func = click.option("--set", "overrides", multiple=True, metavar="NAME=VALUE",
                        help="Override a setting of prodstack's own stack (repeatable).")(func)
    return click.option("--config", "config_file", type=click.Path(dir_okay=False),
                        help="TOML settings file for prodstack's own stack.")(func)


def stack_options(func: Callable[..., Any] | None = None, *,
                  remembered: bool = True) -> Any:
    """--env, --target, --config, --set: turned into a validated `settings` argument.

    Without --config, the project's `prodstack.toml` (`paths.config_file`) is read; without
    --env and --target, the environment last deployed from this folder (`project.choose`),
    unless `remembered` is false (a command that reads a deployment only when told which)."""
    if func is None:
        return functools.partial(stack_options, remembered=remembered)

    @click.option("--env", "env", default=None,
                  help=f"Environment profile: {', '.join(PROFILES)} [default: the one last "
                       "deployed from this folder, else production].")
    @click.option("--target", default=None,
                  help=f"Where to deploy: {', '.join(TARGETS)} [default: local].")
    @click.option("--config", "config_file", type=click.Path(dir_okay=False),
                  help="TOML settings file [default: prodstack.toml in this folder or above].")
    @click.option("--set", "overrides", multiple=True, metavar="NAME=VALUE",
                  help="Override one setting (repeatable).")
    @functools.wraps(func)
    def wrapper(env: str | None, target: str | None, config_file: str | None,
                overrides: tuple[str, ...], **kwargs: Any) -> Any:
        from prodstack import project
        from prodstack.paths import settings_file

        env, target, note = project.choose(env, target) if remembered else (
            env or project.DEFAULT_ENV, target or project.DEFAULT_TARGET, None)
        if note:
            click.echo(f"prodstack: {note}", err=True)
        settings = load_settings(env=env, target=target,
                                 config_file=settings_file(config_file),
                                 overrides=overrides)
        _warn_unfinished(settings)
        return func(settings=settings, **kwargs)

    return wrapper

"""`prodstack emulator start|stop|status|url|reset`: the embedded AWS emulator by hand."""

from __future__ import annotations

import os
import sys

import click

from prodstack.config.settings import STRICT_ENV
from prodstack.core.errors import UserError
from prodstack.runtime import emulator


@click.group("emulator")
def emulator_group() -> None:
    """The embedded AWS emulator (moto server on 127.0.0.1)."""


@emulator_group.command("start")
@click.option("--strict/--permissive", default=None,
              help="Strict (the default; PRODSTACK_EMULATOR_STRICT=0 changes it): refuse what "
                   "AWS refuses. Permissive: moto as it is.")
def emulator_start(strict: bool | None) -> None:
    """Start the emulator in the background (no-op when it runs)."""
    wanted = strict if strict is not None else \
        os.environ.get(STRICT_ENV, "1").strip().lower() not in ("0", "false", "no", "off")
    info, started = emulator.start(wanted)
    if not started and strict is not None:
        emulator.check_mode(info, wanted)
    click.echo(f"emulator {'started' if started else 'already running'} "
               f"({info.mode}, pid {info.pid}) at {info.url}")


@emulator_group.command("stop")
def emulator_stop() -> None:
    """Stop the emulator; everything it held is gone."""
    click.echo("emulator stopped" if emulator.stop() else "emulator was not running")


@emulator_group.command("status")
def emulator_status() -> None:
    """Say whether the emulator runs (exit 1 when it does not)."""
    info = emulator.running()
    if info is None:
        click.echo("emulator is not running")
        sys.exit(1)
    click.echo(f"emulator is running (pid {info.pid}) at {info.url}")


@emulator_group.command("url")
def emulator_url() -> None:
    """Print the emulator's endpoint as the last line (exit 1 when it is not running)."""
    info = emulator.running()
    if info is None:
        raise UserError("the emulator is not running (start it with `prodstack emulator start`)")
    click.echo(info.url)


@emulator_group.command("reset")
def emulator_reset() -> None:
    """Drop every resource the emulator holds (local state is not touched)."""
    info = emulator.running()
    if info is None:
        raise UserError("the emulator is not running")
    emulator.reset(info.url)
    click.echo(f"emulator at {info.url} reset")

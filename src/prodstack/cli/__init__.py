"""The `prodstack` command line: synth, plan, up, down, outputs, validate, emulator.

Every command turns a `UserError` into one line on stderr and a non-zero exit; no traceback
reaches the user.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import click

from prodstack.cli.options import stack_options
from prodstack.config.settings import Settings
from prodstack.core.errors import UserError

# The commands import what they drive (the stack, Terraform's workflow, boto3) when they run,
# so that `prodstack audit plan.json` starts in a fraction of a second (bench/audit_speed.py).


def _aws_error(exc: BaseException) -> bool:
    """An error of botocore (loaded only by commands that call AWS themselves)."""
    found = sys.modules.get("botocore.exceptions")
    return found is not None and isinstance(exc, found.ClientError | found.BotoCoreError)


class ProdstackGroup(click.Group):
    """The one place where errors become one line on stderr and an exit code; the commands
    that live with their own packages are imported when they are called (`LAZY`)."""

    LAZY: ClassVar[dict[str, str]] = {"audit": "prodstack.cli.audit:audit_cmd",
                                      "backup": "prodstack.cli.backup:backup_group",
                                      "cost": "prodstack.cli.cost:cost_cmd",
                                      "ci-policy": "prodstack.cli.ci_policy:ci_policy_cmd",
                                      "emulator": "prodstack.cli.emulator:emulator_group",
                                      "init": "prodstack.cli.init:init_cmd",
                                      "loadtest": "prodstack.cli.loadtest:loadtest_cmd",
                                      "loadtest-worker": "prodstack.cli.loadtest:worker_cmd"}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.LAZY})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.LAZY and cmd_name not in self.commands:
            import importlib

            module, _, name = self.LAZY[cmd_name].partition(":")
            self.add_command(getattr(importlib.import_module(module), name), cmd_name)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except UserError as exc:
            click.echo(f"prodstack: error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except Exception as exc:
            if not _aws_error(exc):
                raise
            # An AWS API refused or failed a call that prodstack makes itself (not Terraform).
            from prodstack.runtime.emulator import gone, stopped_message

            url = gone(exc)
            click.echo(f"prodstack: error: {stopped_message(url)}" if url else
                       f"prodstack: error: AWS API call failed: {' '.join(str(exc).split())}",
                       err=True)
            ctx.exit(1)
        except KeyboardInterrupt:
            click.echo("prodstack: interrupted", err=True)
            ctx.exit(130)


@click.group(cls=ProdstackGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="prodstack")
def cli() -> None:
    """A production AWS web stack, planned and applied by Terraform.

    Runs against the embedded emulator by default (--target local); --target aws deploys to
    the account in your AWS credentials, with an S3 backend.
    """


@cli.command("synth")
@stack_options
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Folder for the Terraform JSON [default: .prodstack/<target>-<env>].")
def synth_cmd(settings: Settings, out_dir: str | None) -> None:
    """Write the stack's Terraform JSON (and, for aws, its backend settings)."""
    from prodstack.core.paths import stack_dir
    from prodstack.stack import synth

    target = Path(out_dir) if out_dir else stack_dir(settings.target, settings.env)
    for path in synth.write(settings, target):
        click.echo(str(path))


@cli.command("bootstrap")
@stack_options
def bootstrap_cmd(settings: Settings) -> None:
    """Create the remote-state bucket (its own small stack, local state) and print the backend."""
    from prodstack.ops.bootstrap import run

    result = run(settings)
    click.echo(f"state bucket: {result.bucket}" + (" (no changes)" if not result.changes else ""))
    if result.replica_bucket:
        click.echo(f"replica: {result.replica_bucket} ({settings.state_replica_region})")
    click.echo("backend settings (the aws target writes them to backend.tf.json):")
    for key, value in result.backend.items():
        click.echo(f"  {key} = {json.dumps(value)}")
    click.echo(f"use it with: --set state_bucket={result.bucket}")


@cli.command("plan")
@stack_options
@click.option("--detailed-exitcode", is_flag=True,
              help="Exit 0 when there are no changes, 2 when there are (Terraform's meaning).")
@click.option("--reset-state", is_flag=True,
              help="Local target: start from empty state if the emulator lost its resources.")
def plan_cmd(settings: Settings, detailed_exitcode: bool, reset_state: bool) -> None:
    """Show what `up` would change."""
    from prodstack.ops.workflow import Workspace, describe_plan, plan
    result = plan(Workspace(settings), reset_state=reset_state)
    click.echo(describe_plan(result))
    for address, action in result.planned:
        click.echo(f"  {action:>8}  {address}")
    if detailed_exitcode and result.changes:
        sys.exit(2)


@cli.command("up")
@stack_options
@click.option("--reset-state", is_flag=True,
              help="Local target: start from empty state if the emulator lost its resources.")
@click.option("--yes", is_flag=True,
              help="Apply a plan that destroys or replaces what you added (extra_config, "
                   "extension, app_environment) or what holds data, without asking.")
def up_cmd(settings: Settings, reset_state: bool, yes: bool) -> None:
    """Deploy the stack (plan, then apply) and print its outputs."""
    from prodstack.config.project import remember
    from prodstack.ops.summary import built
    from prodstack.ops.workflow import Workspace, up

    values = up(Workspace(settings), reset_state=reset_state, confirm=_confirm_risk(yes))
    remember(settings.env, settings.target)
    _print_outputs(values, "text")
    click.echo("\n".join(["", *built(settings, values)]), err=True)


def _confirm_risk(yes: bool) -> Callable[[list[str]], bool] | None:
    """--yes: go on; at a terminal: ask; elsewhere: refuse (None)."""
    from prodstack.config.record import describe_risk

    if yes:
        return lambda risky: True
    if not sys.stdin.isatty():
        return None
    return lambda risky: click.confirm(
        f"The plan destroys or replaces what you added or what holds data: "
        f"{describe_risk(risky)}. Apply it?", default=False, err=True)


@cli.command("down")
@stack_options
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--purge", is_flag=True,
              help="Also remove the audit and log buckets, the trail's key and final "
                   "snapshots (what a plain down keeps).")
@click.option("--reset-state", is_flag=True,
              help="Local target: forget local state the restarted emulator no longer holds.")
def down_cmd(settings: Settings, yes: bool, purge: bool, reset_state: bool) -> None:
    """Tear the stack down in a safe order, keeping audit logs unless --purge."""
    from prodstack.ops.teardown import down
    from prodstack.ops.workflow import Workspace

    what = f"{settings.env} on {settings.target}" + (" and PURGE its audit logs" if purge else "")
    if not yes:
        if not sys.stdin.isatty():
            raise UserError("down needs --yes when not run from a terminal", exit_code=2)
        click.confirm(f"Destroy {what}?", abort=True)
    report = down(Workspace(settings), purge=purge, reset_state=reset_state)
    click.echo(f"destroyed {report.destroyed} resources")
    if report.final_snapshot:
        click.echo(f"final database snapshot: {report.final_snapshot}")
    if report.kept:
        click.echo("kept (the audit trail, the logs, the application's data, the backups and "
                   "the keys that encrypt them; the next `up` adopts them again): "
                   + ", ".join(a for a in report.kept if a.startswith(
                       ("aws_s3_bucket.", "aws_kms_key.", "aws_backup_vault."))))
        click.echo("remove them with: prodstack down --yes --purge"
                   f" --env {settings.env} --target {settings.target}")
    for item in report.purged:
        click.echo(f"purged {item}")
    for line in report.locked:
        click.echo(f"kept {line}")
    if report.left:
        raise UserError(f"down --purge could not remove {len(report.left)} resource(s) of "
                        f"{settings.env}, which Terraform's state does not hold: "
                        f"{', '.join(report.left)}; remove them in the AWS console or with the "
                        "AWS CLI (they carry this deployment's tags)")
    if purge:
        click.echo(f"nothing of {settings.env} is left on {settings.target} (checked through "
                   "the AWS APIs)" + (", but what is kept above" if report.locked else ""))


@cli.command("outputs")
@stack_options
@click.option("--format", "fmt", type=click.Choice(["text", "json", "summary"]),
              default="text", show_default=True,
              help="summary: what was built and the commands to run next.")
def outputs_cmd(settings: Settings, fmt: str) -> None:
    """Print the deployed stack's outputs."""
    from prodstack.ops.summary import built
    from prodstack.ops.workflow import Workspace, outputs

    values = outputs(Workspace(settings))
    if fmt == "summary":
        click.echo("\n".join(built(settings, values)))
    else:
        _print_outputs(values, fmt)


@cli.command("verify")
@stack_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def verify_cmd(settings: Settings, fmt: str) -> None:
    """Check the deployed stack live, one check per catalog fix and per part (exit 1 on fail)."""
    from prodstack.catalog.contract import VerifyContext
    from prodstack.ops.locking import holder
    from prodstack.ops.verify import render, run_checks
    from prodstack.ops.workflow import Workspace, outputs

    ws = Workspace(settings, show_progress=False)
    if ws.has_state():  # before anything is written into the working folder
        if settings.state_bucket:
            ws.connect(start=False)
        busy = holder(ws)
        if busy:
            raise UserError(f"verify would check a stack that is being changed: {busy}; run "
                            "`prodstack verify` when that run has finished")
    values = outputs(ws)
    ctx = VerifyContext(settings, values, clients=ws.clients(),
                        serves_http=ws.target.serves_http)
    outcomes, seconds = run_checks(ctx)
    click.echo(render(outcomes, seconds, fmt))
    if any(o.status == "fail" for o in outcomes):
        sys.exit(1)


@cli.command("deploy")
@stack_options
@click.option("--image-id", help="AMI for the new release (default: the template's own).")
@click.option("--user-data-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="User data for the new release.")
@click.option("--steps", default="10,50,100", show_default=True,
              help="Traffic percentages on the new colour, ending at 100.")
@click.option("--rollback", is_flag=True, help="Return traffic to the previous colour.")
@click.option("--step-seconds", type=float, default=60.0, show_default=True,
              help="How long each step runs before its health gate.")
@click.option("--poll-seconds", type=float, default=10.0, show_default=True)
@click.option("--timeout", "healthy_timeout", type=float, default=900.0, show_default=True,
              help="Seconds to wait for the new colour's targets to be healthy.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def deploy_cmd(settings: Settings, image_id: str | None, user_data_file: Path | None,
               steps: str, rollback: bool, step_seconds: float, poll_seconds: float,
               healthy_timeout: float, fmt: str) -> None:
    """Blue/green release: new colour, health-gated traffic shift, automatic rollback."""
    from prodstack.core.journal import Journal
    from prodstack.ops.deploy import Deployer, Options
    from prodstack.ops.locking import state_lock
    from prodstack.ops.workflow import Workspace, outputs

    weights = _parse_steps(steps)
    if rollback and (image_id or user_data_file):
        raise UserError("--rollback returns to the previous release; it takes no image or "
                        "user data", exit_code=2)
    ws = Workspace(settings, show_progress=False)
    values = outputs(ws)
    opts = Options(steps=weights, image_id=image_id, user_data_file=user_data_file,
                   rollback=rollback, step_seconds=step_seconds, poll_seconds=poll_seconds,
                   healthy_timeout=healthy_timeout)
    with state_lock(ws, "deploy") as lock, Journal.session(ws.workdir, "deploy",
                                                          lock=lock) as journal:
        report = Deployer(settings, values, ws.clients(), ws.reporter).run(opts, journal)
    if fmt == "json":
        click.echo(json.dumps(report.as_dict(), indent=2))
    else:
        click.echo(f"{report.status}: {report.from_colour} → {report.to_colour} (version "
                   f"{report.version}) in {report.seconds:.0f} s"
                   + (f"; {report.reason}" if report.reason else ""))
    if report.status != "succeeded":
        sys.exit(1)


def _parse_steps(text: str) -> tuple[int, ...]:
    try:
        weights = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise UserError(f"--steps {text!r}: expected whole percentages like 10,50,100",
                        exit_code=2) from None
    if not weights or weights[-1] != 100 or any(not 0 < w <= 100 for w in weights) or list(
            weights) != sorted(set(weights)):
        raise UserError(f"--steps {text!r}: rising percentages from 1 to 100, ending at 100",
                        exit_code=2)
    return weights


@cli.command("resume")
@stack_options
def resume_cmd(settings: Settings) -> None:
    """Finish or undo an operation that was cut off (deploy, down, backup verify)."""
    from prodstack.ops.resume import resume
    from prodstack.ops.workflow import Workspace

    click.echo(resume(Workspace(settings, show_progress=False)))


@cli.command("validate")
@stack_options
def validate_cmd(settings: Settings) -> None:
    """Synthesize and run `terraform validate` (no emulator, no credentials needed)."""
    from prodstack.ops.validate import validate_settings

    count = validate_settings(settings)
    click.echo(f"valid: {settings.env} on {settings.target}, {count} resources")


def _print_outputs(values: dict[str, Any], fmt: str) -> None:
    from prodstack.config.record import RECORD_OUTPUT

    values = {k: v for k, v in values.items() if k != RECORD_OUTPUT}
    if fmt == "json":
        click.echo(json.dumps(values, indent=2, sort_keys=True))
        return
    width = max((len(k) for k in values), default=0)
    for key in sorted(values):
        value = values[key]
        text = value if isinstance(value, str) else json.dumps(value)
        click.echo(f"{key:<{width}}  {text}")


def main() -> None:
    from prodstack.core.signals import terminate_like_interrupt

    os.umask(0o077)  # state, plans, logs and journals: readable by their owner only
    terminate_like_interrupt()
    try:
        # Without standalone mode click returns the code of an exit it caught (our group's
        # one-line errors) instead of leaving.
        code = cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("prodstack: interrupted", err=True)
        sys.exit(130)
    except SystemExit:
        raise
    sys.exit(code if isinstance(code, int) else 0)

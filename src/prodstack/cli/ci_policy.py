"""`prodstack ci-policy`: print the CI role's managed policy documents (docs/ci.md) for the
settings given, as JSON on stdout ({name: document}) or one `<name>.json` file each in --out;
`--explain` prints what each statement grants and why instead."""

from __future__ import annotations

import json
from pathlib import Path

import click

from prodstack.cli.options import stack_options
from prodstack.config.settings import Settings
from prodstack.core.errors import UserError
from prodstack.ops.ci_policy import policies


@click.command("ci-policy")
@stack_options
@click.option("--account", default=None, metavar="ID",
              help="The AWS account's twelve digits [default: any account, `*` in the ARNs].")
@click.option("--out", "out_dir", type=click.Path(path_type=Path),
              default=None, help="Write one <name>.json per managed policy into this folder.")
@click.option("--explain", is_flag=True, help="Print each statement's grant and reason.")
def ci_policy_cmd(settings: Settings, account: str | None, out_dir: Path | None,
                  explain: bool) -> None:
    """The least-privilege IAM policies of the role that runs prodstack on the aws target."""
    found = policies(settings, account)
    if explain:
        for policy in found:
            click.echo(policy.name)
            for st in policy.statements:
                where = ", ".join(st.resources)
                click.echo(f"  {st.sid}: {len(st.actions)} action(s) on {where}\n"
                           f"    {st.reason}")
        return
    if out_dir is None:
        click.echo(json.dumps({p.name: p.document for p in found}, indent=2))
        return
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"--out {out_dir}: not a folder", exit_code=2)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for policy in found:
            path = out_dir / f"{policy.name}.json"
            path.write_text(policy.to_json())
            click.echo(str(path))
    except OSError as exc:
        raise UserError(f"--out {out_dir}: {exc.strerror or exc}", exit_code=2) from None

"""Which providers an audit of a folder may run beyond the defaults (tf/allowlist.py).

`--allow-provider NAMESPACE/NAME` (repeatable), and `allow_providers = ["NAMESPACE/NAME"]` in
the prodstack-audit.toml given with `--suppressions FILE`. A prodstack-audit.toml found in the
audited folder comes with the code being audited: its `allow_providers` is not honoured (a
repository must not be able to allow what it runs), and the report says so when it asks for a
provider that was refused.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from pathlib import Path

from prodstack.core.errors import UserError, read_input
from prodstack.ops.audit.suppress import ALLOW_KEY as KEY
from prodstack.ops.audit.suppress import FILE_NAME
from prodstack.tf.allowlist import Allowlist
from prodstack.tf.providers import shown, source_address

HINT = (f"--allow-provider {{name}}, or {KEY} = [\"{{name}}\"] in a {FILE_NAME} given with "
        "--suppressions")


def _names(path: Path, strict: bool) -> list[str]:
    """The file's `allow_providers`; with `strict`, a malformed one is one line, exit 2."""
    try:
        value = tomllib.loads(read_input(path)).get(KEY, [])
    except (tomllib.TOMLDecodeError, UserError) as exc:
        if not strict:
            return []  # suppress.load says why
        if isinstance(exc, UserError):
            raise
        raise UserError(f"{path}: not valid TOML ({exc})", exit_code=2) from None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        if strict:
            raise UserError(f"{path}: {KEY} must be a list of \"NAMESPACE/NAME\" strings",
                            exit_code=2)
        return []
    return value


def allowlist(given: Sequence[str], suppressions: Path | None) -> Allowlist:
    """The allowlist of `--allow-provider` values and of the file named by --suppressions."""
    names = list(given)
    allowed = Allowlist.of(names, hint=HINT)
    if suppressions is not None and suppressions.is_file():
        from_file = _names(suppressions, strict=True)
        extra = Allowlist.of(from_file, what=f"{suppressions}: {KEY}", hint=HINT)
        allowed = Allowlist(allowed.extra | extra.extra, HINT)
    return allowed


def not_honoured(folder: Path, refused: Sequence[str]) -> list[str]:
    """A line when the folder's own prodstack-audit.toml asks for a provider that the audit
    refused, or whose data sources it refused (`refused`: why the folder was not planned)."""
    own = folder / FILE_NAME
    names = _names(own, strict=False) if own.is_file() else []
    asked = [shown(source_address(name)) for name in names]
    asked = [name for name in asked  # a refusal names the setting: HINT
             if any(f"--allow-provider {name}," in line for line in refused)]
    if not asked:
        return []
    return [f"{own} allows {', '.join(asked)}: not honoured, since it comes with the code "
            "being audited; name it with --suppressions to trust it"]

"""Which providers and data sources an offline plan of someone else's folder may run.

A provider is a program, and a plan runs it: auditing a repository one has just cloned, or a
pull request, must not run what that repository brings. By default an offline plan installs
and runs only the AWS provider (pointed at the emulator) and the HashiCorp utility providers
whose plan-time behaviour is pure (random, null, time, tls, archive, cloudinit, and Terraform's
built-in provider), and none of the data sources that reach outside the configuration when a
plan reads them (`PLAN_TIME`: a program, a URL, a file, another state). Anything else refuses
the plan before `terraform init`, one line per provider and per such data source saying what
it would do and how to allow it on trusted code; a provider allowed by name (`--allow-provider
NAMESPACE/NAME`) runs whole, its data sources included. The CLI configuration of the plan
installs only allowed providers (`include`), so Terraform itself holds the line too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from prodstack.core.errors import UserError
from prodstack.tf.providers import BUILTIN, Requirements, shown, source_address

PURE = ("aws", "random", "null", "time", "tls", "archive", "cloudinit")
DEFAULT = (*(source_address(f"hashicorp/{name}") for name in PURE), BUILTIN)
# data source type -> what it does when a plan reads it; refused unless its provider is
# allowed by name
PLAN_TIME = {
    "external": "runs a program the configuration names",
    "http": "fetches a URL",
    "local_file": "reads a file", "local_sensitive_file": "reads a file",
    "archive_file": "reads files and writes its output_path",
    "tls_certificate": "fetches a certificate from a URL",
    "terraform_remote_state": "reads another configuration's state from its backend (a file "
                              "or the network)",
}
_NAME = re.compile(r"^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)+/)?[a-z0-9_-]+/[a-z0-9_-]+$", re.I)
HINT = "--allow-provider {name}"


@dataclass(frozen=True)
class Allowlist:
    extra: frozenset[str] = frozenset()  # source addresses allowed by name
    hint: str = HINT  # how a user allows one; `{name}` is the provider

    @classmethod
    def of(cls, names: Iterable[str], what: str = "--allow-provider",
           hint: str = HINT) -> Allowlist:
        """From NAMESPACE/NAME (or HOSTNAME/NAMESPACE/NAME) strings; a malformed one is one
        line, exit 2."""
        extra = set()
        for name in names:
            if not isinstance(name, str) or not _NAME.match(name.strip()):
                raise UserError(f"{what} {name!r}: expected NAMESPACE/NAME (hashicorp/external) "
                                "or HOSTNAME/NAMESPACE/NAME", exit_code=2)
            extra.add(source_address(name))
        return cls(frozenset(extra), hint)

    def allows(self, source: str) -> bool:
        return source in DEFAULT or source in self.extra

    def include(self) -> list[str]:
        """The sources Terraform may install (the built-in provider is never installed)."""
        return sorted((set(DEFAULT) | self.extra) - {BUILTIN})

    def how(self, source: str) -> str:
        return f"on trusted code, {self.hint.format(name=shown(source))}"


def refusals(req: Requirements, allow: Allowlist) -> list[str]:
    """One line per provider not allowed and per data source a plan must not read."""
    lines = []
    for source in sorted(req.providers):
        if allow.allows(source):
            continue
        uses = req.uses.get(source, [])
        at = ", ".join(f"{u.address} ({u.where})" for u in uses[:3])
        more = f" and {len(uses) - 3} more" if len(uses) > 3 else ""
        used = f" (used by {at}{more})" if uses else ""
        lines.append(f"provider {shown(source)}{used} is not on the provider allowlist, so it "
                     "was neither installed nor run (a provider is a program): "
                     f"{allow.how(source)}")
    for type_, use in req.data:
        what = PLAN_TIME.get(type_)
        if what is None or use.provider in allow.extra:
            continue
        fix = f": {allow.how(use.provider)}" if allow.allows(use.provider) else ""
        lines.append(f"{use.address} ({use.where}) {what} when a plan reads it: not run{fix}")
    return lines

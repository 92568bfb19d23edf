"""The least-privilege IAM policy of the CI role that runs prodstack on the aws target (docs/ci.md):
`up` (Terraform's plan and apply of the stack, its S3 remote state, the preflight), `deploy`,
`backup verify`, `verify`, `outputs`, `down` and `down --purge` (with its check of leftovers).

`documents(settings, account)` returns the policy as managed policy documents, each within
IAM's limits (IAM User Guide, "IAM and AWS STS quotas": a managed policy is at most 6,144
characters, whitespace not counted; a role has at most 10 managed policies attached by
default). Statements are grouped by tier (`network`, `data`, `operations`); a tier that does not
fit one document is split. The statements themselves, and why each exists, are in those
modules; what each document grants is printed by `prodstack ci-policy --explain`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from prodstack.config.settings import Settings
from prodstack.ops.ci_policy import data, network, operations
from prodstack.ops.ci_policy.scope import Scope, scope_for
from prodstack.ops.ci_policy.statements import Statement

MAX_POLICY_CHARS = 6144  # a managed policy, whitespace not counted
MAX_MANAGED_POLICIES = 10  # attached to one role (default quota)
VERSION = "2012-10-17"
TIERS: tuple[tuple[str, Callable[[Scope], list[Statement]]], ...] = (
    ("network", network.statements), ("data", data.statements),
    ("operations", operations.statements))


@dataclass(frozen=True)
class Policy:
    """One managed policy: its suggested name, and its statements."""

    name: str
    statements: tuple[Statement, ...]

    @property
    def document(self) -> dict[str, Any]:
        return {"Version": VERSION, "Statement": [s.as_json() for s in self.statements]}

    def to_json(self) -> str:
        return json.dumps(self.document, indent=2) + "\n"


def size(document: dict[str, Any]) -> int:
    """The characters IAM counts against MAX_POLICY_CHARS: all but whitespace."""
    return len(re.sub(r"\s", "", json.dumps(document)))


def _pack(prefix: str, statements: list[Statement]) -> list[Policy]:
    """Statements in order, as few documents as fit MAX_POLICY_CHARS."""
    groups: list[list[Statement]] = [[]]
    for statement in statements:
        candidate = Policy(prefix, tuple([*groups[-1], statement]))
        if groups[-1] and size(candidate.document) > MAX_POLICY_CHARS:
            groups.append([])
        groups[-1].append(statement)
        if size(Policy(prefix, (statement,)).document) > MAX_POLICY_CHARS:
            raise ValueError(f"statement {statement.sid} alone exceeds {MAX_POLICY_CHARS} "
                             "characters")
    if len(groups) == 1:
        return [Policy(prefix, tuple(groups[0]))]
    return [Policy(f"{prefix}-{number}", tuple(group))
            for number, group in enumerate(groups, start=1)]


def policies(settings: Settings, account: str | None = None) -> list[Policy]:
    """The CI role's managed policies for `settings` on the aws target (`account`: twelve
    digits, or None for any account)."""
    scope = scope_for(settings, account)
    base = settings.names.ci_role
    found = [policy for tier, build in TIERS for policy in _pack(f"{base}-{tier}", build(scope))]
    if len(found) > MAX_MANAGED_POLICIES:
        raise ValueError(f"{len(found)} managed policies: more than a role can have attached "
                         f"({MAX_MANAGED_POLICIES})")
    return found


def documents(settings: Settings, account: str | None = None) -> list[dict[str, Any]]:
    """The policy documents alone, in `policies` order."""
    return [policy.document for policy in policies(settings, account)]

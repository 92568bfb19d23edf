"""One IAM policy statement, as the CI policy writes it: explicit actions, resources, an optional
condition, and the reason it exists (kept out of the JSON, printed by docs and tests).

Where AWS documents no resource-level permission for an action (the "Resource types" column of
the service's table in the Service Authorization Reference, `REFERENCE`, is empty), the
statement's Resource is `*` and its `reason` says so (tests/unit/test_ci_policy.py holds them
to it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

REFERENCE = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_{}.html"


@dataclass(frozen=True)
class Statement:
    sid: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    reason: str
    condition: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"Sid": self.sid, "Effect": "Allow",
                                "Action": list(self.actions),
                                "Resource": (self.resources[0] if self.resources == ("*",)
                                             else list(self.resources))}
        if self.condition:
            body["Condition"] = self.condition
        return body


def allow(sid: str, actions: Iterable[str], resources: Iterable[str], reason: str,
          condition: dict[str, Any] | None = None) -> Statement:
    """A statement with its actions sorted and deduplicated (stable output, stable diffs)."""
    found = tuple(sorted(set(actions)))
    where = tuple(dict.fromkeys(resources))
    if not found or not where:
        raise ValueError(f"statement {sid}: no actions or no resources")
    return Statement(sid, found, where, reason, dict(condition or {}))


def prefixed(prefix: str, *names: str) -> list[str]:
    """`prefixed("ec2", "CreateVpc", …)` -> ["ec2:CreateVpc", …]."""
    return [f"{prefix}:{name}" for name in names]

"""What a rule is: an id from the failure-mode catalog, a title, a severity, the resource
types it reads, the failure it prevents, the fix, and a function over the plan."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NamedTuple

from prodstack.audit.config import FolderConfig
from prodstack.audit.plan import Plan

SEVERITIES = ("critical", "high", "medium", "low")


def severity_rank(severity: str) -> int:
    """0 for critical ... 3 for low."""
    return SEVERITIES.index(severity)


@dataclass
class AuditInput:
    """What the rules read: the plan, and the configuration folder when there is one."""

    plan: Plan
    config: FolderConfig | None = None


class Hit(NamedTuple):
    address: str
    message: str


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: str
    types: tuple[str, ...]
    failure: str
    fix: str
    check: Callable[[AuditInput], Iterable[Hit]]
    needs_config: bool = False  # reads the configuration folder (not in a plan)

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"{self.id}: unknown severity {self.severity!r}")

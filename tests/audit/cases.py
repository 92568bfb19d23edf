"""Registry of rule fixtures: each case builds a small plan (and optionally a folder config)
and says whether the rule must fire on it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from prodstack.audit.config import FolderConfig
from tests.audit.planbuilder import PlanBuilder

Maker = Callable[[], tuple[PlanBuilder, FolderConfig | None]]


@dataclass(frozen=True)
class Case:
    rule_id: str
    name: str
    fires: bool
    make: Maker


CASES: list[Case] = []


def case(rule_id: str, fires: bool) -> Callable[[Maker], Maker]:
    def register(make: Maker) -> Maker:
        CASES.append(Case(rule_id, make.__name__, fires, make))
        return make

    return register

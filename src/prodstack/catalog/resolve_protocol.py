"""What the value resolver's helpers (resolve_derive.py, resolve_plan.py) may ask of the
resolver (resolve.py), so that they need not import it."""

from __future__ import annotations

from typing import Any, Protocol

from prodstack.catalog.resolve_eval import Evaluator
from prodstack.tf.plan import Plan, Resource


class Resolving(Protocol):
    plan: Plan
    evaluator: Evaluator

    def value(self, res: Resource, *path: str | int) -> Any: ...

    def attribute(self, res: Resource, attr: str) -> Any: ...

    def scope(self, res: Resource) -> dict[str, Any]: ...

    def variable(self, module_path: str, name: str) -> Any: ...

"""The built stack: its document and every part by name (`stack.part("network")`), the
object an extension receives (docs/application.md) and the outputs read."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, Literal, overload

from prodstack.config.settings import Settings
from prodstack.stack.parts import (
    application,
    audit,
    database,
    edge,
    foundation,
    keys,
    monitoring,
    network,
    operations,
    storage,
    webtier,
)
from prodstack.tf.document import Document

PartName = Literal["base", "keys", "network", "storage", "edge", "database", "application",
                   "webtier", "audit", "monitoring", "operations"]


@dataclass
class Stack:
    """The built stack: its document and every part by name (`stack.part("network")`)."""

    settings: Settings
    doc: Document
    base: foundation.Base
    keys: keys.Keys
    network: network.Network
    storage: storage.Storage
    edge: edge.Edge
    database: database.Database
    application: application.Application
    webtier: webtier.WebTier
    audit: audit.Audit
    monitoring: monitoring.Monitoring
    operations: operations.Operations
    # The user's `extra_config` files as the working folder holds them (name -> text).
    extra_files: dict[str, str] = field(default_factory=dict)
    # What the user added: resources of extra_config and of the extension, and the
    # application's own parameters (app_environment); recorded with the deployment.
    user_resources: list[str] = field(default_factory=list)

    PARTS: ClassVar[tuple[str, ...]] = (
        "base", "keys", "network", "storage", "edge", "database", "application", "webtier",
        "audit", "monitoring", "operations")

    @overload
    def part(self, name: Literal["base"]) -> foundation.Base: ...
    @overload
    def part(self, name: Literal["keys"]) -> keys.Keys: ...
    @overload
    def part(self, name: Literal["network"]) -> network.Network: ...
    @overload
    def part(self, name: Literal["storage"]) -> storage.Storage: ...
    @overload
    def part(self, name: Literal["edge"]) -> edge.Edge: ...
    @overload
    def part(self, name: Literal["database"]) -> database.Database: ...
    @overload
    def part(self, name: Literal["application"]) -> application.Application: ...
    @overload
    def part(self, name: Literal["webtier"]) -> webtier.WebTier: ...
    @overload
    def part(self, name: Literal["audit"]) -> audit.Audit: ...
    @overload
    def part(self, name: Literal["monitoring"]) -> monitoring.Monitoring: ...
    @overload
    def part(self, name: Literal["operations"]) -> operations.Operations: ...
    @overload
    def part(self, name: str) -> Any: ...

    def part(self, name: str) -> Any:
        """A part by name: `stack.part("network").vpc`, `stack.part("edge").alb`."""
        if name not in self.PARTS:
            raise KeyError(f"no part {name!r} (parts: {', '.join(self.PARTS)})")
        return getattr(self, name)


assert {f.name for f in fields(Stack)} - {"settings", "doc", "extra_files", "user_resources"} \
    == set(Stack.PARTS)

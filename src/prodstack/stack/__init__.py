"""The production stack: settings in, a Terraform document out, one module per part.

`build` composes the parts explicitly: each part takes the outputs of the parts it depends
on as arguments and returns a typed record of what it made, so the wiring is visible here.
The target adjusts the finished document (`Target.adjust`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from prodstack.settings import Settings
from prodstack.stack import (
    audit,
    database,
    edge,
    foundation,
    keys,
    monitoring,
    network,
    operations,
    outputs,
    storage,
    webtier,
)
from prodstack.stack.context import Context
from prodstack.tf.document import Document


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
    webtier: webtier.WebTier
    audit: audit.Audit
    monitoring: monitoring.Monitoring
    operations: operations.Operations

    PARTS = ("base", "keys", "network", "storage", "edge", "database", "webtier", "audit",
             "monitoring", "operations")

    def part(self, name: str) -> Any:
        if name not in self.PARTS:
            raise KeyError(f"no part {name!r} (parts: {', '.join(self.PARTS)})")
        return getattr(self, name)


def build(settings: Settings) -> Stack:
    from prodstack.targets import target_for

    target = target_for(settings)
    ctx = Context(Document(), settings)
    base = foundation.build(ctx, target_zone=None if settings.hosted_zone_id
                            else target.hosted_zone(ctx))
    keys_ = keys.build(ctx, base)
    net = network.build(ctx, base, keys_)
    store = storage.build(ctx, base, keys_)
    edge_ = edge.build(ctx, base, keys_, net, store)
    db = database.build(ctx, base, keys_, net)
    web = webtier.build(ctx, base, keys_, net, edge_, db)
    trail = audit.build(ctx, base, keys_, store)
    watch = monitoring.build(ctx, base, keys_, net, edge_, web, db, trail)
    ops = operations.build(ctx, base, keys_, db)
    stack = Stack(settings=settings, doc=ctx.doc, base=base, keys=keys_, network=net,
                  storage=store, edge=edge_, database=db, webtier=web, audit=trail,
                  monitoring=watch, operations=ops)
    outputs.build(ctx, stack)
    target.adjust(stack)
    return stack


assert {f.name for f in fields(Stack)} - {"settings", "doc"} == set(Stack.PARTS)

"""The production stack: builds the Terraform document from settings, one module per part."""

from __future__ import annotations

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

# Order matters only where a module reads a handle that an earlier one published.
PARTS = (foundation, keys, network, storage, edge, webtier, database, audit, monitoring,
         operations, outputs)

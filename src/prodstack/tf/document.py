"""The Terraform JSON document layer: resources, data sources, references, outputs, variables.

Every stack module writes through this layer and nothing else, so the generated JSON has one
shape: `{"terraform": …, "provider": …, "data": …, "resource": …, "output": …}`.
A `Block` (resource or data source) hands out references (`block.id`, `block["arn"]`) that are
Terraform interpolation strings, and is accepted wherever an address is needed (`depends_on`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

# The files a document is written to in a working folder: the backend block goes to a file of
# its own (a working folder without it keeps local state).
MAIN_FILE = "main.tf.json"
BACKEND_FILE = "backend.tf.json"


@dataclass(frozen=True)
class Block:
    """A resource or a data source in the document."""

    kind: str  # "resource" or "data"
    type: str
    name: str

    @property
    def address(self) -> str:
        prefix = "data." if self.kind == "data" else ""
        return f"{prefix}{self.type}.{self.name}"

    def attr(self, path: str) -> str:
        """An interpolation of an attribute, e.g. `attr("names[0]")`."""
        return "${" + f"{self.address}.{path}" + "}"

    def __getitem__(self, path: str) -> str:
        return self.attr(path)

    @property
    def id(self) -> str:
        return self.attr("id")

    @property
    def arn(self) -> str:
        return self.attr("arn")

    @property
    def name_attr(self) -> str:
        return self.attr("name")


def expr(text: str) -> str:
    """Wrap a raw Terraform expression in an interpolation."""
    return "${" + text + "}"


def _plain(value: Any) -> Any:
    """Turn Blocks (in depends_on and elsewhere) into addresses, recursively."""
    if isinstance(value, Block):
        return value.address
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


@dataclass
class Document:
    """A Terraform configuration being built, serialised as `main.tf.json`."""

    terraform: dict[str, Any] = field(default_factory=dict)
    providers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    resources: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    data_sources: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)
    locals: dict[str, Any] = field(default_factory=dict)

    def resource(
        self,
        type_: str,
        label: str,
        /,
        *,
        depends_on: list[Block] | None = None,
        lifecycle: dict[str, Any] | None = None,
        **body: Any,
    ) -> Block:
        bucket = self.resources.setdefault(type_, {})
        if label in bucket:
            raise ValueError(f"duplicate resource {type_}.{label}")
        if depends_on:
            body["depends_on"] = depends_on
        if lifecycle:
            body["lifecycle"] = lifecycle
        bucket[label] = _plain(body)
        return Block("resource", type_, label)

    def data(self, type_: str, label: str, /, **body: Any) -> Block:
        bucket = self.data_sources.setdefault(type_, {})
        if label in bucket:
            raise ValueError(f"duplicate data source {type_}.{label}")
        bucket[label] = _plain(body)
        return Block("data", type_, label)

    def output(self, name: str, value: Any, description: str, sensitive: bool = False) -> None:
        body: dict[str, Any] = {"value": _plain(value), "description": description}
        if sensitive:
            body["sensitive"] = True
        self.outputs[name] = body

    def variable(self, name: str, type_: str, default: Any, description: str) -> str:
        self.variables[name] = {"type": type_, "default": default, "description": description}
        return expr(f"var.{name}")

    def provider(self, name: str, **body: Any) -> None:
        self.providers.setdefault(name, []).append(_plain(body))

    def body(self, block: Block) -> dict[str, Any]:
        """The (mutable) body of a block already in the document."""
        if block.kind == "data":
            return self.data_sources[block.type][block.name]
        return self.body_of(block.type, block.name)

    def body_of(self, type_: str, label: str) -> dict[str, Any]:
        """The body of resource `type_.label`; an error when the document has no such
        resource (an adjustment that names nothing must fail, not pass silently)."""
        try:
            return self.resources[type_][label]
        except KeyError:
            raise KeyError(f"the document has no resource {type_}.{label}") from None

    def blocks_of(self, type_: str) -> dict[str, dict[str, Any]]:
        return self.resources.get(type_, {})

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {}
        if self.terraform:
            doc["terraform"] = self.terraform
        if self.providers:
            doc["provider"] = self.providers
        if self.variables:
            doc["variable"] = self.variables
        if self.locals:
            doc["locals"] = self.locals
        if self.data_sources:
            doc["data"] = {k: v for k, v in self.data_sources.items() if v}
        if self.resources:
            doc["resource"] = {k: v for k, v in self.resources.items() if v}
        if self.outputs:
            doc["output"] = self.outputs
        return doc

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"

    def addresses(self) -> list[str]:
        """Every resource's address (`aws_vpc.main`)."""
        return [f"{t}.{n}" for t, bodies in self.resources.items() for n in bodies]

    def resource_count(self) -> int:
        return sum(len(v) for v in self.resources.values())

    def remove(self, type_: str, label: str) -> None:
        """Drop a resource (targets use this for what their platform cannot create)."""
        self.body_of(type_, label)
        del self.resources[type_][label]


def policy_document(*statements: dict[str, Any]) -> str:
    """An IAM policy JSON string (with Terraform interpolations left inside)."""
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def ref(type_: str, name: str) -> Block:
    """A handle on a resource declared elsewhere (for `depends_on` and references)."""
    return Block("resource", type_, name)

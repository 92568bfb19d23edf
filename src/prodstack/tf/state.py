"""The one reader of Terraform state (`terraform state pull`, or a local state file): its
managed resources, their ids, their attributes, its outputs. Used by teardown, the emulator's
lost-state check, orphan adoption, `down`'s record of what it keeps, and `up`'s look at what
is deployed before it plans."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any


def read_file(path: Path) -> dict[str, Any]:
    """A local state file as JSON; empty when there is none or it cannot be read."""
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def outputs(state: dict[str, Any]) -> dict[str, Any]:
    """The root module's output values, as `terraform output -json` gives them."""
    found = state.get("outputs")
    return {k: v.get("value") for k, v in found.items() if isinstance(v, dict)} \
        if isinstance(found, dict) else {}


def managed(state: dict[str, Any]) -> list[dict[str, Any]]:
    """Managed resources (root module and child modules)."""
    return [r for r in state.get("resources", []) if isinstance(r, dict)
            and r.get("mode") == "managed"]


def address(res: dict[str, Any]) -> str:
    own = f"{res.get('type')}.{res.get('name')}"
    return f"{res['module']}.{own}" if res.get("module") else own


def instances(state: dict[str, Any], type_: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(address, attributes) of every instance of a managed resource type."""
    for res in managed(state):
        if res.get("type") == type_:
            for inst in res.get("instances") or []:
                yield address(res), dict(inst.get("attributes") or {})


def resource_ids(state: dict[str, Any], addresses: Collection[str] | None = None
                 ) -> dict[str, str]:
    """Address -> `id` attribute of the root module's managed resources (only `addresses`,
    when given): what an `import` block needs to adopt them again."""
    ids: dict[str, str] = {}
    for res in managed(state):
        where = address(res)
        if "module" not in res and res.get("instances") and (
                addresses is None or where in addresses):
            attributes = res["instances"][0]["attributes"]
            ids[where] = (f"{attributes.get('role')}/{attributes.get('policy_arn')}"
                          if res.get("type") == "aws_iam_role_policy_attachment"
                          else str(attributes.get("id")))  # the provider's import id
    return ids

"""A launch template version's data as a new version may be created from it.

DescribeLaunchTemplateVersions answers in `ResponseLaunchTemplateData`, whose members are not
all members of `RequestLaunchTemplateData`, the shape CreateLaunchTemplateVersion takes (for
example `MetadataOptions.State`, which EC2 reports and refuses on input: "Unknown parameter
in LaunchTemplateData.MetadataOptions: State"). The request shape of the EC2 API model
(botocore's, the one the client sends with) decides what is kept, member by member.
"""

from __future__ import annotations

from typing import Any

from botocore.model import ListShape, Shape, StructureShape


def request_data(client: Any, described: dict[str, Any]) -> dict[str, Any]:
    """`described` (a version's LaunchTemplateData) with only what a create accepts."""
    shape = client.meta.service_model.shape_for("RequestLaunchTemplateData")
    kept = _keep(described, shape)
    return kept if isinstance(kept, dict) else {}


def _keep(value: Any, shape: Shape) -> Any:
    if isinstance(shape, StructureShape) and isinstance(value, dict):
        return {key: _keep(item, shape.members[key]) for key, item in value.items()
                if key in shape.members}
    if isinstance(shape, ListShape) and isinstance(value, list):
        return [_keep(item, shape.member) for item in value]
    return value

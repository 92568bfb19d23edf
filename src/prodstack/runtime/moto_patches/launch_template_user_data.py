"""CreateLaunchTemplateVersion: parse the user data, as CreateLaunchTemplate does.

moto: `CreateLaunchTemplateVersion` stores `LaunchTemplateData.UserData` unparsed (while
`CreateLaunchTemplate` parses it), so an Auto Scaling group that launches from such a version
fails an assertion (HTTP 500).
AWS (EC2 API reference, "CreateLaunchTemplateVersion"): the version's user data is the same
base64 text as for CreateLaunchTemplate, and an Auto Scaling group launches from any version.
"""

from __future__ import annotations

from typing import Any

from moto.core.types import Base64EncodedString
from moto.ec2.models.launch_templates import LaunchTemplate
from moto.ec2.utils import parse_user_data

MOTO_VERSION = "5.2.5"


def apply() -> None:
    create_version = LaunchTemplate.create_version

    def create_parsed_version(self: LaunchTemplate, data: dict[str, Any],
                              description: str) -> Any:
        user_data = data.get("UserData")
        if user_data is not None and not isinstance(user_data, Base64EncodedString):
            data = {**data, "UserData": parse_user_data(user_data)}
        return create_version(self, data, description)

    LaunchTemplate.create_version = create_parsed_version  # type: ignore[method-assign]

"""CreateTrail: five trails per Region.

moto: CreateTrail creates any number of trails in a Region.
AWS (AWS CloudTrail User Guide, "Quotas in AWS CloudTrail"; CloudTrail API reference,
"CreateTrail"): an account has at most five trails per Region, a quota that cannot be raised;
a trail that applies to all Regions counts as one in every Region. A sixth is refused with
`MaximumNumberOfTrailsExceededException` "User: <account> already has 5 trails in <region>."
(HTTP 400).
"""

from __future__ import annotations

from typing import Any

from moto.cloudtrail.models import CloudTrailBackend, Trail, cloudtrail_backends
from moto.core.exceptions import JsonRESTError

MOTO_VERSION = "5.2.5"
QUOTA = 5
REFUSES = (
    (f"A sixth trail in a Region (at most {QUOTA}, multi-Region trails counted in every "
     "Region)",
     f"MaximumNumberOfTrailsExceededException: User: <account> already has {QUOTA} trails "
     "in <region>.",
     "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/WhatIsCloudTrail-Limits.html"),
)


class MaximumNumberOfTrailsExceeded(JsonRESTError):
    code = 400

    def __init__(self, account_id: str, region: str) -> None:
        super().__init__("MaximumNumberOfTrailsExceededException",
                         f"User: {account_id} already has {QUOTA} trails in {region}.")


def trails_in_region(backend: CloudTrailBackend) -> list[Trail]:
    """The trails that count in the backend's Region: its own, and multi-Region ones."""
    return [trail for regional in cloudtrail_backends[backend.account_id].values()
            for trail in regional.trails.values()
            if regional is backend or trail.is_multi_region]


def apply() -> None:
    create = CloudTrailBackend.create_trail

    def create_within_quota(self: CloudTrailBackend, name: str, *args: Any,
                            **kwargs: Any) -> Trail:
        if name not in self.trails and len(trails_in_region(self)) >= QUOTA:
            raise MaximumNumberOfTrailsExceeded(self.account_id, self.region_name)
        return create(self, name, *args, **kwargs)

    CloudTrailBackend.create_trail = create_within_quota  # type: ignore[method-assign]

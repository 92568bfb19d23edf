"""DeleteTrail: accept the trail's ARN as `Name`.

moto: DeleteTrail deletes only when `Name` is the trail's name; given the ARN (which the AWS
provider passes, as the id of `aws_cloudtrail`) it answers success and keeps the trail.
AWS (CloudTrail API reference, "DeleteTrail"): `Name` is the trail's name or its ARN; an
unknown trail is TrailNotFoundException.
"""

from __future__ import annotations

from moto.cloudtrail.models import CloudTrailBackend

MOTO_VERSION = "5.2.5"


def apply() -> None:
    delete = CloudTrailBackend.delete_trail

    def delete_by_name_or_arn(self: CloudTrailBackend, name: str) -> None:
        trail = self.get_trail(name)  # by name or ARN; TrailNotFoundException otherwise
        delete(self, trail.trail_name)

    CloudTrailBackend.delete_trail = delete_by_name_or_arn  # type: ignore[method-assign]

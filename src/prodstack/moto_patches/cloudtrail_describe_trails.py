"""DescribeTrails: describe only the trails `trailNameList` names.

moto: DescribeTrails ignores `trailNameList` and answers every trail of the Region (and the
multi-Region ones of others), so the AWS provider, which reads an `aws_cloudtrail` by its ARN
and expects one trail, fails with "too many results: wanted 1, got N" as soon as a second
trail exists (a second environment, a user's own trail).
AWS (CloudTrail API reference, "DescribeTrails"): `trailNameList` lists trail names, trail
ARNs, or both; the answer holds the trails it names (an empty list: every trail, shadow trails
as `includeShadowTrails` says).
"""

from __future__ import annotations

import json

from moto.cloudtrail.responses import CloudTrailResponse

MOTO_VERSION = "5.2.5"


def apply() -> None:
    describe = CloudTrailResponse.describe_trails

    def describe_named(self: CloudTrailResponse) -> str:
        answer = describe(self)
        wanted = set(self._get_param("trailNameList") or ())
        if not wanted:
            return answer
        trails = json.loads(answer)["trailList"]
        return json.dumps({"trailList": [t for t in trails if t.get("Name") in wanted
                                         or t.get("TrailARN") in wanted]})

    CloudTrailResponse.describe_trails = describe_named  # type: ignore[method-assign]

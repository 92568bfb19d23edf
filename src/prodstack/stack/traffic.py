"""Where the traffic is, read from AWS: the live colour in the release record (an SSM
parameter that `prodstack deploy` writes) and the HTTPS listener's forward weights. Deploy,
`up` (which puts changed weights back) and the FM-6.1 live check read both through here."""

from __future__ import annotations

import json
from typing import Any


def live_colour(ssm: Any, parameter: str | None) -> str:
    """The live colour the release record names (the stack's first live colour when the
    stack has no record)."""
    from prodstack.stack.parts.edge import LIVE_COLOUR  # the stack, only when a check runs

    if not parameter:
        return LIVE_COLOUR
    value = ssm.get_parameter(Name=parameter)["Parameter"]["Value"]
    return str(json.loads(value).get("live", LIVE_COLOUR))


def forward_weights(elbv2: Any, listener_arn: str) -> dict[str, int]:
    """Target group ARN -> weight of the listener's forward action (empty when it does not
    forward)."""
    listener = elbv2.describe_listeners(ListenerArns=[listener_arn])["Listeners"][0]
    forward = next((a.get("ForwardConfig", {}) for a in listener["DefaultActions"]
                    if a["Type"] == "forward"), {})
    return {g["TargetGroupArn"]: int(g.get("Weight", 1)) for g in forward.get("TargetGroups", [])}

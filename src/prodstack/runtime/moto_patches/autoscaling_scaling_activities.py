"""Auto Scaling scaling activities: DescribeScalingActivities lists what changed a group's size.

moto: DescribeScalingActivities always answers an empty list, so nothing can tell when a
group scaled (the load test's report marks scaling events from it).
AWS (Auto Scaling API reference, "DescribeScalingActivities" and the "Activity" data type;
User Guide, "Verify a scaling activity for an Auto Scaling group"): every instance a
capacity change launches or terminates is an activity of the group, newest first, with an
id, a description ("Launching a new EC2 instance: i-…", "Terminating EC2 instance: i-…"), a
cause that says what changed the desired capacity ("At <time> a user request explicitly set
group desired capacity changing the desired capacity from 2 to 3.  At <time> an instance was
started in response to a difference between desired and actual capacity, increasing the
capacity from 2 to 3."; a termination adds "At <time> instance i-… was selected for
termination."), start and end times, status code, progress and details (subnet, zone);
filters by group name and activity ids; `MaxRecords` (at most 100) and `NextToken` page.

Here an activity is recorded, already `Successful`, for every instance that moto launches or
terminates to meet a group's desired capacity: on create, update, SetDesiredCapacity and
ExecutePolicy with the cause phrase AWS uses for that request, and when an instance is
replaced at the same desired capacity (after a termination or detachment) with the capacity
phrase alone. Alarms never trigger policies in the emulator, so "a monitor alarm … triggered
policy …" causes do not occur.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from moto.autoscaling.models import FakeAutoScalingGroup
from moto.autoscaling.responses import AutoScalingResponse
from moto.core.responses import ActionResult
from moto.moto_api._internal import mock_random

MOTO_VERSION = "5.2.5"
MAX_RECORDS = 100
ACTIONS = ("create_auto_scaling_group", "update_auto_scaling_group", "set_desired_capacity",
           "execute_policy")

_request = threading.local()  # the action (and policy) of the request being served


def _reason(group: FakeAutoScalingGroup, new: int) -> str:
    """AWS's phrase for what changed the desired capacity, from the request being served."""
    action = getattr(_request, "action", None)
    if action == "set_desired_capacity":
        return "a user request explicitly set group desired capacity"
    if action == "execute_policy":
        return f"a user request executed policy {_request.policy}"
    if action == "update_auto_scaling_group":
        return (f"a user request update of AutoScalingGroup constraints to min: "
                f"{group.min_size}, max: {group.max_size}, desired: {new}")
    if action == "create_auto_scaling_group":
        return "a user request created an AutoScalingGroup"
    return "a user request"


def recorded(group: FakeAutoScalingGroup) -> list[dict[str, Any]]:
    """The group's activities, newest first."""
    found: list[dict[str, Any]] | None = getattr(group, "prodstack_scaling_activities", None)
    if found is None:
        found = []
        group.prodstack_scaling_activities = found  # type: ignore[attr-defined]
    return found


def _details(group: FakeAutoScalingGroup, instance_id: str) -> str:
    for state in group.instance_states:
        if state.instance.id == instance_id:
            return json.dumps({"Subnet ID": state.instance.subnet_id,
                               "Availability Zone": state.instance.placement.zone})
    return "{}"


def _cause(stamp: str, reason: str | None, old: int, new: int, before: int, after: int) -> str:
    grew = after > before
    capacity = (f"At {stamp} an instance was {'started' if grew else 'taken out of service'} "
                "in response to a difference between desired and actual capacity, "
                f"{'increasing' if grew else 'shrinking'} the capacity from {before} to "
                f"{after}.")
    if reason is None:
        return capacity
    return f"At {stamp} {reason} changing the desired capacity from {old} to {new}.  {capacity}"


def _record(group: FakeAutoScalingGroup, old: int, new: int, before: set[str],
            after: set[str]) -> None:
    now = datetime.now(UTC)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    reason = _reason(group, new) if new != old else None
    launched, terminated = sorted(after - before), sorted(before - after)
    if launched:  # the capacity the launches took the group from and to
        cause = _cause(stamp, reason, old, new, len(after) - len(launched), len(after))
        for instance_id in launched:
            recorded(group).insert(0, {
                "Description": f"Launching a new EC2 instance: {instance_id}", "Cause": cause,
                "Details": _details(group, instance_id)})
    if terminated:
        cause = _cause(stamp, reason, old, new, len(before), len(before) - len(terminated))
        for instance_id in terminated:
            recorded(group).insert(0, {
                "Description": f"Terminating EC2 instance: {instance_id}", "Details": "{}",
                "Cause": f"{cause}  At {stamp} instance {instance_id} was selected for "
                         "termination."})
    for activity in recorded(group)[:len(launched) + len(terminated)]:
        activity.update({"ActivityId": str(mock_random.uuid4()),
                         "AutoScalingGroupName": group.name, "AutoScalingGroupARN": group.arn,
                         "StartTime": now, "EndTime": now, "StatusCode": "Successful",
                         "Progress": 100})


def _watch_capacity(original: Callable[..., None]) -> Callable[..., None]:
    def set_desired_capacity(self: FakeAutoScalingGroup, new_capacity: int | None) -> None:
        old = getattr(self, "desired_capacity", None) or 0
        before = {s.instance.id for s in getattr(self, "instance_states", [])}
        original(self, new_capacity)
        after = {s.instance.id for s in self.instance_states}
        if before != after:
            _record(self, old, self.desired_capacity or 0, before, after)

    return set_desired_capacity


def _with_reason(action: str) -> Callable[..., Any]:
    original = getattr(AutoScalingResponse, action)

    def serve(self: AutoScalingResponse) -> Any:
        _request.action, _request.policy = action, self._get_param("PolicyName")
        try:
            return original(self)
        finally:
            _request.action = _request.policy = None

    return serve


def describe_scaling_activities(self: AutoScalingResponse) -> ActionResult:
    name = self._get_param("AutoScalingGroupName")
    wanted = set(self._get_param("ActivityIds", []) or [])
    limit = min(MAX_RECORDS, int(self._get_param("MaxRecords") or MAX_RECORDS))
    start = int(self._get_param("NextToken") or 0)
    groups = self.autoscaling_backend.autoscaling_groups
    chosen = [groups[name]] if name in groups else [] if name else list(groups.values())
    found = [a for g in chosen for a in recorded(g) if not wanted or a["ActivityId"] in wanted]
    found.sort(key=lambda a: a["StartTime"], reverse=True)  # stable: newest first within one
    page: dict[str, Any] = {"Activities": found[start:start + limit]}
    if start + limit < len(found):
        page["NextToken"] = str(start + limit)
    return ActionResult(page)


def apply() -> None:
    FakeAutoScalingGroup.set_desired_capacity = _watch_capacity(  # type: ignore[method-assign]
        FakeAutoScalingGroup.set_desired_capacity)
    for action in ACTIONS:
        setattr(AutoScalingResponse, action, _with_reason(action))
    AutoScalingResponse.describe_scaling_activities = (  # type: ignore[method-assign]
        describe_scaling_activities)

"""Auto Scaling instance refresh: StartInstanceRefresh, DescribeInstanceRefreshes, Cancel….

moto: the three actions are not implemented (HTTP 500), so an `aws_autoscaling_group` with an
`instance_refresh` block cannot roll to a new launch template version.
AWS (Auto Scaling API reference, "StartInstanceRefresh", "DescribeInstanceRefreshes",
"CancelInstanceRefresh"): a refresh gets an id and replaces the group's instances with
instances launched from the group's current launch template and version (or from its
`DesiredConfiguration`, which the group then keeps); it ends `Successful` at 100 %. While one
is active a second start is refused (`InstanceRefreshInProgress`); cancelling the active one
ends it `Cancelled`, and cancelling with none active is refused
(`ActiveInstanceRefreshNotFound`).

Here a refresh stays `InProgress` for `REFRESH_SECONDS`, then completes all at once: the
replacement happens when the next request of any service reaches the emulator after that (no
background thread touches moto's state). Instances protected from scale in are kept unless
`ScaleInProtectedInstances` is `Refresh`; instances in standby are kept. `SkipMatching`,
checkpoints, warm-up, alarms and rollback are not emulated (a refresh never fails).
The AWS provider (5.x) calls StartInstanceRefresh after UpdateAutoScalingGroup and, when
refused with InstanceRefreshInProgress, cancels, waits for the cancelled status through
DescribeInstanceRefreshes (InstanceRefreshIds) and starts again: that flow works here.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from moto.autoscaling.exceptions import ValidationError
from moto.autoscaling.models import AutoScalingBackend, FakeAutoScalingGroup
from moto.autoscaling.responses import AutoScalingResponse
from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult, BaseResponse
from moto.moto_api._internal import mock_random

MOTO_VERSION = "5.2.5"
REFRESH_SECONDS = 1.0
ACTIVE = ("Pending", "InProgress", "Cancelling")

_lock = threading.RLock()
_running: list[Refresh] = []


class InstanceRefreshInProgress(ServiceException):
    code = "InstanceRefreshInProgress"
    message = ("An Instance Refresh is already in progress and blocks the execution of this "
               "Instance Refresh.")


class ActiveInstanceRefreshNotFound(ServiceException):
    code = "ActiveInstanceRefreshNotFound"
    message = "No in progress or pending Instance Refresh found for Auto Scaling group {name}"


@dataclass
class Refresh:
    group: FakeAutoScalingGroup
    strategy: str
    preferences: dict[str, Any]
    desired_configuration: dict[str, Any] | None
    instances_to_update: int
    refresh_id: str = field(default_factory=lambda: str(mock_random.uuid4()))
    started: float = field(default_factory=time.monotonic)
    start_time: datetime = field(default_factory=lambda: datetime.now(UTC))
    status: str = "InProgress"
    status_reason: str | None = None
    end_time: datetime | None = None
    percentage_complete: int = 0

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "InstanceRefreshId": self.refresh_id,
            "AutoScalingGroupName": self.group.name,
            "Status": self.status,
            "StartTime": self.start_time,
            "PercentageComplete": self.percentage_complete,
            "InstancesToUpdate": self.instances_to_update,
            "Preferences": self.preferences,
            "Strategy": self.strategy,
        }
        if self.status_reason:
            result["StatusReason"] = self.status_reason
        if self.end_time is not None:
            result["EndTime"] = self.end_time
        if self.desired_configuration:
            result["DesiredConfiguration"] = self.desired_configuration
        return result

    def end(self, status: str, reason: str | None = None) -> None:
        self.status, self.status_reason = status, reason
        self.end_time = datetime.now(UTC)


def refreshes(group: FakeAutoScalingGroup) -> list[Refresh]:
    """The group's refreshes, newest first."""
    found: list[Refresh] | None = getattr(group, "prodstack_instance_refreshes", None)
    if found is None:
        found = []
        group.prodstack_instance_refreshes = found  # type: ignore[attr-defined]
    return found


def _to_replace(refresh: Refresh) -> list[Any]:
    replace_protected = refresh.preferences.get("ScaleInProtectedInstances") == "Refresh"
    return [state for state in refresh.group.instance_states
            if state.lifecycle_state == "InService"
            and (replace_protected or not state.protected_from_scale_in)]


def _complete(refresh: Refresh) -> None:
    group = refresh.group
    backend: AutoScalingBackend = group.autoscaling_backend
    desired = refresh.desired_configuration or {}
    if desired.get("LaunchTemplate") or desired.get("MixedInstancesPolicy"):
        group.mixed_instances_policy = desired.get("MixedInstancesPolicy")
        group._set_launch_configuration("", desired.get("LaunchTemplate") or {},
                                        group.mixed_instances_policy)
    old = _to_replace(refresh)
    if old:
        group.replace_autoscaling_group_instances(len(old), group.get_propagated_tags())
        group.instance_states = [state for state in group.instance_states if state not in old]
        old_ids = [state.instance.id for state in old]
        backend.ec2_backend.terminate_instances(old_ids)
        backend.elbv2_backend.notify_terminate_instances(old_ids)
        backend.update_attached_elbs(group.name)
        backend.update_attached_target_groups(group.name)
    refresh.percentage_complete, refresh.instances_to_update = 100, 0
    refresh.end("Successful")


def advance() -> None:
    """Complete the refreshes that have run for REFRESH_SECONDS (called before each request)."""
    if not _running:
        return
    with _lock:
        now = time.monotonic()
        for refresh in list(_running):
            group = refresh.group
            if refresh.status not in ACTIVE:
                _running.remove(refresh)
            elif group.autoscaling_backend.autoscaling_groups.get(group.name) is not group:
                _running.remove(refresh)  # the group was deleted (or the emulator reset)
                refresh.end("Cancelled", "The Auto Scaling group was deleted.")
            elif now - refresh.started >= REFRESH_SECONDS:
                _running.remove(refresh)
                _complete(refresh)


def _group(response: AutoScalingResponse) -> FakeAutoScalingGroup:
    name = response._get_param("AutoScalingGroupName")
    group = response.autoscaling_backend.autoscaling_groups.get(name)
    if group is None:
        raise ValidationError(f"AutoScalingGroup name not found - AutoScalingGroup '{name}' "
                              "not found")
    return group


def start_instance_refresh(self: AutoScalingResponse) -> ActionResult:
    group = _group(self)
    with _lock:
        if any(r.status in ACTIVE for r in refreshes(group)):
            raise InstanceRefreshInProgress()
        refresh = Refresh(group=group, strategy=self._get_param("Strategy") or "Rolling",
                          preferences=self._get_param("Preferences") or {},
                          desired_configuration=self._get_param("DesiredConfiguration"),
                          instances_to_update=0)
        refresh.instances_to_update = len(_to_replace(refresh))
        refreshes(group).insert(0, refresh)
        _running.append(refresh)
    return ActionResult({"InstanceRefreshId": refresh.refresh_id})


def describe_instance_refreshes(self: AutoScalingResponse) -> ActionResult:
    name = self._get_param("AutoScalingGroupName")
    group = self.autoscaling_backend.autoscaling_groups.get(name)
    wanted = self._get_param("InstanceRefreshIds") or []
    found = [r for r in refreshes(group) if not wanted or r.refresh_id in wanted] if group else []
    return ActionResult({"InstanceRefreshes": [r.to_dict() for r in found]})


def cancel_instance_refresh(self: AutoScalingResponse) -> ActionResult:
    group = _group(self)
    with _lock:
        active = next((r for r in refreshes(group) if r.status in ACTIVE), None)
        if active is None:
            raise ActiveInstanceRefreshNotFound(name=group.name)
        active.end("Cancelled", "Cancelled due to user request.")
    return ActionResult({"InstanceRefreshId": active.refresh_id})


def apply() -> None:
    AutoScalingResponse.start_instance_refresh = start_instance_refresh  # type: ignore[attr-defined]
    AutoScalingResponse.describe_instance_refreshes = (  # type: ignore[attr-defined]
        describe_instance_refreshes)
    AutoScalingResponse.cancel_instance_refresh = (  # type: ignore[attr-defined]
        cancel_instance_refresh)
    call_action = BaseResponse.call_action

    def call_action_after_advancing(self: BaseResponse) -> Any:
        advance()
        return call_action(self)

    BaseResponse.call_action = call_action_after_advancing  # type: ignore[method-assign]

"""SSM maintenance windows, their targets and tasks: filters, GetMaintenanceWindowTask, updates.

moto: DescribeMaintenanceWindowTargets and DescribeMaintenanceWindowTasks return nothing as
soon as `Filters` are given (the AWS provider reads a target back with a WindowTargetId
filter, so every target "disappears"); GetMaintenanceWindowTask, UpdateMaintenanceWindow,
UpdateMaintenanceWindowTarget and UpdateMaintenanceWindowTask are not implemented (HTTP 500:
`up` cannot repair a window disabled by hand, or change its schedule); a window always reads
back enabled; a target's OwnerInformation reads back empty; deregistering an unknown target or
task fails with HTTP 500.
AWS (Systems Manager API reference, "DescribeMaintenanceWindowTargets",
"DescribeMaintenanceWindowTasks", "MaintenanceWindowFilter", "GetMaintenanceWindowTask",
"UpdateMaintenanceWindow", "UpdateMaintenanceWindowTarget", "UpdateMaintenanceWindowTask",
"DeregisterTargetFromMaintenanceWindow"): filters select by key (targets: WindowTargetId,
Type, OwnerInformation; tasks: WindowTaskId, TaskArn, Priority, TaskType); Get returns the
task as registered; Update changes the given fields, and with `Replace=true` resets the
optional fields not given; an unknown target or task is DoesNotExistException.
"""

from __future__ import annotations

import json
from typing import Any

from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult
from moto.ssm import models
from moto.ssm.models import (
    FakeMaintenanceWindow,
    FakeMaintenanceWindowTarget,
    FakeMaintenanceWindowTask,
    SimpleSystemManagerBackend,
)
from moto.ssm.responses import SimpleSystemManagerResponse

MOTO_VERSION = "5.2.5"

TARGET_FILTERS = {"WindowTargetId": "window_target_id", "Type": "resource_type",
                  "OwnerInformation": "owner_information"}
TASK_FILTERS = {"WindowTaskId": "window_task_id", "TaskArn": "task_arn",
                "Priority": "priority", "TaskType": "task_type"}
# Request field -> attribute; the optional ones are reset by an update with Replace=true.
TARGET_FIELDS = {"Targets": "targets", "OwnerInformation": "owner_information",
                 "Name": "name", "Description": "description"}
TASK_FIELDS = {"Targets": "targets", "TaskArn": "task_arn", "ServiceRoleArn": "service_role_arn",
               "TaskParameters": "task_parameters",
               "TaskInvocationParameters": "task_invocation_parameters",
               "Priority": "priority", "MaxConcurrency": "max_concurrency",
               "MaxErrors": "max_errors", "LoggingInfo": "logging_info", "Name": "name",
               "Description": "description", "CutoffBehavior": "cutoff_behavior",
               "AlarmConfiguration": "alarm_configurations"}
REQUIRED = ("TaskArn",)
WINDOW_FIELDS = {"Name": "name", "Description": "description", "StartDate": "start_date",
                 "EndDate": "end_date", "Schedule": "schedule",
                 "ScheduleTimezone": "schedule_timezone", "ScheduleOffset": "schedule_offset",
                 "Duration": "duration", "Cutoff": "cutoff", "Enabled": "enabled",
                 "AllowUnassociatedTargets": "allow_unassociated_targets"}
WINDOW_REQUIRED = ("Name", "Schedule", "Duration", "Cutoff", "Enabled",
                   "AllowUnassociatedTargets")
_WINDOW_TO_JSON = FakeMaintenanceWindow.to_json


class DoesNotExist(ServiceException):
    code = "DoesNotExistException"


def _matches(filters: list[dict[str, Any]] | None, item: object, keys: dict[str, str]) -> bool:
    for flt in filters or []:
        attribute = keys.get(flt.get("Key", ""))
        if attribute is None:
            continue
        if str(getattr(item, attribute, None)) not in [str(v) for v in flt.get("Values", [])]:
            return False
    return True


def target_filter_match(filters: list[dict[str, Any]] | None,
                        target: FakeMaintenanceWindowTarget) -> bool:
    return _matches(filters, target, TARGET_FILTERS)


def task_filter_match(filters: list[dict[str, Any]] | None,
                      task: FakeMaintenanceWindowTask) -> bool:
    return _matches(filters, task, TASK_FILTERS)


def _target(backend: SimpleSystemManagerBackend, window_id: str,
            target_id: str) -> FakeMaintenanceWindowTarget:
    window = backend.get_maintenance_window(window_id)
    if target_id not in window.targets:
        raise DoesNotExist(f"Maintenance window target {target_id} does not exist")
    return window.targets[target_id]


def _task(backend: SimpleSystemManagerBackend, window_id: str,
          task_id: str) -> FakeMaintenanceWindowTask:
    window = backend.get_maintenance_window(window_id)
    if task_id not in window.tasks:
        raise DoesNotExist(f"Maintenance window task {task_id} does not exist")
    return window.tasks[task_id]


def _update(item: object, params: dict[str, Any], fields: dict[str, str],
            required: tuple[str, ...] = REQUIRED) -> None:
    replace = bool(params.get("Replace"))
    for key, attribute in fields.items():
        if key in params and params[key] is not None:
            setattr(item, attribute, params[key])
        elif replace and key not in required:
            setattr(item, attribute, None)


def window_to_json(self: FakeMaintenanceWindow) -> dict[str, Any]:
    result = _WINDOW_TO_JSON(self)
    result["Enabled"] = getattr(self, "enabled", True)
    allow = getattr(self, "allow_unassociated_targets", None)
    if allow is not None:
        result["AllowUnassociatedTargets"] = allow
    return result


def update_maintenance_window(self: SimpleSystemManagerResponse) -> ActionResult:
    params = json.loads(self.body or "{}")
    window_id = params.get("WindowId", "")
    if window_id not in self.ssm_backend.windows:
        raise DoesNotExist(f"Maintenance window {window_id} does not exist")
    window = self.ssm_backend.windows[window_id]
    _update(window, params, WINDOW_FIELDS, WINDOW_REQUIRED)
    return ActionResult({k: v for k, v in window.to_json().items() if v is not None})


def target_to_json(self: FakeMaintenanceWindowTarget) -> dict[str, Any]:
    result = {"WindowId": self.window_id, "WindowTargetId": self.window_target_id,
              "ResourceType": self.resource_type, "Targets": self.targets,
              "OwnerInformation": self.owner_information, "Name": self.name,
              "Description": self.description}
    return {key: value for key, value in result.items() if value is not None}


def task_to_json(self: FakeMaintenanceWindowTask) -> dict[str, Any]:
    result = {"WindowId": self.window_id, "WindowTaskId": self.window_task_id}
    for key, attribute in TASK_FIELDS.items():
        result[key] = getattr(self, attribute, None)
    result["TaskType"] = self.task_type
    return {key: value for key, value in result.items() if value is not None}


def get_maintenance_window_task(self: SimpleSystemManagerResponse) -> ActionResult:
    task = _task(self.ssm_backend, self._get_param("WindowId"), self._get_param("WindowTaskId"))
    return ActionResult(task_to_json(task))


def update_maintenance_window_target(self: SimpleSystemManagerResponse) -> ActionResult:
    target = _target(self.ssm_backend, self._get_param("WindowId"),
                     self._get_param("WindowTargetId"))
    _update(target, json.loads(self.body or "{}"), TARGET_FIELDS)
    result = target_to_json(target)
    result.pop("ResourceType", None)
    return ActionResult(result)


def update_maintenance_window_task(self: SimpleSystemManagerResponse) -> ActionResult:
    task = _task(self.ssm_backend, self._get_param("WindowId"), self._get_param("WindowTaskId"))
    _update(task, json.loads(self.body or "{}"), TASK_FIELDS)
    result = task_to_json(task)
    result.pop("TaskType", None)
    return ActionResult(result)


def deregister_target_from_maintenance_window(self: SimpleSystemManagerResponse) -> Any:
    window_id, target_id = self._get_param("WindowId"), self._get_param("WindowTargetId")
    _target(self.ssm_backend, window_id, target_id)
    self.ssm_backend.deregister_target_from_maintenance_window(window_id, target_id)
    return ActionResult({"WindowId": window_id, "WindowTargetId": target_id})


def deregister_task_from_maintenance_window(self: SimpleSystemManagerResponse) -> Any:
    window_id, task_id = self._get_param("WindowId"), self._get_param("WindowTaskId")
    _task(self.ssm_backend, window_id, task_id)
    self.ssm_backend.deregister_task_from_maintenance_window(window_id, task_id)
    return ActionResult({"WindowId": window_id, "WindowTaskId": task_id})


def apply() -> None:
    models._maintenance_window_target_filter_match = target_filter_match
    models._maintenance_window_task_filter_match = task_filter_match
    FakeMaintenanceWindow.to_json = window_to_json  # type: ignore[method-assign]
    FakeMaintenanceWindowTarget.to_json = target_to_json  # type: ignore[method-assign]
    FakeMaintenanceWindowTask.to_json = task_to_json  # type: ignore[method-assign]
    response = SimpleSystemManagerResponse
    response.get_maintenance_window_task = get_maintenance_window_task  # type: ignore[attr-defined]
    response.update_maintenance_window = update_maintenance_window  # type: ignore[attr-defined]
    response.update_maintenance_window_target = (  # type: ignore[attr-defined]
        update_maintenance_window_target)
    response.update_maintenance_window_task = (  # type: ignore[attr-defined]
        update_maintenance_window_task)
    response.deregister_target_from_maintenance_window = (  # type: ignore[method-assign]
        deregister_target_from_maintenance_window)
    response.deregister_task_from_maintenance_window = (  # type: ignore[method-assign]
        deregister_task_from_maintenance_window)

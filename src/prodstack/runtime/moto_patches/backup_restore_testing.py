"""AWS Backup restore testing: plans and selections are kept and read back.

moto: the restore testing actions (Create/Get/List/Update/DeleteRestoreTestingPlan, the same
for RestoreTestingSelection) are not implemented (HTTP 404), so the Terraform resources
`aws_backup_restore_testing_plan` and `aws_backup_restore_testing_selection` cannot be
created.
AWS (AWS Backup API reference, "CreateRestoreTestingPlan", "GetRestoreTestingPlan",
"UpdateRestoreTestingPlan", "DeleteRestoreTestingPlan", "CreateRestoreTestingSelection",
"GetRestoreTestingSelection", "UpdateRestoreTestingSelection",
"DeleteRestoreTestingSelection", and their List actions): a plan (name, recovery point
selection, schedule, timezone `Etc/UTC` and start window 24 hours by default) gets an ARN and
creation time; Get returns what was given with CreatorRequestId, LastUpdateTime; Update
replaces the given fields; a plan "can only be deleted if all associated restore testing
selections are deleted first" (InvalidRequestException). A selection (name, IAM role,
protected resource type, ARNs or conditions, metadata overrides, validation window) belongs
to a plan. A name used twice is AlreadyExistsException, an unknown one
ResourceNotFoundException. Nothing here runs restore tests on a schedule.
"""

from __future__ import annotations

import json
from typing import Any

from moto.backup import urls
from moto.backup.exceptions import (
    AlreadyExistsException,
    InvalidRequestException,
    ResourceNotFoundException,
)
from moto.backup.models import BackupBackend
from moto.backup.responses import BackupResponse
from moto.core.utils import unix_time
from moto.moto_api._internal import mock_random

from prodstack.runtime.moto_patches import _backup_store as backups

MOTO_VERSION = "5.2.5"
PLANS = "{0}/restore-testing/plans"
PATHS = (f"{PLANS}/$", f"{PLANS}/(?P<plan>[^/]+)$", f"{PLANS}/(?P<plan>[^/]+)/selections/$",
         f"{PLANS}/(?P<plan>[^/]+)/selections/(?P<selection>[^/]+)$")
PLAN_DEFAULTS = {"ScheduleExpressionTimezone": "Etc/UTC", "StartWindowHours": 24}
HAS_SELECTIONS = ("The restore testing plan cannot be deleted: delete its restore testing "
                  "selections first.")


def _plans(backend: BackupBackend) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] | None = getattr(backend, "prodstack_restore_tests", None)
    if found is None:
        found = {}
        backend.prodstack_restore_tests = found  # type: ignore[attr-defined]
    return found


def _plan(self: BackupResponse) -> dict[str, Any]:
    name = backups.uri(self, "RestoreTestingPlanName")
    plan = _plans(self.backup_backend).get(name)
    if plan is None:
        raise ResourceNotFoundException(msg=f"Restore testing plan {name} not found")
    return plan


def _selection(self: BackupResponse) -> dict[str, Any]:
    name = backups.uri(self, "RestoreTestingSelectionName")
    selection = _plan(self)["selections"].get(name)
    if selection is None:
        raise ResourceNotFoundException(msg=f"Restore testing selection {name} not found")
    return dict(selection)


def _answer(plan: dict[str, Any], **extra: Any) -> str:
    return json.dumps({"CreationTime": plan["CreationTime"],
                       "RestoreTestingPlanArn": plan["RestoreTestingPlanArn"],
                       "RestoreTestingPlanName": plan["RestoreTestingPlanName"], **extra})


def create_restore_testing_plan(self: BackupResponse) -> str:
    params = json.loads(self.body or "{}")
    given = params["RestoreTestingPlan"]
    name, backend = given["RestoreTestingPlanName"], self.backup_backend
    if name in _plans(backend):
        raise AlreadyExistsException(msg=f"Restore testing plan {name} already exists")
    arn = (f"arn:aws:backup:{backend.region_name}:{backend.account_id}:restore-testing-plan:"
           f"{name}-{mock_random.uuid4()}")
    plan = {**PLAN_DEFAULTS, **given, "RestoreTestingPlanArn": arn, "CreationTime": unix_time(),
            "selections": {}}
    if params.get("CreatorRequestId"):
        plan["CreatorRequestId"] = params["CreatorRequestId"]
    _plans(backend)[name] = plan
    if params.get("Tags"):
        backend.tag_resource(arn, params["Tags"])
    return _answer(plan)


def get_restore_testing_plan(self: BackupResponse) -> str:
    plan = _plan(self)
    return json.dumps({"RestoreTestingPlan": {k: v for k, v in plan.items()
                                              if k != "selections"}})


def list_restore_testing_plans(self: BackupResponse) -> str:
    keys = ("CreationTime", "LastExecutionTime", "LastUpdateTime", "RestoreTestingPlanArn",
            "RestoreTestingPlanName", "ScheduleExpression", "ScheduleExpressionTimezone",
            "StartWindowHours")
    plans = [{k: p[k] for k in keys if k in p} for p in _plans(self.backup_backend).values()]
    return backups.page(plans, self, "RestoreTestingPlans")


def update_restore_testing_plan(self: BackupResponse) -> str:
    plan = _plan(self)
    plan.update(json.loads(self.body or "{}").get("RestoreTestingPlan") or {})
    plan["LastUpdateTime"] = unix_time()
    return _answer(plan, UpdateTime=plan["LastUpdateTime"])


def delete_restore_testing_plan(self: BackupResponse) -> str:
    plan = _plan(self)
    if plan["selections"]:
        raise InvalidRequestException(msg=HAS_SELECTIONS)
    del _plans(self.backup_backend)[plan["RestoreTestingPlanName"]]
    return ""


def create_restore_testing_selection(self: BackupResponse) -> str:
    plan, params = _plan(self), json.loads(self.body or "{}")
    given = params["RestoreTestingSelection"]
    name = given["RestoreTestingSelectionName"]
    if name in plan["selections"]:
        raise AlreadyExistsException(msg=f"Restore testing selection {name} already exists")
    selection = {**given, "RestoreTestingPlanName": plan["RestoreTestingPlanName"],
                 "CreationTime": unix_time()}
    if params.get("CreatorRequestId"):
        selection["CreatorRequestId"] = params["CreatorRequestId"]
    plan["selections"][name] = selection
    return _answer(plan, CreationTime=selection["CreationTime"],
                   RestoreTestingSelectionName=name)


def get_restore_testing_selection(self: BackupResponse) -> str:
    return json.dumps({"RestoreTestingSelection": _selection(self)})


def list_restore_testing_selections(self: BackupResponse) -> str:
    keys = ("CreationTime", "IamRoleArn", "ProtectedResourceType", "RestoreTestingPlanName",
            "RestoreTestingSelectionName", "ValidationWindowHours")
    found = [{k: s[k] for k in keys if k in s} for s in _plan(self)["selections"].values()]
    return backups.page(found, self, "RestoreTestingSelections")


def update_restore_testing_selection(self: BackupResponse) -> str:
    plan, name = _plan(self), _selection(self)["RestoreTestingSelectionName"]
    selection = plan["selections"][name]
    selection.update(json.loads(self.body or "{}").get("RestoreTestingSelection") or {})
    return _answer(plan, CreationTime=selection["CreationTime"], UpdateTime=unix_time(),
                   RestoreTestingSelectionName=name)


def delete_restore_testing_selection(self: BackupResponse) -> str:
    name = _selection(self)["RestoreTestingSelectionName"]
    del _plan(self)["selections"][name]
    return ""


ACTIONS = (create_restore_testing_plan, get_restore_testing_plan, list_restore_testing_plans,
           update_restore_testing_plan, delete_restore_testing_plan,
           create_restore_testing_selection, get_restore_testing_selection,
           list_restore_testing_selections, update_restore_testing_selection,
           delete_restore_testing_selection)


def apply() -> None:
    for action in ACTIONS:
        setattr(BackupResponse, action.__name__, action)
    for path in PATHS:
        urls.url_paths[path] = urls.response.dispatch

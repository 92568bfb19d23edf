"""AWS Backup selections: Create/Get/Delete/ListBackupSelections; a plan keeps its selections.

moto: the four selection actions are not implemented (HTTP 500), so `aws_backup_selection`
cannot be created, and DeleteBackupPlan deletes a plan whatever is assigned to it.
AWS (AWS Backup API reference, "CreateBackupSelection", "GetBackupSelection",
"DeleteBackupSelection", "ListBackupSelections", "DeleteBackupPlan"): a selection (name, IAM
role, resources, not-resources, tag conditions) belongs to a plan and gets its own id; Get
returns it as given, with SelectionId, BackupPlanId, CreationDate and CreatorRequestId; an
unknown selection is ResourceNotFoundException for Get, InvalidParameterValueException for
Delete (which the AWS provider takes as "already gone"); a selection with neither Resources
nor ListOfTags is refused (InvalidParameterValueException). A plan can only be deleted once its
selections are deleted: DeleteBackupPlan answers InvalidRequestException "Related backup plan
selections must be deleted prior to backup plan deletion" (the AWS provider retries on it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from moto.backup.exceptions import (
    InvalidParameterValueException,
    InvalidRequestException,
    ResourceNotFoundException,
)
from moto.backup.models import BackupBackend
from moto.backup.responses import BackupResponse
from moto.core.utils import unix_time
from moto.moto_api._internal import mock_random

MOTO_VERSION = "5.2.5"
PLAN_HAS_SELECTIONS = ("Related backup plan selections must be deleted prior to backup plan "
                       "deletion.")


@dataclass
class Selection:
    plan_id: str
    document: dict[str, Any]
    creator_request_id: str | None
    selection_id: str = field(default_factory=lambda: str(mock_random.uuid4()))
    creation_date: float = field(default_factory=unix_time)

    def header(self) -> dict[str, Any]:
        result = {"SelectionId": self.selection_id, "BackupPlanId": self.plan_id,
                  "CreationDate": self.creation_date}
        if self.creator_request_id:
            result["CreatorRequestId"] = self.creator_request_id
        return result

    def to_get_dict(self) -> dict[str, Any]:
        return {"BackupSelection": self.document, **self.header()}

    def to_list_dict(self) -> dict[str, Any]:
        return {**self.header(), "SelectionName": self.document.get("SelectionName"),
                "IamRoleArn": self.document.get("IamRoleArn")}


def selections(backend: BackupBackend, plan_id: str) -> dict[str, Selection]:
    """The plan's selections by id (created on first use)."""
    every: dict[str, dict[str, Selection]] | None = getattr(
        backend, "prodstack_backup_selections", None)
    if every is None:
        every = {}
        backend.prodstack_backup_selections = every  # type: ignore[attr-defined]
    return every.setdefault(plan_id, {})


def _live_plan_id(backend: BackupBackend, plan_id: str) -> str:
    plan = backend.plans.get(plan_id)
    if plan is None or plan.deletion_date is not None:
        raise ResourceNotFoundException(msg=f"Failed reading Backup plan {plan_id}")
    return plan_id


def _path_ids(response: BackupResponse) -> tuple[str, str | None]:
    """(plan id, selection id or None) from /backup/plans/{plan}/selections/[{selection}]."""
    tail = unquote(response.path).split("/plans/", 1)[1]
    plan_id, _, rest = tail.partition("/selections")
    selection_id = rest.strip("/") or None
    return plan_id, selection_id


def create_backup_selection(self: BackupResponse) -> str:
    plan_id, _ = _path_ids(self)
    backend = self.backup_backend
    _live_plan_id(backend, plan_id)
    params = json.loads(self.body or "{}")
    document = params.get("BackupSelection") or {}
    if not document.get("SelectionName") or not document.get("IamRoleArn"):
        raise InvalidParameterValueException(
            msg="BackupSelection needs a SelectionName and an IamRoleArn")
    if not document.get("Resources") and not document.get("ListOfTags"):
        raise InvalidParameterValueException(
            msg="Invalid backup selection. Either 'ListOfTags' or 'Resources' section must be "
                "non-empty.")
    selection = Selection(plan_id=plan_id, document=document,
                          creator_request_id=params.get("CreatorRequestId"))
    selections(backend, plan_id)[selection.selection_id] = selection
    return json.dumps(selection.header())


def _selection(self: BackupResponse) -> Selection:
    plan_id, selection_id = _path_ids(self)
    found = selections(self.backup_backend, _live_plan_id(self.backup_backend, plan_id))
    if selection_id not in found:
        raise ResourceNotFoundException(msg=f"Failed reading backup selection {selection_id} "
                                            f"of backup plan {plan_id}")
    return found[selection_id]


def get_backup_selection(self: BackupResponse) -> str:
    return json.dumps(_selection(self).to_get_dict())


def delete_backup_selection(self: BackupResponse) -> str:
    try:
        selection = _selection(self)
    except ResourceNotFoundException as exc:
        raise InvalidParameterValueException(msg=exc.message) from None
    del selections(self.backup_backend, selection.plan_id)[selection.selection_id]
    return "{}"


def list_backup_selections(self: BackupResponse) -> str:
    plan_id, _ = _path_ids(self)
    found = selections(self.backup_backend, _live_plan_id(self.backup_backend, plan_id))
    return json.dumps({"BackupSelectionsList": [s.to_list_dict() for s in found.values()]})


def apply() -> None:
    BackupResponse.create_backup_selection = create_backup_selection  # type: ignore[attr-defined]
    BackupResponse.get_backup_selection = get_backup_selection  # type: ignore[attr-defined]
    BackupResponse.delete_backup_selection = delete_backup_selection  # type: ignore[attr-defined]
    BackupResponse.list_backup_selections = list_backup_selections  # type: ignore[attr-defined]
    delete_plan = BackupBackend.delete_backup_plan

    def delete_plan_without_selections(self: BackupBackend,
                                       backup_plan_id: str) -> tuple[str, str, float, str]:
        if selections(self, backup_plan_id):
            raise InvalidRequestException(msg=PLAN_HAS_SELECTIONS)
        return delete_plan(self, backup_plan_id)

    BackupBackend.delete_backup_plan = delete_plan_without_selections  # type: ignore[method-assign]

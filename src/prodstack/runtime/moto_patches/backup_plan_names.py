"""CreateBackupPlan: a deleted plan no longer holds its name.

moto: DeleteBackupPlan only marks the plan deleted (it stays listed with `includeDeleted`),
but CreateBackupPlan compares the new name with every plan, deleted ones included, and
refuses a name used before (AlreadyExistsException), so a stack cannot be destroyed and
created again with the same plan name.
AWS (AWS Backup API reference, "CreateBackupPlan", "DeleteBackupPlan"): deleting a plan
deletes its current version; only existing plans are compared, so the name can be used
again at once.
"""

from __future__ import annotations

from typing import Any

from moto.backup.models import BackupBackend, Plan

MOTO_VERSION = "5.2.5"


def apply() -> None:
    create = BackupBackend.create_backup_plan

    def create_ignoring_deleted(self: BackupBackend, backup_plan: dict[str, Any],
                                backup_plan_tags: dict[str, str],
                                creator_request_id: str) -> Plan:
        # moto's check sees all of self.plans: show it the live ones only, then merge back.
        deleted = {plan_id: plan for plan_id, plan in self.plans.items()
                   if plan.deletion_date is not None}
        for plan_id in deleted:
            del self.plans[plan_id]
        try:
            return create(self, backup_plan, backup_plan_tags, creator_request_id)
        finally:
            self.plans.update(deleted)

    BackupBackend.create_backup_plan = create_ignoring_deleted  # type: ignore[method-assign]

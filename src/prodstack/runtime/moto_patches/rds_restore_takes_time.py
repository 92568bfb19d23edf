"""RestoreDBInstanceFromDBSnapshot: the restored instance is `creating` before `available`.

moto: a restored instance is `available` the moment the call returns, so nothing that waits
for a restore (`prodstack backup verify`'s wait, its cleanup of an instance still being
created, an interruption during the restore) ever runs on the emulator.
AWS (RDS API reference, "RestoreDBInstanceFromDBSnapshot"; RDS User Guide, "Viewing Amazon
RDS DB instance status"): the instance is `creating` for minutes, and DeleteDBInstance of an
instance that is not yet available answers InvalidDBInstanceState. Here the restore takes
`PRODSTACK_EMULATOR_RESTORE_SECONDS` (3 by default); a delete meanwhile is refused like on
AWS.
"""

from __future__ import annotations

import os
import time
from typing import Any

from moto.rds.exceptions import InvalidDBInstanceStateError
from moto.rds.models import RDSBackend

MOTO_VERSION = "5.2.5"
READY_AT = "_prodstack_ready_at"


def restore_seconds() -> float:
    return float(os.environ.get("PRODSTACK_EMULATOR_RESTORE_SECONDS", "3"))


def _settle(instance: Any) -> None:
    ready = getattr(instance, READY_AT, None)
    if ready is not None and time.time() >= ready:
        instance.status = "available"
        delattr(instance, READY_AT)


def apply() -> None:
    restore = RDSBackend.restore_db_instance_from_db_snapshot
    describe = RDSBackend.describe_db_instances
    delete = RDSBackend.delete_db_instance

    def restore_creating(self: RDSBackend, *args: Any, **kwargs: Any) -> Any:
        instance = restore(self, *args, **kwargs)
        instance.status = "creating"
        setattr(instance, READY_AT, time.time() + restore_seconds())
        return instance

    def describe_settled(self: RDSBackend, *args: Any, **kwargs: Any) -> Any:
        found = describe(self, *args, **kwargs)
        for instance in found:
            _settle(instance)
        return found

    def delete_when_available(self: RDSBackend, db_instance_identifier: str,
                              *args: Any, **kwargs: Any) -> Any:
        instance = self.databases.get(db_instance_identifier)
        if instance is not None:
            _settle(instance)
            if getattr(instance, READY_AT, None) is not None:
                raise InvalidDBInstanceStateError(db_instance_identifier, "delete")
        return delete(self, db_instance_identifier, *args, **kwargs)

    RDSBackend.restore_db_instance_from_db_snapshot = restore_creating  # type: ignore[method-assign]
    RDSBackend.describe_db_instances = describe_settled  # type: ignore[method-assign]
    RDSBackend.delete_db_instance = delete_when_available  # type: ignore[method-assign]

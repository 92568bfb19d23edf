"""RestoreDBInstanceFromDBSnapshot: honour every setting of the request, false ones included.

moto: the restore copies the snapshot's source instance and then applies only the request's
truthy values (`if value:`), so `DeletionProtection=False`, `MultiAZ=False`,
`PubliclyAccessible=False` (and the other booleans) are ignored and the source instance's
values survive; absent settings are copied from the source instead of taking AWS's defaults.
AWS (RDS API reference, "RestoreDBInstanceFromDBSnapshot"): the given values apply; by default
the new instance is Single-AZ, without deletion protection, and does not copy tags to
snapshots; `PubliclyAccessible` defaults as for CreateDBInstance: public when the VPC (of the
DB subnet group, else the default VPC) has an internet gateway attached, private otherwise.
The request has no MonitoringInterval or MonitoringRoleArn: the restored instance starts
without Enhanced Monitoring (moto copied the source's role, which a plain `down` has deleted,
and the strict emulator then refused the restore for a role the request never named). Without
a DBSubnetGroupName the instance goes to the default VPC, as CreateDBInstance does; moto took
the source's subnet group (DBSubnetGroupNotFoundFault once `down` had deleted it).
"""

from __future__ import annotations

import copy
from typing import Any

from moto.ec2 import ec2_backends
from moto.rds.models import DBInstance, RDSBackend

MOTO_VERSION = "5.2.5"

# Boolean request settings (moto's snake_case keys) that are also DBInstance attributes.
BOOLEAN_SETTINGS = ("multi_az", "deletion_protection", "publicly_accessible",
                    "copy_tags_to_snapshot", "auto_minor_version_upgrade",
                    "enable_iam_database_authentication")
DEFAULTS = {"multi_az": False, "deletion_protection": False, "copy_tags_to_snapshot": False}


def default_publicly_accessible(instance: DBInstance) -> bool:
    """CreateDBInstance's rule: public iff the instance's VPC has an internet gateway."""
    ec2 = ec2_backends[instance.account_id][instance.region]
    subnet_group = getattr(instance, "db_subnet_group", None)
    if subnet_group is not None:
        vpc_id = subnet_group.vpc_id
    else:
        default_vpc = getattr(ec2, "default_vpc", None)
        vpc_id = default_vpc.id if default_vpc is not None else None
    return vpc_id is not None and any(
        igw.vpc is not None and igw.vpc.id == vpc_id
        for igw in ec2.describe_internet_gateways())


def apply() -> None:
    restore = RDSBackend.restore_db_instance_from_db_snapshot

    def restore_with_overrides(self: RDSBackend, from_snapshot_id: str,
                               overrides: dict[str, Any]) -> DBInstance:
        snapshot_id = from_snapshot_id.rsplit(":snapshot:", 1)[-1]
        snapshot = self.describe_db_snapshots(None, snapshot_id)[0]
        source = snapshot.database
        unmonitored = copy.copy(source)
        unmonitored.monitoring_interval, unmonitored.monitoring_role_arn = 0, None
        if not overrides.get("db_subnet_group_name"):  # AWS: the default VPC, not the source's
            unmonitored.__dict__.update(_db_subnet_group_name=None, db_subnet_group=None)
        snapshot.database = unmonitored
        try:
            instance = restore(self, from_snapshot_id, overrides)
        finally:
            snapshot.database = source
        for key in BOOLEAN_SETTINGS:
            value = overrides.get(key)
            if value is None and key in DEFAULTS:
                value = DEFAULTS[key]
            elif value is None and key == "publicly_accessible":
                value = default_publicly_accessible(instance)
            if value is not None:
                setattr(instance, key, bool(value))
        return instance

    RDSBackend.restore_db_instance_from_db_snapshot = (  # type: ignore[method-assign]
        restore_with_overrides)

"""Environment profiles: what `production`, `staging` and `dev` size, and every trade they make.

Profiles change sizes and costs, never the wiring. Every value in which the environments
differ is a field here (nothing elsewhere compares the environment's name), and every place
where a profile gives up availability or safety for cost is declared as a `Trade` with the
catalog id it touches and the reason, so that the audit and verify report it as accepted
instead of hiding it. `TRADED_FIELDS` says which field weakens which failure mode; a test
holds every profile to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Trade:
    fm_id: str
    what: str
    reason: str


@dataclass(frozen=True)
class Profile:
    name: str
    instance_type: str
    min_size: int
    max_size: int
    min_size_floor: int  # the least min_size a user may set (one instance per AZ in production)
    db_instance_class: str
    db_allocated_storage: int
    db_max_allocated_storage: int
    db_multi_az: bool
    db_deletion_protection: bool
    db_final_snapshot: bool
    db_backup_retention_days: int
    db_performance_insights: bool
    db_monitoring_interval: int
    db_apply_immediately: bool
    alb_deletion_protection: bool
    kms_deletion_window_days: int
    nat_per_az: bool
    log_retention_days: int
    audit_retention_days: int
    # Object Lock of the audit bucket (FM-2.3): COMPLIANCE lets no one, root included, delete
    # or shorten a retention; GOVERNANCE lets a principal with s3:BypassGovernanceRetention
    # (the role that runs `down --purge`) delete the audit logs.
    audit_lock_mode: str
    backup_plan_retention_days: int
    trades: tuple[Trade, ...] = field(default=())


_SINGLE_AZ_DB = Trade(
    "FM-3.1",
    "database runs in one AZ",
    "non-production data; a failover window of minutes is acceptable to halve the DB cost",
)
_ONE_NAT = Trade(
    "FM-3.2",
    "one NAT gateway shared by every AZ",
    "dev traffic tolerates losing egress with one AZ; saves one NAT gateway per extra AZ",
)
_NO_DELETION_PROTECTION = Trade(
    "FM-X5",
    "no deletion protection (database, load balancer) and no final snapshot",
    "dev databases are disposable and rebuilt from migrations",
)

# Profile field -> the catalog id whose fix it weakens when it is below production's value.
TRADED_FIELDS = {
    "db_multi_az": "FM-3.1",
    "nat_per_az": "FM-3.2",
    "db_deletion_protection": "FM-X5",
    "db_final_snapshot": "FM-X5",
    "alb_deletion_protection": "FM-X5",
}
# Settings that override the profile's value of the same field (`--set instance_type=…`).
OVERRIDABLE = ("instance_type", "db_instance_class", "min_size", "max_size")

PROFILES: dict[str, Profile] = {
    "production": Profile(
        name="production",
        instance_type="t4g.small",
        min_size=2,
        max_size=6,
        min_size_floor=2,
        db_instance_class="db.t4g.medium",
        db_allocated_storage=20,
        db_max_allocated_storage=200,
        db_multi_az=True,
        db_deletion_protection=True,
        db_final_snapshot=True,
        db_backup_retention_days=14,
        db_performance_insights=True,
        db_monitoring_interval=60,
        db_apply_immediately=False,
        alb_deletion_protection=True,
        kms_deletion_window_days=30,
        nat_per_az=True,
        log_retention_days=365,
        audit_retention_days=365,
        audit_lock_mode="COMPLIANCE",
        backup_plan_retention_days=35,
    ),
    "staging": Profile(
        name="staging",
        instance_type="t4g.small",
        min_size=2,
        max_size=4,
        min_size_floor=1,
        db_instance_class="db.t4g.small",
        db_allocated_storage=20,
        db_max_allocated_storage=100,
        db_multi_az=False,
        db_deletion_protection=True,
        db_final_snapshot=True,
        db_backup_retention_days=7,
        db_performance_insights=False,
        db_monitoring_interval=60,
        db_apply_immediately=True,
        alb_deletion_protection=True,
        kms_deletion_window_days=7,
        nat_per_az=True,
        log_retention_days=90,
        audit_retention_days=180,
        audit_lock_mode="GOVERNANCE",
        backup_plan_retention_days=14,
        trades=(_SINGLE_AZ_DB,),
    ),
    "dev": Profile(
        name="dev",
        instance_type="t4g.micro",
        min_size=1,
        max_size=2,
        min_size_floor=1,
        db_instance_class="db.t4g.micro",
        db_allocated_storage=20,
        db_max_allocated_storage=50,
        db_multi_az=False,
        db_deletion_protection=False,
        db_final_snapshot=False,
        db_backup_retention_days=7,
        db_performance_insights=False,
        db_monitoring_interval=0,
        db_apply_immediately=True,
        alb_deletion_protection=False,
        kms_deletion_window_days=7,
        nat_per_az=False,
        log_retention_days=90,
        audit_retention_days=90,
        audit_lock_mode="GOVERNANCE",
        backup_plan_retention_days=7,
        trades=(_SINGLE_AZ_DB, _ONE_NAT, _NO_DELETION_PROTECTION),
    ),
}


def get_profile(name: str) -> Profile:
    return PROFILES[name]

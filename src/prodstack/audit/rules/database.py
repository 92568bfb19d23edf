"""The database: private (FM-2.2), Multi-AZ (FM-3.1), backed up (FM-4.4), storage autoscaling
(FM-5.3), no password in state (FM-X1), major version pinned only (FM-X4), protected from
deletion (FM-X5)."""

from __future__ import annotations

from collections.abc import Iterator

from prodstack.audit.plan import UNKNOWN, Plan, Resource
from prodstack.audit.rules.base import AuditInput, Hit, Rule

MIN_BACKUP_DAYS = 7


def _replica(db: Resource) -> bool:
    source = db.get("replicate_source_db")
    return source is UNKNOWN or (isinstance(source, str) and bool(source))


def _aurora(db: Resource) -> bool:
    engine = db.get("engine")
    return isinstance(engine, str) and engine.startswith("aurora")


def primaries(plan: Plan) -> Iterator[Resource]:
    """Stand-alone database instances (not read replicas, not Aurora cluster members)."""
    for db in plan.of("aws_db_instance"):
        if not _replica(db) and not _aurora(db):
            yield db


def not_public(inp: AuditInput) -> Iterator[Hit]:
    for db in inp.plan.of("aws_db_instance", "aws_rds_cluster_instance"):
        if db.get("publicly_accessible") is True:
            yield Hit(db.address, "publicly_accessible = true: the database gets a public "
                      "address")
        elif db.has_config and not db.written("publicly_accessible"):
            yield Hit(db.address, "publicly_accessible is left to the default: write "
                      "`publicly_accessible = false` so no module default or later edit "
                      "can expose it")


def multi_az(inp: AuditInput) -> Iterator[Hit]:
    for db in primaries(inp.plan):
        if db.effective("multi_az", False) in (False, None):
            yield Hit(db.address, "the database runs in one availability zone: an AZ outage "
                      "or a host failure takes it down until it is rebuilt")


def _covered_by_selection(plan: Plan, db: Resource, selection: Resource) -> bool:
    if plan.links(selection, ("resources",), db):
        return True
    resources = selection.get("resources")
    if resources is UNKNOWN and not plan.refs(selection, "resources"):
        return True  # the plan cannot tell: do not claim a gap
    if any(r == "*" or ("*" in r and ":rds:" in r) for r in selection.strings("resources")):
        return True
    tags = db.get("tags_all")
    for tag in selection.values.get("selection_tag") or []:
        if not isinstance(tag, dict):
            continue
        if not isinstance(tags, dict) or tags.get(tag.get("key")) == tag.get("value"):
            return True
    return bool(selection.values.get("condition"))


def backups(inp: AuditInput) -> Iterator[Hit]:
    plan = inp.plan
    selections = plan.of("aws_backup_selection")
    for db in primaries(plan):
        days = db.effective("backup_retention_period", 1)
        if isinstance(days, int) and days < MIN_BACKUP_DAYS:
            yield Hit(db.address, f"backups are kept {days} day{'s' if days != 1 else ''} "
                      f"(fewer than {MIN_BACKUP_DAYS})")
        if not any(_covered_by_selection(plan, db, s) for s in selections):
            yield Hit(db.address, "no AWS Backup plan covers this database: there is no "
                      "independent, restorable copy to verify")


def storage_autoscaling(inp: AuditInput) -> Iterator[Hit]:
    for db in inp.plan.of("aws_db_instance"):
        if _aurora(db):
            continue
        if db.get("max_allocated_storage") in (None, 0):
            yield Hit(db.address, "max_allocated_storage is unset: storage is sized for the "
                      "peak up front, or the database stops when it fills")


def no_password_in_state(inp: AuditInput) -> Iterator[Hit]:
    for db in inp.plan.of("aws_db_instance", "aws_rds_cluster"):
        attr = "password" if db.type == "aws_db_instance" else "master_password"
        if db.get("manage_master_user_password") is True:
            continue
        value = db.get(attr)
        if value is UNKNOWN or (isinstance(value, str) and value) or db.written(attr):
            yield Hit(db.address, f"{attr} is passed to the database (literal, variable or "
                      "generated): it is stored in the Terraform state in plain text")


def minor_pinned(version: str, engine: str) -> bool:
    parts = version.split(".")
    if engine in ("postgres", "aurora-postgresql"):
        if not parts[0].isdigit():
            return False
        return len(parts) >= (2 if int(parts[0]) >= 10 else 3)
    if engine in ("mysql", "mariadb", "aurora-mysql"):
        return len(parts) >= 3
    return False


def major_version_only(inp: AuditInput) -> Iterator[Hit]:
    for db in inp.plan.of("aws_db_instance"):
        version, engine = db.get("engine_version"), db.get("engine")
        if not isinstance(version, str) or not isinstance(engine, str):
            continue
        if minor_pinned(version, engine) and \
                db.effective("auto_minor_version_upgrade", True) is True:
            yield Hit(db.address, f"engine_version {version} pins a minor version while "
                      "auto minor upgrades are on: after AWS upgrades it, every plan wants "
                      "to downgrade")


def deletion_safety(inp: AuditInput) -> Iterator[Hit]:
    dbs = list(primaries(inp.plan)) + inp.plan.of("aws_rds_cluster")
    for db in dbs:
        problems = []
        if db.get("skip_final_snapshot") is True:
            problems.append("skip_final_snapshot = true")
        if db.get("deletion_protection") in (False, None):
            problems.append("deletion protection off")
        if problems:
            yield Hit(db.address, f"{' and '.join(problems)}: one destroy loses the data")


RULES = (
    Rule(
        id="FM-2.2", title="Database public access left to the default", severity="high",
        types=("aws_db_instance", "aws_rds_cluster_instance"),
        failure="`publicly_accessible` not written out: a changed default or variable gives "
                "the database a public address",
        fix="write `publicly_accessible = false` and keep the database in private subnets",
        check=not_public,
    ),
    Rule(
        id="FM-3.1", title="Single-AZ database", severity="high",
        types=("aws_db_instance",),
        failure="the database runs in one AZ: an AZ or host failure is an outage",
        fix="`multi_az = true` (production)",
        check=multi_az,
    ),
    Rule(
        id="FM-4.4", title="Database backups short or not covered", severity="high",
        types=("aws_db_instance", "aws_backup_selection"),
        failure="backups kept too briefly, or no backup plan: nobody knows whether a restore "
                "works",
        fix=f"backup_retention_period >= {MIN_BACKUP_DAYS}, an AWS Backup plan whose "
            "selection covers the database, and `prodstack backup verify` (restore, check, "
            "time, tear down)",
        check=backups,
    ),
    Rule(
        id="FM-5.3", title="No storage autoscaling", severity="low",
        types=("aws_db_instance",),
        failure="storage sized for the peak up front (cost) or a full disk (outage)",
        fix="a profile-sized allocated_storage with `max_allocated_storage` above it",
        check=storage_autoscaling,
    ),
    Rule(
        id="FM-X1", title="Database password in Terraform state", severity="critical",
        types=("aws_db_instance", "aws_rds_cluster"),
        failure="a literal, variable or random_password master password ends up in plain text"
                " in the state",
        fix="`manage_master_user_password = true` (RDS keeps it in Secrets Manager)",
        check=no_password_in_state,
    ),
    Rule(
        id="FM-X4", title="Minor engine version pinned", severity="medium",
        types=("aws_db_instance",),
        failure="a minor version pinned while auto minor upgrade is on: drift and downgrade "
                "plans after each maintenance window",
        fix="pin the major version only (e.g. engine_version = \"16\")",
        check=major_version_only,
    ),
    Rule(
        id="FM-X5", title="Database without final snapshot or deletion protection",
        severity="high",
        types=("aws_db_instance", "aws_rds_cluster"),
        failure="a destroy or a replacement deletes the database with no snapshot",
        fix="`deletion_protection = true` and a final snapshot (skip_final_snapshot = false "
            "with final_snapshot_identifier)",
        check=deletion_safety,
    ),
)

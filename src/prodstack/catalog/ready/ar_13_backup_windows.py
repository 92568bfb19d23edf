"""AR-13: a database or cache whose backup (snapshot) window overlaps its maintenance window:
the provider accepts both strings, AWS refuses the pair at create or modify time."""

from __future__ import annotations

import re
from collections.abc import Iterator

from prodstack.catalog.model import AuditInput, Cases, Entry, Hit, Made, Rule, Unseen
from prodstack.catalog.plan_fixtures import GOOD_DB
from prodstack.catalog.planbuilder import PlanBuilder
from prodstack.catalog.unseen import unknown_value
from prodstack.tf.plan import Resource, Unknown

# type -> (daily window attribute, weekly window attribute, what AWS calls the daily one)
WINDOWS = {
    "aws_db_instance": ("backup_window", "maintenance_window", "backup"),
    "aws_rds_cluster": ("preferred_backup_window", "preferred_maintenance_window", "backup"),
    "aws_docdb_cluster": ("preferred_backup_window", "preferred_maintenance_window", "backup"),
    "aws_neptune_cluster": ("preferred_backup_window", "preferred_maintenance_window",
                            "backup"),
    "aws_elasticache_replication_group": ("snapshot_window", "maintenance_window", "snapshot"),
    "aws_elasticache_cluster": ("snapshot_window", "maintenance_window", "snapshot"),
}
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEK = 7 * 1440
_DAILY = re.compile(r"^(\d\d):(\d\d)-(\d\d):(\d\d)$")
_WEEKLY = re.compile(r"^([a-z]{3}):(\d\d):(\d\d)-([a-z]{3}):(\d\d):(\d\d)$")


def _spans(start: int, end: int, period: int) -> list[tuple[int, int]]:
    """[start, end) on a circle of `period` minutes, as one or two plain intervals."""
    start, end = start % period, end % period
    return [(start, end)] if start < end else [(start, period), (0, end)]


def overlap(daily: str, weekly: str) -> bool | None:
    """Do a daily `hh:mm-hh:mm` window and a weekly `ddd:hh:mm-ddd:hh:mm` one meet (UTC)?"""
    d, w = _DAILY.match(daily.strip()), _WEEKLY.match(weekly.strip().lower())
    if not d or not w or w.group(1) not in DAYS or w.group(4) not in DAYS:
        return None
    b0 = int(d.group(1)) * 60 + int(d.group(2))
    b1 = int(d.group(3)) * 60 + int(d.group(4))
    m0 = DAYS.index(w.group(1)) * 1440 + int(w.group(2)) * 60 + int(w.group(3))
    m1 = DAYS.index(w.group(4)) * 1440 + int(w.group(5)) * 60 + int(w.group(6))
    maintenance = _spans(m0, m1, WEEK)
    for day in range(7):
        for s0, s1 in _spans(day * 1440 + b0, day * 1440 + b1, WEEK):
            if any(s0 < e1 and e0 < s1 for e0, e1 in maintenance):
                return True
    return False


def rule(inp: AuditInput) -> Iterator[Hit | Unseen]:
    plan = inp.plan
    for res in plan.of(*WINDOWS):
        daily_attr, weekly_attr, kind = WINDOWS[res.type]
        daily, weekly = res.get(daily_attr), res.get(weekly_attr)
        if not (_written(res, daily_attr) and _written(res, weekly_attr)):
            continue  # AWS picks the other one so that they do not meet
        for attr, value in ((daily_attr, daily), (weekly_attr, weekly)):
            if isinstance(value, Unknown):
                yield unknown_value(plan, res, f"its {kind} window and maintenance window "
                                    "stay apart", attr)
        if isinstance(daily, str) and isinstance(weekly, str) and overlap(daily, weekly):
            yield Hit(res.address, f"{daily_attr} {daily} overlaps {weekly_attr} {weekly} "
                      f"(UTC): AWS answers InvalidParameterValue (\"The {kind} window and "
                      "maintenance window must not overlap.\")")


def _written(res: Resource, attr: str) -> bool:
    return not res.has_config or res.written(attr)


cases = Cases()


def _db(backup: str | None, maintenance: str | None, type_: str = "aws_db_instance",
        address: str = "module.db.aws_db_instance.this[0]") -> PlanBuilder:
    """A database module whose windows come from the root's inputs, as terraform-aws-modules
    /rds passes them."""
    daily, weekly, _ = WINDOWS[type_]
    values = {**(GOOD_DB if type_ == "aws_db_instance" else {}), daily: backup,
              weekly: maintenance}
    unset = tuple(a for a, v in ((daily, backup), (weekly, maintenance)) if v is None)
    b = PlanBuilder().add(address, values, unset=unset,
                          unknown={"arn": True, **{a: True for a in unset}})
    return b.module("module.db")


@cases.fires("module.db.aws_db_instance.this[0]")
def backup_window_inside_the_maintenance_window() -> Made:
    """ministryofjustice/cloud-platform-environments#5243: the module's defaults overlapped."""
    return _db("03:00-04:00", "sun:03:30-sun:04:30"), None


@cases.fires("module.db.aws_rds_cluster.this[0]")
def aurora_backup_window_across_midnight_into_monday_maintenance() -> Made:
    return _db("23:30-00:30", "mon:00:00-mon:01:00", "aws_rds_cluster",
               "module.db.aws_rds_cluster.this[0]"), None


@cases.passes
def windows_an_hour_apart() -> Made:
    """NHSDigital/manage-vaccinations-in-schools#3519: an hour between them."""
    return _db("02:00-02:30", "sun:03:30-sun:04:00"), None


@cases.passes
def only_one_window_written() -> Made:
    return _db("03:00-04:00", None), None


ENTRY = Entry(
    id="AR-13", title="Backup window overlaps the maintenance window", severity="high",
    failure="CreateDBInstance, ModifyDBInstance (and the cluster and ElastiCache calls) fail "
            "with InvalidParameterValue \"The backup window and maintenance window must not "
            "overlap\": the provider checks each window's format, not whether the daily "
            "backup (snapshot) window meets the weekly maintenance window",
    fix="write both windows, at least 30 minutes apart in UTC (e.g. backup 02:00-03:00, "
        "maintenance sun:04:00-sun:05:00)",
    aws_docs="https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/"
             "USER_WorkingWithAutomatedBackups.BackupWindow.html",
    rule=Rule(types=tuple(WINDOWS), check=rule, cases=cases.plan),
)

"""AWS Backup restore testing: priced per restore job, plus the instance each test restores.

AWS bills restore testing per restore job (AWS Backup pricing, "Restore testing"), and the
restored resource for as long as it exists: the restore itself (assumption
`restore_test_hours`) and the selection's `validation_window_hours`, after which AWS Backup
deletes it. A selection makes one restore job per protected resource each time its plan runs,
so a selection is priced as runs per month (from its plan's schedule) × protected resources ×
(the job + the restored instance's hours, single-AZ, and its storage for those hours). The
plan itself costs nothing (`estimate._THROUGH`).

`runs_per_month` reads the schedules prodstack and most users write: AWS cron expressions
(`cron(minutes hours day-of-month month day-of-week year)`) with fixed minutes and hours and
either days of the week or days of the month, and `rate(N unit)`. Anything else leaves the
item unpriced, with the schedule named.
"""

from __future__ import annotations

import re

from prodstack.ops.cost.estimate import Context, Item, Parts, make_item, num, prices, rate, unpriced
from prodstack.tf.plan import Resource

WEEKS_PER_MONTH = 365 / 7 / 12
DAYS_PER_MONTH = 365 / 12
_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\((.+)\)$")


def _count(field: str, low: int, high: int, names: tuple[str, ...] = ()) -> int | None:
    """How many values a cron field names: `5`, `1,15`, `MON-FRI`, `*`; None otherwise."""
    if field == "*":
        return high - low + 1
    total = 0
    for part in field.split(","):
        bounds = part.split("-")
        if len(bounds) > 2:
            return None
        values = [_cron_value(b, names) for b in bounds]
        if any(v is None for v in values):
            return None
        first, last = values[0], values[-1]
        assert first is not None and last is not None
        if not low <= first <= last <= high:
            return None
        total += last - first + 1
    return total


def _cron_value(text: str, names: tuple[str, ...]) -> int | None:
    if text.isdigit():
        return int(text)
    upper = text.upper()
    return names.index(upper) + 1 if upper in names else None


def runs_per_month(expression: str) -> float | None:
    """Average runs per month of an AWS Backup schedule expression, or None."""
    text = expression.strip()
    if match := _RATE.match(text):
        every, unit = int(match.group(1)), match.group(2).rstrip("s")
        hours = {"minute": every / 60, "hour": every, "day": every * 24}[unit]
        return 365 * 24 / 12 / hours if hours else None
    match = _CRON.match(text)
    fields = match.group(1).split() if match else []
    if len(fields) != 6:
        return None
    minutes, hours, day_of_month, month, day_of_week, _year = fields
    per_day = [_count(minutes, 0, 59), _count(hours, 0, 23)]
    months = _count(month, 1, 12)
    if None in per_day or months is None:
        return None
    times = per_day[0] * per_day[1]  # type: ignore[operator]
    if day_of_month == "?" and (days := _count(day_of_week, 1, 7, _DAYS)) is not None:
        return times * days * WEEKS_PER_MONTH * months / 12
    if day_of_week == "?" and day_of_month == "*":
        return times * DAYS_PER_MONTH * months / 12
    if day_of_week == "?" and (days := _count(day_of_month, 1, 31)) is not None:
        return times * days * months / 12
    return None


@prices("aws_backup_restore_testing_selection")
def restore_testing_selection(res: Resource, ctx: Context) -> Item:
    plans = ctx.plan.referenced(res, "restore_testing_plan_name") or [
        p for p in ctx.plan.of("aws_backup_restore_testing_plan")
        if p.value("name") == res.value("restore_testing_plan_name")]
    if not plans:
        return unpriced(res, "its restore testing plan is not in this plan")
    schedule = str(plans[0].value("schedule_expression", ""))
    runs = runs_per_month(schedule)
    if runs is None:
        return unpriced(res, f"schedule {schedule or '(unknown)'} not understood")
    if res.value("protected_resource_type") != "RDS":
        return unpriced(res, f"restore tests of {res.value('protected_resource_type')} are not "
                             "in the price model")
    dbs = ctx.plan.referenced(res, "protected_resource_arns")
    if not dbs and res.value("protected_resource_arns") == ["*"]:
        dbs = [db for db in ctx.plan.of("aws_db_instance") if not db.value("replicate_source_db")]
    dbs = [db for db in dbs if db.type == "aws_db_instance"]
    if not dbs:
        return unpriced(res, "its protected databases are not in this plan")
    p, a = ctx.prices, ctx.assume
    hours = a["restore_test_hours"] + float(res.value("validation_window_hours", 0) or 0)
    job = p["backup_restore_test_job"]
    parts: Parts = []
    status = "priced"
    for db in dbs:
        db_class, engine = str(db.value("instance_class")), str(db.value("engine"))
        hourly = p.rds_hour(engine, db_class)
        storage = p.table("rds_storage_gb_month", str(db.value("storage_type", "gp2")))
        size = float(db.value("allocated_storage", 0))
        if hourly is None or storage is None:
            status = "partial"
            parts.append((f"{db.address}: restored {db_class} {engine} unpriced (no price in "
                          "the table)", None))
        each = job + hours * (hourly or 0) + size * (storage or 0) * hours / ctx.hours
        parts.append((f"{db.address}: {num(round(runs, 2))} tests/month × ({rate(job)} per "
                      f"restore job + {num(hours)} h of {db_class} single-AZ × "
                      f"{rate(hourly or 0)} + {num(size)} GB for {num(hours)} h)", runs * each))
    parts.append((f"schedule {schedule}; {num(a['restore_test_hours'])} h to restore "
                  f"(assumption restore_test_hours) + the validation window", None))
    return make_item(res, parts, status)

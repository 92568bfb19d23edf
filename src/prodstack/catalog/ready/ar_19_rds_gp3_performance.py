"""AR-19: an RDS instance on gp3 storage whose IOPS or throughput AWS refuses for its size:
below the engine's threshold none may be written (even the baseline), at or above it they
may not be below the striped baseline. The provider checks neither."""

from __future__ import annotations

from collections.abc import Iterator

from prodstack.catalog.model import AuditInput, Cases, Entry, Hit, Made, Rule, Unseen
from prodstack.catalog.plan_fixtures import GOOD_DB
from prodstack.catalog.planbuilder import PlanBuilder
from prodstack.catalog.resolve import resolver
from prodstack.tf.plan import Unknown
from prodstack.tf.resource import why_unknown

# engine prefix -> the allocated storage (GiB) from which RDS stripes gp3 over four volumes:
# below it the baseline (3,000 IOPS, 125 MiB/s) is all there is; from it on the baseline is
# 12,000 IOPS and 500 MiB/s and more may be provisioned. SQL Server has no threshold.
THRESHOLDS = {"postgres": 400, "mysql": 400, "mariadb": 400, "db2": 400, "oracle": 200}
STRIPED = {"iops": 12000, "storage_throughput": 500}


def threshold(engine: str) -> int | None:
    return next((t for prefix, t in THRESHOLDS.items() if engine.startswith(prefix)), None)


def rule(inp: AuditInput) -> Iterator[Hit | Unseen]:
    plan = inp.plan
    for db in plan.of("aws_db_instance"):
        values = {a: db.get(a) for a in ("storage_type", "engine", "allocated_storage")}
        performance = {a: db.get(a) if not db.has_config or db.written(a) else None
                       for a in STRIPED}
        if values["storage_type"] != "gp3" and not isinstance(values["storage_type"], Unknown):
            continue
        if not any(v not in (None, 0) for v in performance.values()):
            continue  # nothing written: AWS applies the baseline
        unknown = {a: v for a, v in {**values, **performance}.items() if isinstance(v, Unknown)}
        if unknown:
            why = [w for a in unknown for w in why_unknown(resolver(plan).value(db, a))]
            yield Unseen(db.address, "cannot tell whether AWS accepts its gp3 IOPS and "
                         f"throughput: {', '.join(unknown)} depend on "
                         f"{'; '.join(dict.fromkeys(why))}")
            continue
        engine, size = str(values["engine"]), values["allocated_storage"]
        least = threshold(engine)
        if least is None or not isinstance(size, int | float):
            continue
        given = {a: v for a, v in performance.items() if v not in (None, 0)}
        if size < least:
            yield Hit(db.address, f"{' and '.join(f'{a} = {v}' for a, v in given.items())} "
                      f"on {size} GiB of gp3: below {least} GiB RDS gives {engine} the "
                      "baseline only, and CreateDBInstance fails with "
                      "InvalidParameterCombination (\"You can't specify IOPS or storage "
                      f"throughput for engine {engine} and a storage size less than {least}.\")")
            continue
        low = {a: v for a, v in given.items() if v < STRIPED[a]}
        if low:
            yield Hit(db.address, f"{' and '.join(f'{a} = {v}' for a, v in low.items())} on "
                      f"{size} GiB of gp3: from {least} GiB the baseline is "
                      f"{STRIPED['iops']} IOPS and {STRIPED['storage_throughput']} MiB/s, and "
                      "AWS refuses less (InvalidParameterCombination)")


cases = Cases()


def _db(size: int, iops: int | None = None, throughput: int | None = None,
        engine: str = "postgres") -> PlanBuilder:
    """A database module given its storage by the root's variables."""
    values = {**GOOD_DB, "engine": engine, "storage_type": "gp3", "allocated_storage": size,
              "iops": iops, "storage_throughput": throughput}
    unset = tuple(a for a in ("iops", "storage_throughput") if values[a] is None)
    b = PlanBuilder().add("module.db.aws_db_instance.this[0]", values, unset=unset,
                          unknown={"arn": True, **{a: True for a in unset}})
    return b.module("module.db")


@cases.fires("module.db.aws_db_instance.this[0]")
def baseline_iops_written_on_20_gib() -> Made:
    """hashicorp/terraform-provider-aws#28271: iops = 3000 on 20 GiB of gp3."""
    return _db(20, iops=3000, engine="mariadb"), None


@cases.fires("module.db.aws_db_instance.this[0]")
def throughput_written_on_100_gib() -> Made:
    return _db(100, throughput=125), None


@cases.fires("module.db.aws_db_instance.this[0]")
def iops_below_the_striped_baseline() -> Made:
    """braintrustdata/terraform-aws-braintrust-data-plane#126: 3,000 IOPS on 500 GiB."""
    return _db(500, iops=3000, throughput=500), None


@cases.passes
def gp3_left_to_its_baseline() -> Made:
    return _db(100), None


@cases.passes
def provisioned_above_the_threshold() -> Made:
    return _db(400, iops=12000, throughput=500), None


@cases.passes
def sql_server_provisions_at_any_size() -> Made:
    return _db(20, iops=4000, engine="sqlserver-se"), None


@cases.cannot_see("module.db.aws_db_instance.this[0]")
def storage_size_known_after_apply() -> Made:
    b = _db(20, iops=3000)
    b.changes[0]["change"]["after_unknown"]["allocated_storage"] = True
    return b, None


ENTRY = Entry(
    id="AR-19", title="gp3 IOPS or throughput the database size does not allow",
    severity="high",
    failure="CreateDBInstance (ModifyDBInstance) fails with InvalidParameterCombination: on "
            "gp3 below 400 GiB (200 GiB for Oracle) RDS gives the baseline, 3,000 IOPS and "
            "125 MiB/s, and refuses any iops or storage_throughput, even those; from the "
            "threshold the baseline is 12,000 IOPS and 500 MiB/s and less is refused",
    fix="leave iops and storage_throughput unset below the threshold; from it, write at "
        "least 12,000 IOPS and 500 MiB/s (or leave both unset)",
    aws_docs="https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/"
             "CHAP_Storage.html#gp3-storage",
    rule=Rule(types=("aws_db_instance",), check=rule, cases=cases.plan),
)

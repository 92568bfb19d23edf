"""FM-4.1: no alarms on the metrics that show an outage (unhealthy hosts, 5xx, database CPU
and storage): users find the failure first."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prodstack.catalog.contract import Result, VerifyContext
from prodstack.catalog.live_queries import alarms
from prodstack.catalog.model import AuditInput, Cases, Entry, Hit, LiveCheck, Made, Rule, Unseen
from prodstack.catalog.plan_fixtures import monitored
from prodstack.catalog.plan_queries import (
    ALARMS,
    LB_TYPES,
    application_lbs,
    key_type,
    primaries,
)
from prodstack.catalog.policy_match import tri_and, tri_or
from prodstack.catalog.world import World
from prodstack.tf.plan import UNKNOWN, Plan, Resource

ALB_METRICS = (
    ("unhealthy hosts", "AWS/ApplicationELB", ("UnHealthyHostCount",)),
    ("5xx responses", "AWS/ApplicationELB", ("HTTPCode_ELB_5XX_Count",
                                             "HTTPCode_Target_5XX_Count")),
)


RDS_METRICS = (
    ("CPU", "AWS/RDS", ("CPUUtilization",)),
    ("free storage", "AWS/RDS", ("FreeStorageSpace",)),
)


def _metrics(alarm: Resource) -> list[tuple[Any, Any]]:
    """(namespace, metric name) pairs an alarm watches, UNKNOWN where the plan cannot tell."""
    pairs = []
    if alarm.get("metric_name") is not None:
        pairs.append((alarm.get("namespace"), alarm.get("metric_name")))
    queries = alarm.get("metric_query")
    if queries is UNKNOWN:
        pairs.append((UNKNOWN, UNKNOWN))
    for query in queries if isinstance(queries, list) else []:
        for metric in (query.get("metric") or []) if isinstance(query, dict) else []:
            if isinstance(metric, dict):
                pairs.append((metric.get("namespace"), metric.get("metric_name")))
    return pairs


def _watches(alarm: Resource, namespace: str, names: tuple[str, ...]) -> bool | None:
    """Does the alarm watch one of `names`? None when a metric only known after apply
    decides it."""
    return tri_or(*(tri_and(None if ns is UNKNOWN else ns == namespace,
                            None if m is UNKNOWN else m in names)
                    for ns, m in _metrics(alarm)))


def _literals(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return {v for v in value.values() if isinstance(v, str)}
    return set()


def _covers(plan: Plan, alarm: Resource, res: Resource, family: list[Resource]) -> bool:
    """The alarm watches `res`: it refers to it, names it, or names no other resource of the
    same kind (dimensions the plan cannot resolve get the benefit of the doubt)."""
    refs = plan.refs(alarm)
    dims = _literals(alarm.get("dimensions"))
    if res.config_key in refs or res.identities() & dims:
        return True
    types = {r.type for r in family}
    if any(key_type(k) in types for k in refs):
        return False
    return not any(other.identities() & dims for other in family)


def rule(inp: AuditInput) -> Iterator[Hit | Unseen]:
    plan = inp.plan
    alarms = plan.of(*ALARMS)
    albs = application_lbs(plan)
    dbs = list(primaries(plan))
    for family, wanted in ((albs, ALB_METRICS), (dbs, RDS_METRICS)):
        for res in family:
            watched = {what: tri_or(*(tri_and(_watches(a, namespace, names),
                                              _covers(plan, a, res, family)) for a in alarms))
                       for what, namespace, names in wanted}
            missing = [what for what, verdict in watched.items() if verdict is False]
            undecided = [what for what, verdict in watched.items() if verdict is None]
            if undecided:
                yield Unseen(res.address, f"cannot tell whether an alarm watches its "
                             f"{', '.join(undecided)}: an alarm's metric is only known after "
                             "apply")
            if missing:
                yield Hit(res.address, f"no alarm on {', '.join(missing)}: the failure is "
                          "found by users, not by the team")


REQUIRED_METRICS = ("UnHealthyHostCount", "HTTPCode_ELB_5XX_Count", "TargetResponseTime",
                    "FreeStorageSpace", "DatabaseConnections", "CPUUtilization")


def live(ctx: VerifyContext) -> Result:
    """The stack's alarms exist and cover the critical metrics, and the CPU of every
    colour's ASG is watched (the live colour changes with each deploy)."""
    found, deleted = alarms(ctx)
    metrics = {a.get("MetricName") for a in found}
    missing = [m for m in REQUIRED_METRICS if m not in metrics]
    watched = {d["Value"] for a in found if a.get("MetricName") == "CPUUtilization"
               and a.get("Namespace") == "AWS/EC2" for d in a.get("Dimensions", [])
               if d.get("Name") == "AutoScalingGroupName"}
    unwatched = sorted(c for c, name in (ctx.outputs.get("asg_names") or {}).items()
                       if name not in watched)
    problems = ([f"deleted: {', '.join(deleted)}"] if deleted else []) + (
        [f"no alarm on {', '.join(missing)}"] if missing else []) + (
        [f"no CPU alarm on the {', '.join(unwatched)} ASG"] if unwatched else [])
    return Result.expect(not problems, f"{len(found)} alarms cover the critical metrics and "
                         "every colour's CPU", "; ".join(problems))


cases = Cases()


@cases.fires("aws_db_instance.main", "aws_lb.web")
def missing_critical_alarms() -> Made:
    return monitored(alarms=("cpu",)), None


@cases.passes
def critical_alarms_present() -> Made:
    return monitored(), None


@cases.live("pass")
def full_alarm_set(world: World) -> dict[str, Any]:
    return world.network().web_tier().alarms().outputs


@cases.live("fail")
def storage_alarm_missing(world: World) -> dict[str, Any]:
    return world.alarms(metrics=(("AWS/ApplicationELB", "UnHealthyHostCount"),)).outputs


@cases.live("fail")
def cpu_watched_on_blue_only(world: World) -> dict[str, Any]:
    return world.network().web_tier().alarms(cpu_of=("blue",)).outputs


@cases.live("fail")
def alarm_deleted(world: World) -> dict[str, Any]:
    world.alarms()
    world.client("cloudwatch").delete_alarms(AlarmNames=world.outputs["alarm_names"][:1])
    return world.outputs


ENTRY = Entry(
    id="FM-4.1", title="No alarms on critical metrics", severity="high",
    failure="no alarms on unhealthy hosts, 5xx, database CPU or storage: outages are "
            "reported by users",
    fix="CloudWatch alarms on ALB UnHealthyHostCount and 5xx, RDS CPUUtilization and "
        "FreeStorageSpace (and each ASG's CPU, response time, DB connections)",
    rule=Rule(types=(*ALARMS, *LB_TYPES, "aws_db_instance"), check=rule, cases=cases.plan),
    live=LiveCheck(live, cases=cases.lives),
)

"""Plan queries that more than one rule uses: load balancers, databases, scaling policies,
backends, and the type of a configuration key."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prodstack.catalog.model import AuditInput
from prodstack.catalog.resolve import resolver
from prodstack.tf.folder import Backend
from prodstack.tf.plan import UNKNOWN, Plan, Resource, Unknown

LB_TYPES = ("aws_lb", "aws_alb")
LISTENER_TYPES = ("aws_lb_listener", "aws_alb_listener")
TG_TYPES = ("aws_lb_target_group", "aws_alb_target_group")
ALARMS = ("aws_cloudwatch_metric_alarm",)
ALL_ALARMS = (*ALARMS, "aws_cloudwatch_composite_alarm")
NAT = "aws_nat_gateway"


def key_type(config_key: str) -> str:
    """`module.a.aws_lb.web` -> `aws_lb`."""
    parts = config_key.split(".")
    return parts[-2] if len(parts) >= 2 else ""


def dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def is_replica(db: Resource) -> bool:
    source = db.get("replicate_source_db")
    return source is UNKNOWN or (isinstance(source, str) and bool(source))


def is_aurora(db: Resource) -> bool:
    engine = db.get("engine")
    return isinstance(engine, str) and engine.startswith("aurora")


def primaries(plan: Plan) -> Iterator[Resource]:
    """Stand-alone database instances (not read replicas, not Aurora cluster members)."""
    for db in plan.of("aws_db_instance"):
        if not is_replica(db) and not is_aurora(db):
            yield db


def application_lbs(plan: Plan) -> list[Resource]:
    return [lb for lb in plan.of(*LB_TYPES)
            if lb.get("load_balancer_type") in ("application", None)]


def internal(plan: Plan, lb: Resource) -> Any:
    """`internal` as the load balancer gets it: written, resolved through variables and
    module inputs (catalog/resolve.py), or the provider's default, false, when unset or null;
    `Unresolved` when the plan and the configuration cannot tell."""
    value = lb.effective("internal", False)
    if value is UNKNOWN:
        value = resolver(plan).value(lb, "internal")
    return False if value is None else value


def internet_facing_albs(plan: Plan) -> Iterator[Resource]:
    """ALBs that are not internal (`internal` unset, or null through a variable, is the
    provider's default: internet-facing); those whose `internal` cannot be told are
    `undecided_albs`."""
    for lb in application_lbs(plan):
        if internal(plan, lb) is False:
            yield lb


def undecided_albs(plan: Plan) -> Iterator[tuple[Resource, Unknown]]:
    for lb in application_lbs(plan):
        value = internal(plan, lb)
        if isinstance(value, Unknown):
            yield lb, value


def policies(plan: Plan, asg: Resource) -> list[Resource]:
    return plan.referrers(asg, "aws_autoscaling_policy", "autoscaling_group_name")


def s3_backends(inp: AuditInput) -> Iterator[tuple[Backend, dict[str, Any]]]:
    """Each s3 backend block with the `-backend-config` files' settings merged in."""
    if inp.config is None:
        return
    for backend in inp.config.backends:
        if backend.kind == "s3":
            yield backend, {**inp.config.backend_config, **backend.settings}


def is_set(value: Any) -> bool:
    return value not in (None, "", False)


def object_lock_enabled(plan: Plan, bucket: Resource) -> bool | None:
    """Object Lock on the bucket (inline, or by a lock configuration resource); None when a
    value only known after apply decides it."""
    inline = bucket.effective("object_lock_enabled", False)
    if inline is True or bucket.get("object_lock_configuration",
                                    "object_lock_enabled") == "Enabled":
        return True
    if plan.referrers(bucket, "aws_s3_bucket_object_lock_configuration", "bucket"):
        return True
    return None if inline is UNKNOWN else False

"""Instance-hour pricing: EC2 (auto scaling groups, instances), EBS volumes, RDS, AWS Backup.

An ASG runs `desired_capacity` instances when the plan sets it, else `min_size` (prodstack
never sets desired capacity; the idle blue/green colour has min 0 and costs nothing). Its
instance type, volumes and monitoring come from the launch template it refers to. RDS is
priced by class (Multi-AZ = 2 ×), storage (Multi-AZ = 2 ×), backups beyond the free allowance
(the allocated storage), and the managed master password secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from prodstack.ops.cost.estimate import (
    COMPUTE_SP,
    RDS_RESERVED,
    Context,
    Item,
    Parts,
    make_item,
    num,
    prices,
    rate,
    unpriced,
    usd,
)
from prodstack.tf.plan import Resource


@dataclass
class _Machine:
    instance_type: str | None
    volumes: list[tuple[float, str]]
    detailed: bool
    public_ip: bool
    source: str


def _volume_list(blocks: list[dict[str, Any]], root_default: float) -> list[tuple[float, str]]:
    volumes: list[tuple[float, str]] = []
    for block in blocks:
        size, vtype = block.get("volume_size"), block.get("volume_type") or "gp3"
        volumes.append((float(size) if size else root_default, str(vtype)))
    return volumes or [(root_default, "gp3")]


def _from_template(lt: Resource, root_default: float) -> _Machine:
    blocks = [ebs for bdm in lt.value("block_device_mappings", []) for ebs in bdm.get("ebs") or []]
    nics = lt.value("network_interfaces", [])
    return _Machine(instance_type=lt.value("instance_type"),
                    volumes=_volume_list(blocks, root_default),
                    detailed=bool(lt.block("monitoring").get("enabled")),
                    public_ip=any(str(n.get("associate_public_ip_address")).lower() == "true"
                                  for n in nics),
                    source=lt.address)


def _asg_machine(asg: Resource, ctx: Context) -> _Machine | None:
    root = ctx.assume["root_volume_gb"]
    mixed = (asg.block("mixed_instances_policy").get("launch_template") or [{}])[0]
    override = [o["instance_type"] for o in mixed.get("override") or [] if o.get("instance_type")]
    refs = [r for attr in ("launch_template", "mixed_instances_policy", "launch_configuration")
            for r in ctx.plan.referenced(asg, attr)]
    templates = [r for r in refs if r.type in ("aws_launch_template", "aws_launch_configuration")]
    if not templates:
        all_lts = ctx.plan.of("aws_launch_template")
        templates = all_lts if len(all_lts) == 1 else []
    if not templates:
        return _Machine(override[0], [(root, "gp3")], False, False, "mixed instances policy") \
            if override else None
    lt = templates[0]
    if lt.type == "aws_launch_configuration":
        blocks = [lt.block("root_block_device"), *lt.value("ebs_block_device", [])]
        machine = _Machine(lt.value("instance_type"), _volume_list([b for b in blocks if b], root),
                           bool(lt.value("enable_monitoring", True)),
                           bool(lt.value("associate_public_ip_address")), lt.address)
    else:
        machine = _from_template(lt, root)
    if override:
        machine.instance_type, machine.source = override[0], f"{lt.address}, first override"
    return machine


def _machine_parts(machine: _Machine, count: int, hourly: float, ctx: Context) -> Parts:
    p, a, hours = ctx.prices, ctx.assume, ctx.hours
    parts: Parts = [(f"{count} × {machine.instance_type} × {num(hours)} h × {rate(hourly)}",
                     count * hours * hourly)]
    for size, vtype in machine.volumes:
        gb_price = p.table("ebs_gb_month", vtype)
        if gb_price is None:
            parts.append((f"EBS {vtype} unpriced (no price in the table)", None))
        else:
            parts.append((f"EBS {count} × {num(size)} GB {vtype} × {rate(gb_price)}",
                          count * size * gb_price))
    if machine.detailed:
        metrics = a["detailed_monitoring_metrics"]
        parts.append((f"detailed monitoring {count} × {num(metrics)} metrics × "
                      f"{rate(p['cloudwatch_metric_month'])}",
                      count * metrics * p["cloudwatch_metric_month"]))
    if machine.public_ip:
        parts.append((f"public IPv4 {count} × {num(hours)} h × {rate(p['public_ipv4_hour'])}",
                      count * hours * p["public_ipv4_hour"]))
    return parts


def _machine_item(res: Resource, machine: _Machine | None, count: int, how: str,
                  ctx: Context, at_max: int | None = None) -> Item:
    if machine is None or not machine.instance_type:
        return unpriced(res, "instance type not known from the plan")
    hourly = ctx.prices.table("ec2_instance_hour", machine.instance_type)
    if hourly is None:
        return unpriced(res, f"no price for {machine.instance_type} in {ctx.prices.region} "
                              "(add it with --prices)")
    parts = _machine_parts(machine, count, hourly, ctx)
    compute = count * ctx.hours * hourly
    parts[0] = (f"{parts[0][0]} ({how}; type from {machine.source})", compute)
    if at_max and at_max > count:
        top = sum(c for _, c in _machine_parts(machine, at_max, hourly, ctx) if c is not None)
        parts.append((f"up to {usd(top)} at max_size {at_max}", None))
    return make_item(res, parts, eligible={COMPUTE_SP: compute})


@prices("aws_autoscaling_group")
def autoscaling_group(res: Resource, ctx: Context) -> Item:
    desired, low, high = (res.value(k) for k in ("desired_capacity", "min_size", "max_size"))
    if desired is None and low is None:
        return unpriced(res, "neither desired_capacity nor min_size is known from the plan")
    count, how = (int(desired), "desired_capacity") if desired is not None else \
        (int(low), "min_size")
    if count == 0:
        return Item(res.address, res.type, 0.0,
                    f"{how} 0: no instances run (e.g. the idle colour of blue/green); "
                    f"scales up to {high} when used", "priced")
    return _machine_item(res, _asg_machine(res, ctx), count, how, ctx,
                         int(high) if high is not None else None)


@prices("aws_instance")
def instance(res: Resource, ctx: Context) -> Item:
    root = ctx.assume["root_volume_gb"]
    blocks = [res.block("root_block_device"), *res.value("ebs_block_device", [])]
    machine = _Machine(res.value("instance_type"), _volume_list([b for b in blocks if b], root),
                       bool(res.value("monitoring")),
                       bool(res.value("associate_public_ip_address")), "the instance")
    templates = ctx.plan.referenced(res, "launch_template")
    if templates and not machine.instance_type:
        machine = _from_template(templates[0], root)
    return _machine_item(res, machine, 1, "one instance", ctx)


@prices("aws_ebs_volume")
def ebs_volume(res: Resource, ctx: Context) -> Item:
    size, vtype = float(res.value("size", 0)), str(res.value("type", "gp3"))
    gb_price = ctx.prices.table("ebs_gb_month", vtype)
    if gb_price is None or not size:
        return unpriced(res, f"size or {vtype} price not known")
    return make_item(res, [(f"{num(size)} GB {vtype} × {rate(gb_price)}", size * gb_price)])


@prices("aws_db_instance")
def db_instance(res: Resource, ctx: Context) -> Item:
    p, a, hours = ctx.prices, ctx.assume, ctx.hours
    engine, db_class = res.value("engine"), res.value("instance_class")
    if not engine or not db_class or str(engine).startswith("aurora"):
        return unpriced(res, "engine or class not known, or Aurora (priced per cluster)")
    copies = 2 if res.value("multi_az") else 1
    layout = "Multi-AZ" if copies == 2 else "single-AZ"
    hourly = p.rds_hour(str(engine), str(db_class))
    status, parts = "priced", Parts()
    if hourly is None:
        status = "partial"
        parts.append((f"{db_class} {engine} instance hours unpriced (no price in the table)",
                      None))
    else:
        parts.append((f"{db_class} {engine} {layout}: {num(hours)} h × {rate(hourly)}"
                      + (" × 2" if copies == 2 else ""), hours * hourly * copies))
    size, stype = float(res.value("allocated_storage", 0)), str(res.value("storage_type", "gp2"))
    gb_price = p.table("rds_storage_gb_month", stype)
    if gb_price is None:
        status = "partial"
        parts.append((f"{stype} storage unpriced (no price in the table)", None))
    else:
        parts.append((f"{stype} {num(size)} GB × {rate(gb_price)}"
                      + (" × 2" if copies == 2 else ""), size * gb_price * copies))
    days = float(res.value("backup_retention_period", 1))
    if days and not res.value("replicate_source_db"):
        extra = size * a["db_change_percent_per_day"] / 100 * days
        parts.append((f"backups {num(days)} days × {num(a['db_change_percent_per_day'])}%/day "
                      f"of {num(size)} GB = {num(extra)} GB beyond the free allowance × "
                      f"{rate(p['rds_backup_gb_month'])}", extra * p["rds_backup_gb_month"]))
    if res.value("manage_master_user_password"):
        calls = a["secret_api_calls_per_month"]
        parts.append((f"managed master password secret {rate(p['secrets_manager_secret_month'])}"
                      f" + {num(calls)} calls", p["secrets_manager_secret_month"]
                      + calls / 10_000 * p["secrets_manager_10k_api_calls"]))
    if res.value("max_allocated_storage"):
        parts.append((f"storage autoscales up to {num(res.value('max_allocated_storage'))} GB",
                      None))
    eligible = {RDS_RESERVED: hours * hourly * copies} if hourly is not None else {}
    return make_item(res, parts, status, eligible)


@prices("aws_backup_plan")
def backup_plan(res: Resource, ctx: Context) -> Item:
    dbs = [db for db in ctx.plan.of("aws_db_instance") if not db.value("replicate_source_db")]
    size = sum(float(db.value("allocated_storage", 0)) for db in dbs)
    if not size:
        return Item(res.address, res.type, 0.0, "no database in this plan to back up", "priced")
    pct, gb_price = ctx.assume["db_change_percent_per_day"], ctx.prices["backup_storage_gb_month"]
    parts = Parts()
    for rule in res.value("rule", []):
        days = float((rule.get("lifecycle") or [{}])[0].get("delete_after") or 365)
        stored = size * (1 + pct / 100 * days)
        parts.append((f"rule {rule.get('rule_name')}: {num(size)} GB full + {num(pct)}%/day × "
                      f"{num(days)} days kept = {num(stored)} GB × {rate(gb_price)}",
                      stored * gb_price))
    parts.append(("assumes it covers every database in the plan, beyond the RDS free "
                  "allowance", None))
    return make_item(res, parts)



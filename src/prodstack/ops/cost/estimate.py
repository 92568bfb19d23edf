"""Monthly cost per resource: one small pricing function per resource type, over planned values.

Each function returns an `Item` whose `basis` spells out the arithmetic (quantities, unit
prices, assumptions). Types that AWS does not charge for, or that are charged through another
resource (a launch template through its ASG), are `free` with the reason; types outside the
model are `unpriced`. A value the plan does not know yet makes an item unpriced, never a crash.
`eligible` records the on-demand spend a 1-year commitment could cover (FM-5.2).

This module prices the network, edge, monitoring, audit, storage and key services; the
instance-hour services (EC2, EBS, RDS, AWS Backup) are priced in `compute`, which registers
its functions here when the package is imported.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from prodstack.ops.cost.assumptions import Assumptions
from prodstack.ops.cost.prices import PriceTable, RegionPrices
from prodstack.tf.plan import Plan, Resource

COMPUTE_SP = "compute_savings_plan_1yr_no_upfront"
RDS_RESERVED = "rds_reserved_1yr_no_upfront"
DEFAULT_REGION = "us-west-1"
_REGION_IN = re.compile(r"(?:com\.amazonaws\.)([a-z]{2}(?:-gov)?-[a-z]+-\d)")


@dataclass
class Item:
    address: str
    type: str
    monthly_usd: float
    basis: str
    status: str = "priced"  # priced | partial | free | unpriced
    eligible: dict[str, float] = field(default_factory=dict)


@dataclass
class Estimate:
    region: str
    region_basis: str
    items: list[Item]
    table: PriceTable
    assumptions: Assumptions

    @property
    def total(self) -> float:
        return round(sum(item.monthly_usd for item in self.items), 2)


@dataclass(frozen=True)
class Context:
    plan: Plan
    prices: RegionPrices
    assume: Assumptions
    log_sources: dict[str, tuple[str, float]]  # log group address -> (what writes, GB/month)

    @property
    def hours(self) -> float:
        return self.assume["hours_per_month"]


Pricer = Callable[[Resource, Context], Item]
PRICERS: dict[str, Pricer] = {}

# Types AWS does not bill, or bills through another resource that is priced.
_THROUGH = {
    "aws_launch_template": "priced through the auto scaling groups or instances that use it",
    "aws_launch_configuration": "priced through the auto scaling groups that use it",
    "aws_flow_log": "ingestion priced on the log group it writes to",
    "aws_wafv2_web_acl_logging_configuration": "ingestion priced on the log group it writes to",
    "aws_backup_vault": "storage priced on the backup plan",
    "aws_backup_restore_testing_plan": "priced on its restore testing selections",
    "aws_wafv2_rule_group": "billed as a rule of the web ACL that uses it",
    "aws_s3_object": "counted in its bucket's storage assumption",
}
_FREE_PREFIXES = ("aws_iam_", "aws_s3_bucket_", "aws_route_table", "aws_lb_", "aws_alb_",
                  "aws_vpc_security_group_", "aws_security_group", "aws_default_",
                  "aws_network_acl", "aws_vpc_dhcp_options", "aws_ssm_maintenance_window",
                  "aws_secretsmanager_secret_", "aws_sns_topic_", "aws_autoscaling_",
                  "aws_config_", "aws_acm_", "aws_db_", "aws_cloudwatch_event_",
                  "aws_vpc_endpoint_", "aws_ebs_")
_FREE = {"aws_vpc", "aws_subnet", "aws_route", "aws_internet_gateway",
         "aws_egress_only_internet_gateway", "aws_main_route_table_association",
         "aws_kms_alias", "aws_route53_record", "aws_wafv2_web_acl_association",
         "aws_backup_selection", "aws_cloudwatch_log_resource_policy",
         "aws_cloudwatch_log_subscription_filter", "aws_eip_association", "aws_key_pair",
         "aws_placement_group", "aws_network_interface", "aws_s3_account_public_access_block",
         "aws_ssm_parameter", "aws_lambda_permission", "aws_sqs_queue_policy"}
_NOT_AWS = ("terraform_data", "null_", "random_", "time_", "tls_", "local_", "external")


def free_reason(rtype: str) -> str | None:
    if rtype in _THROUGH:
        return _THROUGH[rtype]
    if rtype.startswith(_NOT_AWS):
        return "not an AWS resource"
    if rtype in _FREE or rtype.startswith(_FREE_PREFIXES):
        return "no charge for this resource type"
    return None


def prices(*types: str) -> Callable[[Pricer], Pricer]:
    def register(func: Pricer) -> Pricer:
        for rtype in types:
            PRICERS[rtype] = func
        return func

    return register


def usd(value: float) -> str:
    return f"${value:,.2f}"


def rate(value: float) -> str:
    """A unit price: `$5`, `$0.40`, `$0.0252`."""
    if float(value).is_integer():
        return f"${value:,.0f}"
    text = f"{value:.4f}".rstrip("0")
    return "$" + (text + "0" if len(text.split(".")[1]) < 2 else text)


def num(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0")


def count_of(value: float, word: str) -> str:
    """`1 rule`, `3 rules`, `0.5 months`."""
    return f"{num(value)} {word}" + ("" if value == 1 else "s")


Parts = list[tuple[str, float | None]]  # (what, monthly USD); None marks a note, not a cost


def make_item(res: Resource, parts: Parts, status: str = "priced",
          eligible: dict[str, float] | None = None) -> Item:
    total = sum(cost for _, cost in parts if cost is not None)
    basis = "; ".join(text if cost is None else f"{text} = {usd(cost)}" for text, cost in parts)
    return Item(res.address, res.type, total, basis, status, eligible or {})


def unpriced(res: Resource, why: str) -> Item:
    return Item(res.address, res.type, 0.0, f"unpriced: {why}", "unpriced")


@prices("aws_nat_gateway")
def nat_gateway(res: Resource, ctx: Context) -> Item:
    p, a = ctx.prices, ctx.assume
    count = max(1, len(ctx.plan.of("aws_nat_gateway")))
    internet = a["nat_internet_gb_per_month"] / count
    s3 = 0.0 if _has_s3_gateway_endpoint(ctx.plan) else a["s3_traffic_gb_per_month"] / count
    parts: Parts = [(f"{num(ctx.hours)} h × {rate(p['nat_gateway_hour'])}",
                     ctx.hours * p["nat_gateway_hour"]),
                    (f"{num(internet)} GB to the internet × {rate(p['nat_gateway_gb'])}",
                     internet * p["nat_gateway_gb"])]
    if s3:
        parts.append((f"{num(s3)} GB to S3 through the NAT (no S3 gateway endpoint) × "
                      f"{rate(p['nat_gateway_gb'])}", s3 * p["nat_gateway_gb"]))
    if count > 1:
        parts.append((f"data shared by {count} NAT gateways", None))
    return make_item(res, parts)


def _has_s3_gateway_endpoint(plan: Plan) -> bool:
    for ep in plan.of("aws_vpc_endpoint"):
        name = str(ep.value("service_name") or ep.expressions.get("service_name", {}))
        if ep.value("vpc_endpoint_type", "Gateway") == "Gateway" and ".s3" in name:
            return True
    return False


@prices("aws_eip")
def elastic_ip(res: Resource, ctx: Context) -> Item:
    hourly = ctx.prices["public_ipv4_hour"]
    return make_item(res, [(f"public IPv4 {num(ctx.hours)} h × {rate(hourly)}",
                            ctx.hours * hourly)])


@prices("aws_vpc_endpoint")
def vpc_endpoint(res: Resource, ctx: Context) -> Item:
    if res.value("vpc_endpoint_type", "Gateway") == "Gateway":
        return Item(res.address, res.type, 0.0, "free: gateway endpoints have no charge", "free")
    subnets = res.value("subnet_ids")
    azs = len(subnets) if isinstance(subnets, list) and subnets else 2
    hourly = ctx.prices["vpc_interface_endpoint_hour"]
    return make_item(res, [(f"{azs} AZ × {num(ctx.hours)} h × {rate(hourly)} (data not counted)",
                            azs * ctx.hours * hourly)])


@prices("aws_lb", "aws_alb")
def load_balancer(res: Resource, ctx: Context) -> Item:
    p, a = ctx.prices, ctx.assume
    kind = res.value("load_balancer_type", "application")
    if kind not in ("application", "network"):
        return unpriced(res, f"{kind} load balancers are not in the price model")
    key = "alb" if kind == "application" else "nlb"
    lcu, unit = a["alb_lcu"], "LCU" if key == "alb" else "NLCU"
    parts: Parts = [(f"{num(ctx.hours)} h × {rate(p[f'{key}_hour'])}",
                     ctx.hours * p[f"{key}_hour"]),
                    (f"{num(lcu)} {unit} × {num(ctx.hours)} h × {rate(p[f'{key}_lcu_hour'])}",
                     lcu * ctx.hours * p[f"{key}_lcu_hour"])]
    if not res.value("internal", False):
        ips = a["alb_public_ipv4"]
        parts.append((f"{num(ips)} public IPv4 × {num(ctx.hours)} h × "
                      f"{rate(p['public_ipv4_hour'])}", ips * ctx.hours * p["public_ipv4_hour"]))
    return make_item(res, parts)


@prices("aws_wafv2_web_acl")
def web_acl(res: Resource, ctx: Context) -> Item:
    p, requests = ctx.prices, ctx.assume["requests_millions_per_month"]
    rules = len(res.value("rule", []))
    return make_item(res, [(f"web ACL {rate(p['waf_web_acl_month'])}", p["waf_web_acl_month"]),
                           (f"{count_of(rules, 'rule')} × {rate(p['waf_rule_month'])}",
                            rules * p["waf_rule_month"]),
                           (f"{num(requests)} M requests × {rate(p['waf_million_requests'])}",
                            requests * p["waf_million_requests"])])


@prices("aws_cloudwatch_metric_alarm")
def metric_alarm(res: Resource, ctx: Context) -> Item:
    queries = [q for q in res.value("metric_query", []) if q.get("metric")]
    metrics = max(1, len(queries))
    high_res = 0 < float(res.value("period") or 60) < 60
    key = "cloudwatch_high_resolution_alarm_month" if high_res else "cloudwatch_alarm_month"
    return make_item(res, [(f"{count_of(metrics, 'alarm metric')} × {rate(ctx.prices[key])}",
                            metrics * ctx.prices[key])])


def _flat(key: str, what: str) -> Pricer:
    def price(res: Resource, ctx: Context) -> Item:
        return make_item(res, [(f"{what} {rate(ctx.prices[key])}", ctx.prices[key])])

    return price


PRICERS["aws_cloudwatch_composite_alarm"] = _flat("cloudwatch_composite_alarm_month",
                                                  "composite alarm")
PRICERS["aws_cloudwatch_dashboard"] = _flat("cloudwatch_dashboard_month", "dashboard")
PRICERS["aws_route53_zone"] = _flat("route53_hosted_zone_month", "hosted zone")


@prices("aws_route53_health_check")
def health_check(res: Resource, ctx: Context) -> Item:
    """A check of an AWS endpoint (a load balancer), plus each optional feature it uses."""
    kind = str(res.get("type") or "")
    features = [name for name, used in (
        ("HTTPS", kind.startswith("HTTPS")), ("string matching", kind.endswith("STR_MATCH")),
        ("10 s interval", res.get("request_interval") == 10),
        ("latency", bool(res.get("measure_latency")))) if used]
    base, extra = ctx.prices["route53_health_check_month"], \
        ctx.prices["route53_health_check_feature_month"]
    parts = [(f"health check {rate(base)}", base)]
    parts += [(f"{name} {rate(extra)}", extra) for name in features]
    return make_item(res, parts)


@prices("aws_cloudwatch_log_metric_filter")
def metric_filter(res: Resource, ctx: Context) -> Item:
    metrics = max(1, len(res.value("metric_transformation", [])))
    price = ctx.prices["cloudwatch_metric_month"]
    return make_item(res, [(f"{count_of(metrics, 'custom metric')} × {rate(price)}",
                            metrics * price)])


@prices("aws_cloudwatch_log_group")
def log_group(res: Resource, ctx: Context) -> Item:
    p, a = ctx.prices, ctx.assume
    what, gb = ctx.log_sources.get(res.address, ("application logs", a["app_log_gb_per_month"]))
    if what.startswith("VPC flow logs"):
        key = "flow_logs_to_cloudwatch_gb"
    elif res.value("log_group_class") == "INFREQUENT_ACCESS":
        key = "logs_ingestion_infrequent_access_gb"
    else:
        key = "logs_ingestion_gb"
    days = float(res.value("retention_in_days", 0))
    months = min(days, 365) / (365 / 12) if days else 12.0
    kept = f"{count_of(round(months, 1), 'month')} kept" + \
        ("" if days else " (never expires: at 1 year)")
    stored = gb * a["log_compression_ratio"] * months
    ratio = num(a["log_compression_ratio"])
    return make_item(res, [(f"{what} {num(gb)} GB × {rate(p[key])}", gb * p[key]),
                           (f"storage {num(gb)} GB × {ratio} compressed × {kept} × "
                            f"{rate(p['logs_storage_gb_month'])}",
                            stored * p["logs_storage_gb_month"])])


@prices("aws_cloudtrail")
def cloudtrail(res: Resource, ctx: Context) -> Item:
    p, a = ctx.prices, ctx.assume
    first = min(t.address for t in ctx.plan.of("aws_cloudtrail")) == res.address
    parts = Parts()
    if first:
        parts.append(("management events: first copy free (assumes no other trail records "
                      "them)", None))
    else:
        events = a["cloudtrail_management_events_per_month"]
        parts.append((f"management events (another trail in the plan records them first) "
                      f"{num(events)} × {rate(p['cloudtrail_management_events_100k'])}/100k",
                      events / 100_000 * p["cloudtrail_management_events_100k"]))
    selectors = [s for s in res.value("event_selector", []) if s.get("data_resource")]
    advanced = [s for s in res.value("advanced_event_selector", [])
                if "Data" in str(s.get("field_selector"))]
    if selectors or advanced:
        events = a["cloudtrail_data_events_per_month"]
        parts.append((f"data events {num(events)} × {rate(p['cloudtrail_data_events_100k'])}"
                      "/100k", events / 100_000 * p["cloudtrail_data_events_100k"]))
    return make_item(res, parts)


@prices("aws_config_configuration_recorder")
def config_recorder(res: Resource, ctx: Context) -> Item:
    mode = res.block("recording_mode").get("recording_frequency", "CONTINUOUS")
    key = "config_item_recorded_periodic" if mode == "DAILY" else "config_item_recorded"
    items = ctx.assume["config_items_per_month"]
    return make_item(res, [(f"{num(items)} configuration items × {rate(ctx.prices[key])}",
                            items * ctx.prices[key])])


@prices("aws_config_config_rule")
def config_rule(res: Resource, ctx: Context) -> Item:
    evals, price = ctx.assume["config_evaluations_per_rule_per_month"], \
        ctx.prices["config_rule_evaluation"]
    return make_item(res, [(f"{num(evals)} evaluations × {rate(price)}", evals * price)])


@prices("aws_s3_bucket")
def s3_bucket(res: Resource, ctx: Context) -> Item:
    gb, price = ctx.assume["s3_gb_per_bucket"], ctx.prices["s3_standard_gb_month"]
    return make_item(res, [(f"{num(gb)} GB Standard × {rate(price)} (requests not counted)",
                            gb * price)])


@prices("aws_kms_key", "aws_kms_replica_key")
def kms_key(res: Resource, ctx: Context) -> Item:
    p, calls = ctx.prices, ctx.assume["kms_requests_per_key_per_month"]
    parts: Parts = [(f"key {rate(p['kms_key_month'])}", p["kms_key_month"]),
                    (f"{num(calls)} requests × {rate(p['kms_10k_requests'])}/10k",
                     calls / 10_000 * p["kms_10k_requests"])]
    if res.value("enable_key_rotation"):
        parts.append(("yearly rotation adds $1 per rotation for the first two (not counted)",
                      None))
    return make_item(res, parts)


@prices("aws_secretsmanager_secret")
def secret(res: Resource, ctx: Context) -> Item:
    p, calls = ctx.prices, ctx.assume["secret_api_calls_per_month"]
    return make_item(res, [(f"secret {rate(p['secrets_manager_secret_month'])}",
                            p["secrets_manager_secret_month"]),
                           (f"{num(calls)} API calls × "
                            f"{rate(p['secrets_manager_10k_api_calls'])}/10k",
                            calls / 10_000 * p["secrets_manager_10k_api_calls"])])


@prices("aws_sns_topic")
def sns_topic(res: Resource, ctx: Context) -> Item:
    emails, price = ctx.assume["sns_emails_per_month"], ctx.prices["sns_100k_email"]
    return make_item(res, [(f"{num(emails)} emails × {rate(price)}/100k",
                            emails / 100_000 * price)])


def _log_sources(plan: Plan, assume: Assumptions) -> dict[str, tuple[str, float]]:
    """Which log groups receive flow logs, trail events or WAF logs, and how much."""
    out: dict[str, tuple[str, float]] = {}
    links = (("aws_flow_log", "log_destination", "VPC flow logs", "flow_log_gb_per_month"),
             ("aws_cloudtrail", "cloud_watch_logs_group_arn", "CloudTrail events",
              "trail_log_gb_per_month"),
             ("aws_wafv2_web_acl_logging_configuration", "log_destination_configs",
              "WAF logs", "waf_log_gb_per_month"))
    for rtype, attr, what, gb in links:
        for res in plan.of(rtype):
            for group in plan.referenced(res, attr):
                if group.type == "aws_cloudwatch_log_group":
                    out.setdefault(group.address, (f"{what} ({res.address})", assume[gb]))
    return out


def estimate(plan: Plan, table: PriceTable, assume: Assumptions,
             region: str | None = None) -> Estimate:
    """Price every resource of `plan`; `region` (if given) wins over the plan's own."""
    if region:
        where = "--region"
    else:
        region, where = _plan_region(plan)
        if region is None:
            region, where = DEFAULT_REGION, f"default ({where})"
    ctx = Context(plan, table.region(region), assume, _log_sources(plan, assume))
    return Estimate(region, where, [price_resource(r, ctx) for r in plan.resources], table,
                    assume)


def _plan_region(plan: Plan) -> tuple[str | None, str]:
    """The plan's provider region, else the region in a VPC endpoint's service name."""
    region, where = plan.region()
    if region is None:
        for res in plan.of("aws_vpc_endpoint"):
            match = _REGION_IN.search(str(res.value("service_name", "")))
            if match:
                return match.group(1), f"the service name of {res.address}"
    return region, where


def price_resource(res: Resource, ctx: Context) -> Item:
    pricer = PRICERS.get(res.type)
    if pricer is None:
        reason = free_reason(res.type)
        if reason:
            return Item(res.address, res.type, 0.0, f"free: {reason}", "free")
        return unpriced(res, "not in the price model (see its AWS pricing page)")
    try:
        item = pricer(res, ctx)
    except (TypeError, ValueError, KeyError, AttributeError, IndexError, AssertionError) as exc:
        return unpriced(res, f"could not read its planned values ({type(exc).__name__})")
    item.monthly_usd = round(item.monthly_usd, 4)
    return item

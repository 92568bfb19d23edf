"""The price table: the shipped, dated `prices.json`, or a newer one given with `--prices FILE`.

The table is validated before anything is priced; a bad table raises `UserError` (exit 2) with
one line naming the file and the key at fault. Prices are USD, on-demand, per region; the
discount factors for 1-year commitments (FM-5.2) sit beside them.
"""

from __future__ import annotations

import datetime
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from prodstack.core.errors import UserError

SCHEMA = 1
SHIPPED = "prices.json"
Fail = Callable[[str], UserError]

# Flat prices every region must have: key -> what it is (shown in errors and docs).
SCALARS: dict[str, str] = {
    "rds_backup_gb_month": "RDS backup storage beyond the free allowance, per GB-month",
    "backup_storage_gb_month": "AWS Backup warm storage (RDS snapshots), per GB-month",
    "backup_restore_test_job": "AWS Backup restore testing, per restore job",
    "nat_gateway_hour": "NAT gateway, per hour",
    "nat_gateway_gb": "NAT gateway data processed, per GB",
    "public_ipv4_hour": "public IPv4 address, per hour",
    "vpc_interface_endpoint_hour": "interface VPC endpoint, per AZ-hour",
    "alb_hour": "Application Load Balancer, per hour",
    "alb_lcu_hour": "Application Load Balancer, per LCU-hour",
    "nlb_hour": "Network Load Balancer, per hour",
    "nlb_lcu_hour": "Network Load Balancer, per NLCU-hour",
    "waf_web_acl_month": "WAF web ACL, per month",
    "waf_rule_month": "WAF rule or rule group, per month",
    "waf_million_requests": "WAF requests, per million",
    "cloudwatch_alarm_month": "CloudWatch standard-resolution alarm metric, per month",
    "cloudwatch_high_resolution_alarm_month": "CloudWatch high-resolution alarm, per month",
    "cloudwatch_composite_alarm_month": "CloudWatch composite alarm, per month",
    "cloudwatch_metric_month": "CloudWatch custom or detailed-monitoring metric, per month",
    "cloudwatch_dashboard_month": "CloudWatch dashboard, per month",
    "logs_ingestion_gb": "CloudWatch Logs ingestion (standard class), per GB",
    "logs_ingestion_infrequent_access_gb": "CloudWatch Logs ingestion (infrequent access), per GB",
    "logs_storage_gb_month": "CloudWatch Logs storage (compressed), per GB-month",
    "flow_logs_to_cloudwatch_gb": "VPC flow logs delivered to CloudWatch Logs, per GB",
    "flow_logs_to_s3_gb": "VPC flow logs delivered to S3, per GB",
    "kms_key_month": "KMS customer managed key, per month",
    "kms_10k_requests": "KMS requests, per 10,000",
    "secrets_manager_secret_month": "Secrets Manager secret, per month",
    "secrets_manager_10k_api_calls": "Secrets Manager API calls, per 10,000",
    "cloudtrail_management_events_100k": "CloudTrail management events, additional copies, "
                                         "per 100,000",
    "cloudtrail_data_events_100k": "CloudTrail data events, per 100,000",
    "config_item_recorded": "AWS Config configuration item (continuous recording)",
    "config_item_recorded_periodic": "AWS Config configuration item (periodic recording)",
    "config_rule_evaluation": "AWS Config rule evaluation",
    "s3_standard_gb_month": "S3 Standard storage, per GB-month",
    "sns_million_requests": "SNS requests, per million",
    "sns_100k_email": "SNS email notifications, per 100,000",
    "route53_hosted_zone_month": "Route 53 hosted zone, per month",
    "route53_health_check_month": "Route 53 health check of an AWS endpoint, per month",
    "route53_health_check_feature_month": "Route 53 health check optional feature (HTTPS, "
                                          "string matching, 10 s interval, latency), per "
                                          "month",
}
# Per-size tables: key -> what it is. `rds_instance_hour` is nested one level more (by engine).
TABLES: dict[str, str] = {
    "ec2_instance_hour": "EC2 on-demand Linux, per instance type, per hour",
    "ebs_gb_month": "EBS volume, per volume type, per GB-month",
    "rds_instance_hour": "RDS single-AZ, per engine and class, per hour",
    "rds_storage_gb_month": "RDS single-AZ storage, per storage type, per GB-month",
}
DISCOUNTS: dict[str, str] = {
    "compute_savings_plan_1yr_no_upfront": "1-year Compute Savings Plan, no upfront",
    "rds_reserved_1yr_no_upfront": "1-year RDS reserved instances, no upfront",
}


@dataclass(frozen=True)
class RegionPrices:
    """One region's prices. `table()` lookups return None when a size is not listed."""

    region: str
    values: dict[str, Any]

    def __getitem__(self, key: str) -> float:
        return float(self.values[key])

    def table(self, key: str, size: str) -> float | None:
        value = self.values[key].get(size)
        return None if value is None else float(value)

    def rds_hour(self, engine: str, db_class: str) -> float | None:
        value = self.values["rds_instance_hour"].get(engine, {}).get(db_class)
        return None if value is None else float(value)


@dataclass(frozen=True)
class PriceTable:
    as_of: str
    source: str
    origin: str
    notes: tuple[str, ...]
    discounts: dict[str, float]
    regions: dict[str, dict[str, Any]]

    def region(self, name: str) -> RegionPrices:
        if name not in self.regions:
            raise UserError(
                f"prices ({self.origin}): no prices for region {name!r} "
                f"(the table has: {', '.join(sorted(self.regions))}; give one with --prices)",
                exit_code=2,
            )
        return RegionPrices(name, self.regions[name])


def load(path: str | Path | None = None) -> PriceTable:
    """The shipped table, or the one at `path`; validated."""
    if path is None:
        text = resources.files(__package__).joinpath(SHIPPED).read_text(encoding="utf-8")
        origin = f"shipped {SHIPPED}"
    else:
        p = Path(path)
        origin = str(p)
        try:
            text = p.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise UserError(f"prices file {p}: not found", exit_code=2) from None
        except IsADirectoryError:
            raise UserError(f"prices file {p}: is a folder, not a file", exit_code=2) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(f"prices file {p}: cannot be read ({exc})", exit_code=2) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(f"prices file {origin}: not valid JSON ({exc})", exit_code=2) from None
    except RecursionError:
        raise UserError(f"prices file {origin}: JSON nested too deeply to read",
                        exit_code=2) from None
    except ValueError as exc:  # an integer beyond Python's limit of digits
        raise UserError(f"prices file {origin}: cannot read its JSON "
                        f"({str(exc).split(':')[0]})", exit_code=2) from None
    return parse(data, origin)


def parse(data: Any, origin: str) -> PriceTable:
    """Validate a decoded table; the first problem raises a one-line `UserError`."""

    def fail(problem: str) -> UserError:
        return UserError(f"prices file {origin}: {problem}", exit_code=2)

    if not isinstance(data, dict):
        raise fail("expected a JSON object at the top")
    if data.get("schema") != SCHEMA:
        raise fail(f"'schema' must be {SCHEMA}, got {data.get('schema')!r}")
    if data.get("currency") != "USD":
        raise fail(f"'currency' must be \"USD\", got {data.get('currency')!r}")
    as_of = data.get("as_of")
    try:
        datetime.date.fromisoformat(str(as_of))
    except ValueError:
        raise fail(f"'as_of' must be a date (YYYY-MM-DD), got {as_of!r}") from None
    source = data.get("source")
    if not isinstance(source, str) or not source.strip():
        raise fail("'source' must name where the prices come from")
    notes = data.get("notes", [])
    if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
        raise fail("'notes' must be a list of strings")
    discounts = _check_discounts(data.get("discounts"), fail)
    regions = data.get("regions")
    if not isinstance(regions, dict) or not regions:
        raise fail("'regions' must be an object with at least one region")
    for name, prices in regions.items():
        _check_region(name, prices, fail)
    return PriceTable(as_of=str(as_of), source=source, origin=origin, notes=tuple(notes),
                      discounts=discounts, regions=regions)


def _number(value: Any) -> bool:
    """A finite, non-negative price (JSON `Infinity` and `NaN` are not prices)."""
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value) and value >= 0)


def _check_discounts(value: Any, fail: Fail) -> dict[str, float]:
    if not isinstance(value, dict):
        raise fail("'discounts' must be an object")
    for key in DISCOUNTS:
        factor = value.get(key)
        if not _number(factor) or factor >= 1:
            raise fail(f"discounts.{key}: expected a fraction between 0 and 1, got {factor!r}")
    return {key: float(value[key]) for key in DISCOUNTS}


def _check_region(name: str, prices: Any, fail: Fail) -> None:
    if not isinstance(prices, dict):
        raise fail(f"regions.{name}: expected an object of prices")
    for key in SCALARS:
        if key not in prices:
            raise fail(f"regions.{name}.{key}: missing ({SCALARS[key]})")
        if not _number(prices[key]):
            raise fail(f"regions.{name}.{key}: expected a non-negative number, "
                       f"got {prices[key]!r}")
    for key in TABLES:
        table = prices.get(key)
        if not isinstance(table, dict) or not table:
            raise fail(f"regions.{name}.{key}: missing or empty ({TABLES[key]})")
        leaves: list[tuple[str, Any]] = list(table.items())
        if key == "rds_instance_hour":
            leaves = []
            for engine, classes in table.items():
                if not isinstance(classes, dict) or not classes:
                    raise fail(f"regions.{name}.{key}.{engine}: expected an object of classes")
                leaves += [(f"{engine}.{size}", price) for size, price in classes.items()]
        for size, price in leaves:
            if not _number(price):
                raise fail(f"regions.{name}.{key}.{size}: expected a non-negative number, "
                           f"got {price!r}")

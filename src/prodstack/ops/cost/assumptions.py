"""Usage assumptions: the numbers a plan cannot know (traffic, log volume, stored bytes).

Every assumption has a name, a default, a unit and a sentence saying what it means; the report
prints them all beside the estimate. Override them with `--assume NAME=VALUE` (repeatable) or a
TOML file (`--assumptions FILE`: top-level `NAME = VALUE` pairs, or the same under an
`[assumptions]` table); `--assume` wins over the file. Unknown names and values that are not
non-negative numbers are one-line errors (exit 2).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prodstack.core.errors import UserError


@dataclass(frozen=True)
class Assumption:
    name: str
    default: float
    unit: str
    meaning: str


ASSUMPTIONS: tuple[Assumption, ...] = (
    Assumption("hours_per_month", 730, "h", "hours billed per month (365 × 24 / 12)"),
    Assumption("nat_internet_gb_per_month", 50, "GB",
               "data from private subnets to the internet (updates, third-party APIs), "
               "shared across the NAT gateways"),
    Assumption("s3_traffic_gb_per_month", 100, "GB",
               "data between private subnets and S3/DynamoDB; crosses the NAT gateways only "
               "when the VPC has no S3 gateway endpoint (FM-5.1)"),
    Assumption("alb_lcu", 1, "LCU", "average load balancer capacity units in use each hour"),
    Assumption("requests_millions_per_month", 10, "M",
               "HTTP requests per month inspected by each WAF web ACL"),
    Assumption("alb_public_ipv4", 2, "addresses",
               "public IPv4 addresses of an internet-facing load balancer (one per AZ)"),
    Assumption("app_log_gb_per_month", 1, "GB",
               "ingestion per log group that no flow log, trail or WAF writes to"),
    Assumption("flow_log_gb_per_month", 5, "GB", "VPC flow log records per flow log"),
    Assumption("trail_log_gb_per_month", 1, "GB",
               "CloudTrail events delivered to CloudWatch Logs per trail"),
    Assumption("waf_log_gb_per_month", 2, "GB", "WAF request logs per logging configuration"),
    Assumption("log_compression_ratio", 0.15, "",
               "stored (compressed) size of a log / its ingested size"),
    Assumption("cloudtrail_management_events_per_month", 200_000, "events",
               "management events recorded; only trails after the first one pay for them"),
    Assumption("cloudtrail_data_events_per_month", 1_000_000, "events",
               "data events recorded by a trail that selects data events"),
    Assumption("config_items_per_month", 1000, "items",
               "configuration items the AWS Config recorder records"),
    Assumption("config_evaluations_per_rule_per_month", 500, "evaluations",
               "evaluations per AWS Config rule"),
    Assumption("s3_gb_per_bucket", 20, "GB", "S3 Standard storage held per bucket"),
    Assumption("kms_requests_per_key_per_month", 20_000, "requests", "requests per KMS key"),
    Assumption("secret_api_calls_per_month", 10_000, "calls",
               "Secrets Manager API calls per secret"),
    Assumption("sns_emails_per_month", 200, "emails", "email notifications per SNS topic"),
    Assumption("db_change_percent_per_day", 2, "%",
               "share of a database's storage that changes per day (incremental backups)"),
    Assumption("restore_test_hours", 1, "h",
               "hours an AWS Backup restore test takes to restore its instance, before the "
               "selection's validation window (the instance is billed for both)"),
    Assumption("root_volume_gb", 8, "GB",
               "root volume of an instance whose launch template or definition sets no size "
               "(the AMI's default, priced as gp3)"),
    Assumption("detailed_monitoring_metrics", 7, "metrics",
               "metrics billed per instance with detailed monitoring on"),
)
BY_NAME: dict[str, Assumption] = {a.name: a for a in ASSUMPTIONS}


@dataclass(frozen=True)
class Assumptions:
    """The values in force, and which names the user changed."""

    values: dict[str, float]
    overridden: frozenset[str]

    def __getitem__(self, name: str) -> float:
        return self.values[name]

    def as_list(self) -> list[dict[str, Any]]:
        return [{"name": a.name, "value": self.values[a.name], "unit": a.unit,
                 "meaning": a.meaning, "default": a.name not in self.overridden}
                for a in ASSUMPTIONS]


def defaults() -> Assumptions:
    return Assumptions({a.name: float(a.default) for a in ASSUMPTIONS}, frozenset())


def _value(name: str, raw: Any, source: str) -> float:
    if name not in BY_NAME:
        raise UserError(f"{source}: unknown assumption {name!r} "
                        f"(known: {', '.join(BY_NAME)})", exit_code=2)
    if isinstance(raw, bool):
        raise UserError(f"{source}: {name} must be a number, got {raw!r}", exit_code=2)
    try:
        value = float(str(raw).replace("_", "")) if isinstance(raw, str) else float(raw)
    except (TypeError, ValueError):
        raise UserError(f"{source}: {name} must be a number, got {raw!r}", exit_code=2) from None
    if value != value or value < 0 or value == float("inf"):
        raise UserError(f"{source}: {name} must be a non-negative number, got {raw!r}",
                        exit_code=2)
    return value


def read_file(path: str | Path) -> dict[str, float]:
    """NAME = VALUE pairs from a TOML file (top level or an `[assumptions]` table)."""
    p = Path(path)
    source = f"assumptions file {p}"
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{source}: not found", exit_code=2) from None
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{source}: not valid TOML ({exc})", exit_code=2) from None
    except RecursionError:
        raise UserError(f"{source}: TOML nested too deeply to read", exit_code=2) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{source}: cannot be read ({exc})", exit_code=2) from None
    except ValueError as exc:  # an integer beyond Python's limit of digits
        raise UserError(f"{source}: cannot be read ({str(exc).split(':')[0]})",
                        exit_code=2) from None
    table = data.get("assumptions", data)
    if not isinstance(table, dict):
        raise UserError(f"{source}: [assumptions] must be a table", exit_code=2)
    return {name: _value(name, raw, source) for name, raw in table.items()}


def parse_pairs(pairs: Iterable[str]) -> dict[str, float]:
    """`--assume NAME=VALUE` pairs."""
    out: dict[str, float] = {}
    for pair in pairs:
        if "=" not in pair:
            raise UserError(f"--assume {pair!r}: expected NAME=VALUE", exit_code=2)
        name, raw = (part.strip() for part in pair.split("=", 1))
        out[name] = _value(name, raw, f"--assume {name}")
    return out


def resolve(pairs: Iterable[str] = (), file: str | Path | None = None,
            extra: Mapping[str, float] | None = None) -> Assumptions:
    """Defaults, then the file, then `--assume` pairs, then `extra` (for callers in Python)."""
    changed: dict[str, float] = {}
    if file is not None:
        changed.update(read_file(file))
    changed.update(parse_pairs(pairs))
    for name, value in (extra or {}).items():
        changed[name] = _value(name, value, "assumption")
    base = defaults().values
    return Assumptions({**base, **changed}, frozenset(changed))

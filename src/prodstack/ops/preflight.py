"""What an apply would collide with in the account, named before anything is applied.

After the plan and before the apply, `up` reads what the plan creates and asks the account
for what AWS allows once per region or up to a quota:
- AWS Config: one configuration recorder (and one delivery channel) per region and account;
  a second is refused (MaxNumberOfConfigurationRecordersExceededException) half-way through
  the apply. A recorder that is not this deployment's (another environment's, the account's
  own) is named with the setting that reuses it (`config_recorder = false`);
- CloudTrail: 5 trails per region (not adjustable), counting the multi-region trails homed
  in other regions ("counted as one trail in each Region": CloudTrail FAQ);
- Elastic IPs (one per NAT gateway): 5 per region by default; the quota is read from Service
  Quotas where the target can (`Target.quota`), and the addresses in use are counted.
Sources: AWS Config developer guide ("Managing the Configuration Recorder": one recorder per
region per account); CloudTrail user guide ("Quotas in AWS CloudTrail": 5 trails per region);
Amazon VPC user guide ("Elastic IP address quotas": 5 per region, quota L-0263D0A3).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from prodstack.core.errors import UserError

TRAILS_PER_REGION = 5
EIP_QUOTA = ("ec2", "L-0263D0A3", 5)  # service, quota code, AWS's default


def _type(address: str) -> str:
    """`module.a.aws_eip.nat["x"]` -> `aws_eip`."""
    parts = address.split("[", 1)[0].split(".")
    return parts[-2] if len(parts) >= 2 else ""


def _creates(planned: list[tuple[str, str]], type_: str) -> int:
    return sum(1 for address, action in planned
               if action in ("create", "replace") and _type(address) == type_)


def check(planned: list[tuple[str, str]], clients: Callable[[str], Any], region: str,
          recorder: str, quota: Callable[[str, str, int], int]) -> None:
    """Raise `UserError` naming every collision the plan's creates would meet."""
    checks: list[Callable[[], list[str]]] = []
    if _creates(planned, "aws_config_configuration_recorder"):
        checks.append(lambda: _config(clients("config"), region, recorder))
    if _creates(planned, "aws_cloudtrail"):
        checks.append(lambda: _trails(clients("cloudtrail"), region))
    if needed := _creates(planned, "aws_eip"):
        checks.append(lambda: _addresses(clients("ec2"), region, needed, quota(*EIP_QUOTA)))
    problems: list[str] = []
    for run in checks:  # each on its own: a refused read does not hide another's finding
        try:
            problems += run()
        except (ClientError, BotoCoreError):
            continue  # the apply says what is wrong; this names only collisions it can see
    if problems:
        raise UserError("the apply would be refused, so nothing was applied: "
                        + "; ".join(problems), exit_code=2)


def _config(config: Any, region: str, ours: str) -> list[str]:
    found = config.describe_configuration_recorders().get("ConfigurationRecorders", [])
    others = [r["name"] for r in found if r.get("name") != ours]
    if not others:
        return []
    return [f"{region} already has AWS Config recorder {others[0]!r} (AWS allows one per "
            "region and account): set config_recorder = false (--set config_recorder=false) "
            "to record with it"]


def _trails(cloudtrail: Any, region: str) -> list[str]:
    """Every trail that exists in the region counts: its own, and the multi-region trails of
    other home regions (shadow trails, which DescribeTrails includes by default)."""
    trails = cloudtrail.describe_trails().get("trailList", [])
    if len(trails) < TRAILS_PER_REGION:
        return []
    named = [t["Name"] if t.get("HomeRegion", region) == region
             else f"{t['Name']} (multi-region, from {t['HomeRegion']})" for t in trails]
    return [f"{region} already has {len(trails)} trails, CloudTrail's limit per region "
            f"({', '.join(named)}): delete one (prodstack makes a trail of its own; it cannot "
            "yet use one the account already has)"]


def _addresses(ec2: Any, region: str, needed: int, limit: int) -> list[str]:
    used = len(ec2.describe_addresses().get("Addresses", []))
    if used + needed <= limit:
        return []
    return [f"the plan needs {needed} Elastic IP(s) (one per NAT gateway) and {used} of the "
            f"{limit} allowed in {region} are in use: release some, or raise the quota "
            f"(Service Quotas, {EIP_QUOTA[0]} {EIP_QUOTA[1]})"]

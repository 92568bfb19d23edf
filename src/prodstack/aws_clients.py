"""boto3 clients for a target: the emulator's endpoint and dummy credentials, or the real account.

Also the one check prodstack makes before trusting local state on the emulator: do the
resources that state lists still exist there (a restarted emulator has none of them)?
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from prodstack.settings import Settings

_CONFIG = Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=5,
                 read_timeout=60)


def client(service: str, settings: Settings, endpoint: str | None = None,
           region: str | None = None) -> Any:
    """A boto3 client; `endpoint` is the emulator URL on the local target."""
    kwargs: dict[str, Any] = {"region_name": region or settings.region, "config": _CONFIG}
    if endpoint:
        kwargs.update(endpoint_url=endpoint, aws_access_key_id="test",
                      aws_secret_access_key="test")
    return boto3.client(service, **kwargs)


def state_resources(state_file: Path) -> list[dict[str, Any]]:
    """Managed resources in a local state file (empty when there is none)."""
    if not state_file.exists():
        return []
    try:
        state = json.loads(state_file.read_text())
    except (OSError, json.JSONDecodeError):
        return []
    return [r for r in state.get("resources", []) if r.get("mode") == "managed"]


def state_vpc_id(resources: list[dict[str, Any]]) -> str | None:
    for res in resources:
        if res.get("type") == "aws_vpc":
            for inst in res.get("instances", []):
                vpc_id = inst.get("attributes", {}).get("id")
                if vpc_id:
                    return str(vpc_id)
    return None


def emulator_lost_state(settings: Settings, endpoint: str, state_file: Path) -> bool:
    """True when local state lists a VPC that the emulator no longer has."""
    vpc_id = state_vpc_id(state_resources(state_file))
    if not vpc_id:
        return False
    try:
        client("ec2", settings, endpoint).describe_vpcs(VpcIds=[vpc_id])
    except ClientError as exc:
        return "NotFound" in exc.response.get("Error", {}).get("Code", "")
    except BotoCoreError:
        return False
    return False

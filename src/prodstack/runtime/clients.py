"""boto3 clients: for the emulator (its endpoint and dummy credentials) or the real account.

Targets hand out client factories built on this (`Target.clients`); nothing else makes a
client.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

from prodstack.runtime.emulator import credentials

if TYPE_CHECKING:
    from prodstack.config.settings import Settings

_CONFIG = Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=5,
                 read_timeout=60)


def client(service: str, settings: Settings, endpoint: str | None = None,
           region: str | None = None) -> Any:
    """A boto3 client; `endpoint` is the emulator URL on the local target."""
    kwargs: dict[str, Any] = {"region_name": region or settings.region, "config": _CONFIG}
    if endpoint:
        key, secret, token = credentials()
        kwargs.update(endpoint_url=endpoint, aws_access_key_id=key,
                      aws_secret_access_key=secret, aws_session_token=token)
    return boto3.client(service, **kwargs)

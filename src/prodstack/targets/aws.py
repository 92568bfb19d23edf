"""The aws target: the S3 remote backend with native locking (FM-1.2, FM-1.3).

The backend block is generated in full per environment (bucket, key, region, encryption,
`use_lockfile`), so `terraform init` never meets an empty `backend "s3" {}`.
"""

from __future__ import annotations

from typing import Any

from prodstack.settings import Settings
from prodstack.stack.context import StackContext


def state_key(settings: Settings) -> str:
    return f"{settings.project}/{settings.env}/terraform.tfstate"


def backend_settings(settings: Settings) -> dict[str, Any]:
    return {
        "bucket": settings.state_bucket,
        "key": state_key(settings),
        "region": settings.state_region or settings.region,
        "encrypt": True,
        "use_lockfile": True,
    }


def before(ctx: StackContext) -> None:
    del ctx


def after(ctx: StackContext) -> None:
    ctx.doc.terraform["backend"] = {"s3": backend_settings(ctx.settings)}

"""The aws platform: a real account, with the S3 remote backend.

The backend block is generated in full per environment and region (bucket, key, region,
encryption, `use_lockfile` for S3 native locking: FM-1.2, FM-1.3), so `terraform init` never
meets an empty `backend "s3" {}`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from prodstack.config.naming import Names
from prodstack.platform.base import Platform

if TYPE_CHECKING:
    from prodstack.config.settings import Settings
    from prodstack.tf.document import Document


def backend_settings(settings: Settings) -> dict[str, Any]:
    names = Names(settings.project, settings.env, settings.region)
    return {
        "bucket": settings.state_bucket,
        "key": names.state_key,
        "region": settings.state_region or settings.region,
        "encrypt": True,
        "use_lockfile": True,
    }


class AwsPlatform(Platform):
    name: ClassVar[str] = "aws"

    def adjust(self, settings: Settings, doc: Document) -> None:
        doc.terraform["backend"] = {"s3": backend_settings(settings)}

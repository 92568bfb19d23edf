"""Platforms: what the stack's document differs in between `local` (the embedded emulator)
and `aws` (a real account with a remote backend), at synthesis.

`platform_for(settings)` is the one way to reach it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from prodstack.platform.aws import AwsPlatform
from prodstack.platform.base import Platform
from prodstack.platform.local import LocalPlatform

if TYPE_CHECKING:
    from prodstack.config.settings import Settings

PLATFORMS: dict[str, Platform] = {p.name: p for p in (LocalPlatform(), AwsPlatform())}


def platform_for(settings: Settings) -> Platform:
    return PLATFORMS[settings.target]


__all__ = ["PLATFORMS", "AwsPlatform", "LocalPlatform", "Platform", "platform_for"]

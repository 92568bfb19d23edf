"""Targets: `local` (the embedded emulator) and `aws` (a real account with a remote backend).

`target_for(settings)` is the one way to reach what differs between them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from prodstack.platform.aws import AwsTarget
from prodstack.platform.base import Connection, Target
from prodstack.platform.local import LocalTarget

if TYPE_CHECKING:
    from prodstack.config.settings import Settings

TARGETS: dict[str, Target] = {t.name: t for t in (LocalTarget(), AwsTarget())}


def target_for(settings: Settings) -> Target:
    return TARGETS[settings.target]


__all__ = ["TARGETS", "AwsTarget", "Connection", "LocalTarget", "Target", "target_for"]

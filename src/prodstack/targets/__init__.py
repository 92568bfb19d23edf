"""Targets: `local` (the embedded emulator) and `aws` (a real account with a remote backend).

A target adjusts the stack before the parts are built (`before`) and after (`after`). Only
the local target holds emulator-only adjustments; the aws target adds the S3 backend.
"""

from __future__ import annotations

from types import ModuleType

from prodstack.targets import aws, local

TARGET_MODULES: dict[str, ModuleType] = {"local": local, "aws": aws}

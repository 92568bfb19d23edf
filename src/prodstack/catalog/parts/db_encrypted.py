"""DB-ENCRYPTED: the database's storage is encrypted with a KMS key."""

from __future__ import annotations

from typing import Any

from prodstack.catalog.contract import Result, VerifyContext
from prodstack.catalog.live_queries import database
from prodstack.catalog.model import Cases, Entry, LiveCheck
from prodstack.catalog.world import World


def live(ctx: VerifyContext) -> Result:
    found = database(ctx)
    return Result.expect(bool(found["StorageEncrypted"]),
                         f"encrypted ({found.get('KmsKeyId', '')})", "storage is not encrypted")


cases = Cases()


@cases.live("pass")
def encrypted_database(world: World) -> dict[str, Any]:
    return world.database().outputs


@cases.live("fail")
def unencrypted_database(world: World) -> dict[str, Any]:
    return world.database(encrypted=False).outputs


ENTRY = Entry(
    id="DB-ENCRYPTED", title="Database storage is encrypted with a KMS key",
    failure="database storage, snapshots and replicas readable to whoever gets the volumes",
    fix="`storage_encrypted = true` with the stack's data key",
    live=LiveCheck(live, cases=cases.lives),
)

"""DB instances: a unique `DbiResourceId` for each instance.

moto: every DB instance gets the same `DbiResourceId` ("db-M5ENSHXFPU6XHZ4G4ZEI5QIO2U").
The AWS provider keeps that id as the id of `aws_db_instance` and looks instances up by it,
so with two instances (the stack's database and a restored copy) it finds the wrong one.
AWS (RDS API reference, "DBInstance"): `DbiResourceId` is the instance's own identifier,
unique in the region and stable for its life: "db-" followed by 26 upper-case letters and
digits.
"""

from __future__ import annotations

import string
from typing import Any

from moto.moto_api._internal import mock_random
from moto.rds.models import DBInstance

MOTO_VERSION = "5.2.5"
ALPHABET = string.ascii_uppercase + string.digits


def new_resource_id() -> str:
    # mock_random: seeded by moto's /moto-api/seed, like moto's other generated ids.
    return "db-" + "".join(mock_random.choice(ALPHABET) for _ in range(26))


def apply() -> None:
    init = DBInstance.__init__

    def init_with_own_id(self: DBInstance, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        self.dbi_resource_id = new_resource_id()

    DBInstance.__init__ = init_with_own_id  # type: ignore[method-assign]

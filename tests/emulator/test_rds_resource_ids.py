"""prodstack.runtime.moto_patches.rds_resource_ids"""

from __future__ import annotations

import re

import pytest

from tests.emulator.conftest import Client, still_needed

pytestmark = pytest.mark.emulator

RESOURCE_ID = re.compile(r"^db-[A-Z0-9]{26}$")


NAMES = ("first", "second")


def described(client: Client) -> dict[str, str]:
    return {db["DBInstanceIdentifier"]: db["DbiResourceId"]
            for db in client("rds").describe_db_instances()["DBInstances"]
            if db["DBInstanceIdentifier"] in NAMES}


def resource_ids(client: Client) -> dict[str, str]:
    for name in NAMES:
        client("rds").create_db_instance(
            DBInstanceIdentifier=name, DBInstanceClass="db.t3.micro", Engine="postgres",
            AllocatedStorage=20, MasterUsername="app", MasterUserPassword="not-a-secret-0")
    return described(client)


def test_each_instance_has_its_own_stable_id(aws: Client):
    ids = resource_ids(aws)
    assert len(set(ids.values())) == 2
    assert all(RESOURCE_ID.match(value) for value in ids.values()), ids
    rds = aws("rds")
    rds.modify_db_instance(DBInstanceIdentifier="first", BackupRetentionPeriod=3,
                           ApplyImmediately=True)
    assert described(aws) == ids
    found = rds.describe_db_instances(
        Filters=[{"Name": "dbi-resource-id", "Values": [ids["second"]]}])["DBInstances"]
    assert [db["DBInstanceIdentifier"] for db in found] == ["second"]


def test_still_needed(unpatched: Client):
    still_needed(len(set(resource_ids(unpatched).values())) < 2, "rds_resource_ids",
                 "a unique DbiResourceId per DB instance")

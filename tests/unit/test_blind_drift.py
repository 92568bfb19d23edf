"""prodstack.ops.blind_drift: what the provider cannot see, named by plan and put back by up."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from botocore.exceptions import ClientError

from prodstack.ops import blind_drift

OUT = {"db_identifier": "prodstack-production-db", "db_secret_arn": "arn:secret:old"}
KEY = "arn:aws:kms:us-west-1:123456789012:key/data"


def rds(instance: dict[str, Any] | None) -> Any:
    calls: list[dict[str, Any]] = []

    def describe(DBInstanceIdentifier: str) -> dict[str, Any]:
        if instance is None:
            raise ClientError({"Error": {"Code": "DBInstanceNotFound", "Message": "gone"}},
                              "DescribeDBInstances")
        return {"DBInstances": [{"DBInstanceIdentifier": DBInstanceIdentifier,
                                 "KmsKeyId": KEY, **instance}]}

    return SimpleNamespace(describe_db_instances=describe, calls=calls,
                           modify_db_instance=lambda **kw: calls.append(kw))


def test_a_password_no_longer_managed_is_named_and_put_back_before_the_plan():
    client = rds({})
    lines = blind_drift.describe(lambda _: client, OUT)
    assert len(lines) == 1 and "no longer managed by RDS" in lines[0]
    said: list[str] = []
    blind_drift.repair(lambda _: client, OUT, False, said.append)
    assert client.calls == [{"DBInstanceIdentifier": "prodstack-production-db",
                             "ManageMasterUserPassword": True,
                             "MasterUserSecretKmsKeyId": KEY, "ApplyImmediately": False}]
    assert said and "turning the management back on" in said[0]


@pytest.mark.parametrize("instance, outputs", [
    ({"MasterUserSecret": {"SecretArn": "arn:secret:old"}}, OUT),  # managed: nothing to do
    (None, OUT),  # deleted by hand: the plan creates it again
    ({}, {}),  # nothing deployed
], ids=["managed", "deleted", "no-outputs"])
def test_nothing_to_put_back(instance, outputs):
    client = rds(instance)
    assert blind_drift.describe(lambda _: client, outputs) == []
    blind_drift.repair(lambda _: client, outputs, True, pytest.fail)
    assert client.calls == []


def test_another_error_is_not_taken_for_a_missing_database():
    def refuse(DBInstanceIdentifier: str) -> None:
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}},
                          "DescribeDBInstances")

    client = SimpleNamespace(describe_db_instances=refuse)
    with pytest.raises(ClientError):
        blind_drift.describe(lambda _: client, OUT)

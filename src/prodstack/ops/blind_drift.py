"""Drift the AWS provider cannot see: a change made by hand that Terraform's refresh does not
read back, so no plan would ever undo it. `prodstack up` puts it back before it plans;
`prodstack plan` names it.

One such change today: the database's RDS-managed master password turned off (FM-X1). The
provider never reads `manage_master_user_password` back from AWS, so its state still says
"managed" and a plan shows no change, while `master_user_secret` reads back empty and every
reference to the secret's ARN fails to plan (terraform-provider-aws issue 34094). Turning the
management back on gives the database a new secret, whose ARN the plan that follows carries
to what reads it (the application's parameter, the instance role's policy).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from prodstack.runtime.targets import ClientFactory


def _unmanaged_database(clients: ClientFactory, outputs: dict[str, Any]) -> dict[str, Any] | None:
    """The stack's database when its master password is no longer managed by RDS."""
    identifier = outputs.get("db_identifier")
    if not identifier or not outputs.get("db_secret_arn"):
        return None  # no database, or a stack that does not manage the password
    try:
        found = clients("rds").describe_db_instances(
            DBInstanceIdentifier=identifier)["DBInstances"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "DBInstanceNotFound":
            return None  # deleted: the plan creates it again
        raise
    return None if not found or found[0].get("MasterUserSecret") else dict(found[0])


def describe(clients: ClientFactory, outputs: dict[str, Any]) -> list[str]:
    """What `prodstack up` would put back, one line each (for `prodstack plan`)."""
    db = _unmanaged_database(clients, outputs)
    if db is None:
        return []
    return [f"{db['DBInstanceIdentifier']}: the master password is no longer managed by RDS "
            "(changed by hand, and the provider cannot see it): `prodstack up` turns it back on"]


def repair(clients: ClientFactory, outputs: dict[str, Any], apply_immediately: bool,
           say: Callable[[str], None]) -> None:
    """Put back what the provider cannot see, before the plan."""
    db = _unmanaged_database(clients, outputs)
    if db is None:
        return
    identifier = db["DBInstanceIdentifier"]
    say(f"{identifier}: the master password is no longer managed by RDS (changed by hand); "
        "turning the management back on")
    # The stack gives the secret the data key, which also encrypts the storage
    # (stack.database): the storage's key is the one to name.
    clients("rds").modify_db_instance(
        DBInstanceIdentifier=identifier, ManageMasterUserPassword=True,
        MasterUserSecretKmsKeyId=db["KmsKeyId"], ApplyImmediately=apply_immediately)

"""Helpers of the strict delivery and role-trust tests: AWS's documented policies, and the
resources (roles, buckets, keys) they are attached to, made through boto3."""

from __future__ import annotations

import json
from typing import Any

from tests.emulator.conftest import REGION, Client

ACCOUNT = "123456789012"  # moto's default account


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def stmt(principal: dict[str, Any] | str | None, actions: str | list[str],
         resources: str | list[str] | None = "*", condition: dict[str, Any] | None = None,
         effect: str = "Allow", sid: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {"Effect": effect, "Action": actions}
    if resources is not None:
        out["Resource"] = resources
    if principal is not None:
        out["Principal"] = principal
    if condition:
        out["Condition"] = condition
    if sid:
        out["Sid"] = sid
    return out


def trust(service: str, condition: dict[str, Any] | None = None) -> str:
    return doc(stmt({"Service": service}, "sts:AssumeRole", None, condition))


def role(client: Client, name: str, trust_policy: str, *permissions: dict[str, Any],
         managed: tuple[str, ...] = ()) -> str:
    iam = client("iam")
    made = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust_policy)
    if permissions:
        iam.put_role_policy(RoleName=name, PolicyName="permissions",
                            PolicyDocument=doc(*permissions))
    for policy_arn in managed:
        iam.attach_role_policy(RoleName=name, PolicyArn=policy_arn)
    return str(made["Role"]["Arn"])


def bucket(client: Client, name: str, *statements: dict[str, Any], sse: str | None = None,
           region: str = REGION, **create: Any) -> str:
    s3 = client("s3")
    config = {} if region == "us-east-1" else {
        "CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=name, **config, **create)
    if statements:
        s3.put_bucket_policy(Bucket=name, Policy=doc(*statements))
    if sse:
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [
            {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": sse}}]})
    return f"arn:aws:s3:::{name}"


def key(client: Client, *statements: dict[str, Any]) -> str:
    """A customer managed key whose policy is the account's admin statement and `statements`."""
    admin = stmt({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "kms:*", sid="EnableIAMUserPermissions")
    made = client("kms").create_key(Policy=doc(admin, *statements))
    return str(made["KeyMetadata"]["Arn"])


def error(exc: Any) -> tuple[str, str]:
    """(code, message) of a botocore ClientError."""
    return exc.value.response["Error"]["Code"], exc.value.response["Error"]["Message"]

"""prodstack.runtime.moto_patches.config_delivery"""

from __future__ import annotations

import contextlib

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.emulator.conftest import Client, still_needed
from tests.emulator.service_policies import ACCOUNT, bucket, role, stmt, trust

pytestmark = pytest.mark.emulator

CONFIG = {"Service": "config.amazonaws.com"}
REGION = "eu-west-3"  # one recorder and one channel per region: this module's own region
MANAGED = "arn:aws:iam::aws:policy/service-role/AWS_ConfigRole"
SLR = f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"


def bucket_for_service(name: str) -> list[dict]:
    """AWS's documented bucket policy for the Config service principal."""
    account = {"aws:SourceAccount": ACCOUNT}
    return [
        stmt(CONFIG, "s3:GetBucketAcl", f"arn:aws:s3:::{name}", {"StringEquals": account},
             sid="AWSConfigBucketPermissionsCheck"),
        stmt(CONFIG, "s3:ListBucket", f"arn:aws:s3:::{name}", {"StringEquals": account},
             sid="AWSConfigBucketExistenceCheck"),
        stmt(CONFIG, "s3:PutObject", f"arn:aws:s3:::{name}/config/AWSLogs/{ACCOUNT}/Config/*",
             {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", **account}},
             sid="AWSConfigBucketDelivery"),
    ]


def role_writes(name: str) -> list[dict]:
    """AWS's documented role policy for the delivery bucket."""
    return [stmt(None, ["s3:PutObject", "s3:PutObjectAcl"],
                 f"arn:aws:s3:::{name}/config/AWSLogs/{ACCOUNT}/*",
                 {"StringLike": {"s3:x-amz-acl": "bucket-owner-full-control"}}),
            stmt(None, "s3:GetBucketAcl", f"arn:aws:s3:::{name}")]


def deliver(client: Client, role_arn: str, name: str) -> tuple[str, str] | None:
    """Point the recorder at the role and the channel at the bucket: the error, or None."""
    config = client("config")
    config.put_configuration_recorder(ConfigurationRecorder={"name": "default",
                                                             "roleARN": role_arn})
    try:
        config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": name,
                                                     "s3KeyPrefix": "config"})
    except ClientError as exc:
        return exc.response["Error"]["Code"], exc.response["Error"]["Message"]
    return None


@pytest.fixture
def here(emulator_url: str) -> Client:
    def make(service: str) -> object:
        return boto3.client(service, region_name=REGION, endpoint_url=emulator_url,
                            aws_access_key_id="test", aws_secret_access_key="test")
    return make


def test_the_recorders_role_must_trust_config_and_write(here: Client):
    bucket(here, "cfg-role", region=REGION)
    refused = "Insufficient delivery policy to s3 bucket: cfg-role, "
    ec2 = role(here, "cfg-ec2", trust("ec2.amazonaws.com"), *role_writes("cfg-role"))
    assert deliver(here, ec2, "cfg-role") == ("InsufficientDeliveryPolicyException",
                                              f"{refused}unable to assume role: {ec2}.")
    missing = f"arn:aws:iam::{ACCOUNT}:role/cfg-missing"
    assert deliver(here, missing, "cfg-role")[1].endswith(f"unable to assume role: {missing}.")
    # prodstack's first shape: AWS_ConfigRole alone, which grants no s3:PutObject.
    managed = role(here, "cfg-managed", trust("config.amazonaws.com"), managed=(MANAGED,))
    assert deliver(here, managed, "cfg-role") == (
        "InsufficientDeliveryPolicyException", f"{refused}unable to write to bucket, provided "
        "s3 key prefix is 'config', provided kms key is 'null'.")
    # The trust may name the account: Config sends aws:SourceAccount when it assumes the role.
    documented = role(here, "cfg-documented", trust("config.amazonaws.com", {
        "StringEquals": {"aws:SourceAccount": ACCOUNT}}), *role_writes("cfg-role"),
        managed=(MANAGED,))
    assert deliver(here, documented, "cfg-role") is None


def test_service_linked_role_needs_the_bucket_policy(here: Client):
    with contextlib.suppress(ClientError):  # made by an earlier test of this session
        here("iam").create_service_linked_role(AWSServiceName="config.amazonaws.com")
    bucket(here, "cfg-slr-none", region=REGION)
    assert deliver(here, SLR, "cfg-slr-none")[1].startswith(
        "Insufficient delivery policy to s3 bucket: cfg-slr-none, unable to get s3 bucket acl")
    bucket(here, "cfg-slr", *bucket_for_service("cfg-slr"), region=REGION)
    assert deliver(here, SLR, "cfg-slr") is None


def test_no_object_lock_with_default_retention(here: Client):
    s3 = here("s3")
    bucket(here, "cfg-locked", region=REGION, ObjectLockEnabledForBucket=True)
    s3.put_object_lock_configuration(Bucket="cfg-locked", ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE",
                                                                      "Days": 1}}})
    writer = role(here, "cfg-locked-writer", trust("config.amazonaws.com"),
                  *role_writes("cfg-locked"))
    assert deliver(here, writer, "cfg-locked")[1].startswith(
        "Insufficient delivery policy to s3 bucket: cfg-locked, unable to write to bucket")


def accepts_a_role_that_cannot_write(client: Client) -> bool:
    ec2 = role(client, "probe-cfg", trust("ec2.amazonaws.com"))
    client("s3").create_bucket(Bucket="probe-cfg",
                               CreateBucketConfiguration={"LocationConstraint": "us-west-1"})
    return deliver(client, ec2, "probe-cfg") is None


def test_still_needed(unpatched: Client):
    still_needed(accepts_a_role_that_cannot_write(unpatched), "config_delivery",
                 "PutDeliveryChannel's role and bucket checks")


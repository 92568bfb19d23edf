"""The CI policy (prodstack.ops.ci_policy) as the strict emulator reads it: a role holding exactly
production's documents may change production's resources and is refused staging's and its own
role, each refusal also listed by the emulator. (The whole life cycle as that role:
tests/e2e/test_lifecycle.py.)"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from prodstack.config.load import load_settings
from prodstack.ops.ci_policy import policies
from prodstack.runtime import emulator
from tests.emulator.conftest import REGION, Client

pytestmark = pytest.mark.emulator

ACCOUNT = "123456789012"


def refused(call: Any) -> str | None:
    try:
        call()
    except ClientError as exc:
        return str(exc.response["Error"]["Code"])
    return None


@pytest.fixture(scope="module")
def ci(aws: Client) -> Client:
    """A session of production's CI role (made as docs/ci.md makes it)."""
    settings = replace(load_settings(env="production"), state_bucket="acme-tfstate")
    iam, name = aws("iam"), settings.names.ci_role
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "sts:AssumeRole",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}}]}))
    for policy in policies(settings, ACCOUNT):
        arn = iam.create_policy(PolicyName=policy.name,
                                PolicyDocument=json.dumps(policy.document))["Policy"]["Arn"]
        iam.attach_role_policy(RoleName=name, PolicyArn=arn)
    creds = aws("sts").assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/{name}",
                                   RoleSessionName="ci")["Credentials"]
    endpoint = aws("sts").meta.endpoint_url
    return lambda service: boto3.client(
        service, region_name=REGION, endpoint_url=endpoint,
        aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"])


def test_production_is_granted(ci: Client):
    ssm, iam, logs, s3 = ci("ssm"), ci("iam"), ci("logs"), ci("s3")
    assert refused(lambda: ssm.put_parameter(Name="/prodstack/production/release",
                                             Value="{}", Type="String")) is None
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRole",
        "Principal": {"Service": "ec2.amazonaws.com"}}]})
    assert refused(lambda: iam.create_role(RoleName="prodstack-production-us-west-1-web",
                                           AssumeRolePolicyDocument=trust)) is None
    assert refused(lambda: logs.create_log_group(
        logGroupName="/prodstack-production/vpc-flow-logs")) is None
    assert refused(lambda: s3.create_bucket(
        Bucket=f"prodstack-production-logs-{ACCOUNT}-{REGION}",
        CreateBucketConfiguration={"LocationConstraint": REGION})) is None
    assert refused(lambda: ci("resourcegroupstaggingapi").get_resources()) is None


def test_staging_and_the_role_itself_are_refused_and_listed(ci: Client, emulator_url: str):
    ssm, iam, logs, s3 = ci("ssm"), ci("iam"), ci("logs"), ci("s3")
    before = len(emulator.refusals(emulator_url))
    assert refused(lambda: ssm.put_parameter(Name="/prodstack/staging/release",
                                             Value="{}", Type="String")) == \
        "AccessDeniedException"
    assert refused(lambda: iam.put_role_policy(
        RoleName="prodstack-ci-production-us-west-1", PolicyName="more",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"}]}))) == "AccessDenied"
    assert refused(lambda: logs.create_log_group(
        logGroupName="/prodstack-staging/vpc-flow-logs")) == "AccessDeniedException"
    assert refused(lambda: s3.create_bucket(
        Bucket=f"prodstack-staging-logs-{ACCOUNT}-{REGION}",
        CreateBucketConfiguration={"LocationConstraint": REGION})) == "AccessDenied"
    listed = [r["action"] for r in emulator.refusals(emulator_url)[before:]]
    assert listed == ["ssm:PutParameter", "iam:PutRolePolicy", "logs:CreateLogGroup",
                      "s3:CreateBucket"]

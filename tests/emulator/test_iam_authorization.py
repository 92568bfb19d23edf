"""prodstack.runtime.moto_patches.iam_authorization: act as an instance role (assume it) and
read and write a bucket and its KMS key, SSM parameters and a secret; refused without the grants,
allowed with them; the emulator's administrator (key `test`) stays unrestricted."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.emulator.conftest import REGION, Client, still_needed

pytestmark = pytest.mark.emulator

ACCOUNT = "123456789012"


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: str | list[str], resource: str | list[str]) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def error(call: Callable[[], object]) -> tuple[str, str, int] | None:
    try:
        call()
        return None
    except ClientError as exc:
        return (exc.response["Error"]["Code"], exc.response["Error"]["Message"],
                exc.response["ResponseMetadata"]["HTTPStatusCode"])


def role_session(aws: Client, name: str, session_policy: str | None = None,
                 **role: Any) -> tuple[Client, str]:
    """An instance role (EC2 may assume it; so may the account), assumed: its clients and
    its session's ARN."""
    if session_policy is None:
        aws("iam").create_role(RoleName=name, AssumeRolePolicyDocument=policy(
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {
                "Service": "ec2.amazonaws.com", "AWS": f"arn:aws:iam::{ACCOUNT}:root"}}),
            **role)
    extra = {"Policy": session_policy} if session_policy else {}
    creds = aws("sts").assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/{name}",
                                   RoleSessionName="i-0123", **extra)["Credentials"]
    endpoint = aws("sts").meta.endpoint_url

    def make(service: str) -> Any:
        return boto3.client(service, region_name=REGION, endpoint_url=endpoint,
                            aws_access_key_id=creds["AccessKeyId"],
                            aws_secret_access_key=creds["SecretAccessKey"],
                            aws_session_token=creds["SessionToken"])
    return make, f"arn:aws:sts::{ACCOUNT}:assumed-role/{name}/i-0123"


@pytest.fixture(scope="module")
def data(aws: Client) -> dict[str, str]:
    """What the role reads and writes, made by the administrator."""
    kms, s3, ssm = aws("kms"), aws("s3"), aws("ssm")
    key = kms.create_key()["KeyMetadata"]["Arn"]
    s3.create_bucket(Bucket="authz-data", CreateBucketConfiguration={
        "LocationConstraint": REGION})
    s3.put_bucket_encryption(Bucket="authz-data", ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms",
                                                "KMSMasterKeyID": key}}]})
    s3.put_object(Bucket="authz-data", Key="config.json", Body=b"{}")
    ssm.put_parameter(Name="/authz/app/db-host", Value="db.internal", Type="String")
    ssm.put_parameter(Name="/authz/ops/token", Value="t", Type="SecureString")
    secret = aws("secretsmanager").create_secret(Name="authz-db", SecretString="pw",
                                                 KmsKeyId=key)["ARN"]
    return {"key": key, "secret": secret}


def uses(role: Client, data: dict[str, str]) -> dict[str, Callable[[], object]]:
    return {
        "s3:PutObject": lambda: role("s3").put_object(Bucket="authz-data", Key="out.txt",
                                                      Body=b"x"),
        "s3:GetObject": lambda: role("s3").get_object(Bucket="authz-data", Key="config.json"),
        "kms:Decrypt": lambda: role("kms").decrypt(CiphertextBlob=role("kms").encrypt(
            KeyId=data["key"], Plaintext=b"x")["CiphertextBlob"]),
        "ssm:GetParameter": lambda: role("ssm").get_parameter(Name="/authz/app/db-host"),
        "secretsmanager:GetSecretValue": lambda: role("secretsmanager").get_secret_value(
            SecretId="authz-db"),
    }


def grants(data: dict[str, str]) -> str:
    return policy(
        allow(["s3:GetObject", "s3:PutObject"], "arn:aws:s3:::authz-data/*"),
        allow(["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"], data["key"]),
        allow("ssm:GetParameter", f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/authz/app/*"),
        allow("secretsmanager:GetSecretValue", data["secret"]))


def test_a_role_is_refused_without_grants_and_allowed_with_them(aws: Client, data):
    role, session = role_session(aws, "authz-instance")
    refused = {name: error(call) for name, call in uses(role, data).items()}
    assert refused["s3:GetObject"] == (
        "AccessDenied", f"User: {session} is not authorized to perform: s3:GetObject on "
        "resource: \"arn:aws:s3:::authz-data/config.json\" because no identity-based policy "
        "allows the s3:GetObject action", 403)
    assert refused["ssm:GetParameter"] == (
        "AccessDeniedException", f"User: {session} is not authorized to perform: "
        f"ssm:GetParameter on resource: arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/authz/app/"
        "db-host because no identity-based policy allows the ssm:GetParameter action", 400)
    assert refused["kms:Decrypt"] == (
        "AccessDeniedException", f"User: {session} is not authorized to perform: kms:Encrypt "
        f"on resource: {data['key']} because no identity-based policy allows the kms:Encrypt "
        "action", 400)
    assert refused["secretsmanager:GetSecretValue"][:2] == (
        "AccessDeniedException", f"User: {session} is not authorized to perform: "
        f"secretsmanager:GetSecretValue on resource: {data['secret']} because no "
        "identity-based policy allows the secretsmanager:GetSecretValue action")
    assert refused["s3:PutObject"] is not None

    aws("iam").put_role_policy(RoleName="authz-instance", PolicyName="app",
                               PolicyDocument=grants(data))
    assert {name: error(call) for name, call in uses(role, data).items()} == dict.fromkeys(
        uses(role, data))
    # only what is granted: another parameter path, another action
    assert error(lambda: role("ssm").get_parameter(Name="/authz/ops/token"))[0] == \
        "AccessDeniedException"
    assert error(lambda: role("s3").delete_object(Bucket="authz-data", Key="out.txt"))[0] == \
        "AccessDenied"
    # an explicit deny wins
    aws("iam").put_role_policy(RoleName="authz-instance", PolicyName="deny",
                               PolicyDocument=policy({"Effect": "Deny",
                                                      "Action": "ssm:GetParameter",
                                                      "Resource": "*"}))
    denied = error(lambda: role("ssm").get_parameter(Name="/authz/app/db-host"))
    assert denied and denied[1].endswith("with an explicit deny in an identity-based policy")
    # the administrator is never restricted
    assert aws("ssm").get_parameter(Name="/authz/app/db-host")["Parameter"]["Value"]


def test_the_kms_key_policy_and_sse_kms_objects(aws: Client, data):
    role, session = role_session(aws, "authz-keyless")
    aws("iam").put_role_policy(RoleName="authz-keyless", PolicyName="s3-only",
                               PolicyDocument=policy(allow(["s3:GetObject", "s3:PutObject"],
                                                           "arn:aws:s3:::authz-data/*")))
    # S3 grants the object, but writing or reading an SSE-KMS object needs the key too
    assert error(lambda: role("s3").put_object(Bucket="authz-data", Key="k", Body=b"x")) == (
        "AccessDenied", f"User: {session} is not authorized to perform: kms:GenerateDataKey on "
        f"resource: {data['key']} because no identity-based policy allows the "
        "kms:GenerateDataKey action", 403)
    assert error(lambda: role("s3").get_object(Bucket="authz-data", Key="config.json"))[1] \
        .startswith(f"User: {session} is not authorized to perform: kms:Decrypt")
    # a key whose policy allows neither the role nor the account refuses even an IAM grant
    closed = aws("kms").create_key(Policy=policy({
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/nobody"},
        "Action": "kms:*", "Resource": "*"}))["KeyMetadata"]["Arn"]
    aws("iam").put_role_policy(RoleName="authz-keyless", PolicyName="kms",
                               PolicyDocument=policy(allow("kms:*", "*")))
    assert error(lambda: role("kms").encrypt(KeyId=closed, Plaintext=b"x")) == (
        "AccessDeniedException", f"User: {session} is not authorized to perform: kms:Encrypt on "
        f"resource: {closed} because no resource-based policy allows the kms:Encrypt action",
        400)
    assert error(lambda: role("s3").put_object(Bucket="authz-data", Key="k", Body=b"x")) is None


def test_a_bucket_policy_naming_the_role_grants_and_the_service_shapes(aws: Client):
    role, session = role_session(aws, "authz-reader")
    aws("s3").create_bucket(Bucket="authz-public", CreateBucketConfiguration={
        "LocationConstraint": REGION})
    aws("s3").put_object(Bucket="authz-public", Key="page.html", Body=b"<p>")
    aws("s3").put_bucket_policy(Bucket="authz-public", Policy=policy({
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/authz-reader"},
        "Action": "s3:GetObject", "Resource": "arn:aws:s3:::authz-public/*"}))
    assert role("s3").get_object(Bucket="authz-public", Key="page.html")["Body"].read() == b"<p>"
    assert error(lambda: role("ec2").describe_vpcs()) == (
        "UnauthorizedOperation", "You are not authorized to perform this operation. User: "
        f"{session} is not authorized to perform: ec2:DescribeVpcs because no identity-based "
        "policy allows the ec2:DescribeVpcs action", 403)
    assert error(lambda: role("iam").list_users())[::2] == ("AccessDenied", 403)
    assert role("sts").get_caller_identity()["Arn"] == session


def test_a_permissions_boundary_limits_the_role(aws: Client):
    boundary = aws("iam").create_policy(PolicyName="authz-s3-only", PolicyDocument=policy(
        allow("s3:*", "*")))["Policy"]["Arn"]
    role, _ = role_session(aws, "authz-bounded", PermissionsBoundary=boundary)
    aws("iam").put_role_policy(RoleName="authz-bounded", PolicyName="all",
                               PolicyDocument=policy(allow("*", "*")))
    assert error(lambda: role("s3").list_buckets()) is None
    refused = error(lambda: role("ssm").get_parameter(Name="/authz/app/db-host"))
    assert refused and refused[1].endswith(
        "because no permissions boundary allows the ssm:GetParameter action")
    # a session policy given to AssumeRole limits that session alike
    narrow, _ = role_session(aws, "authz-bounded", session_policy=policy(
        allow("s3:ListAllMyBuckets", "*")))
    assert error(lambda: narrow("s3").list_buckets()) is None
    refused = error(lambda: narrow("s3").get_object(Bucket="authz-data", Key="config.json"))
    assert refused and refused[1].endswith(
        "because no session policy allows the s3:GetObject action")


def test_still_needed(unpatched: Client):
    iam = unpatched("iam")
    iam.create_user(UserName="probe")
    key = iam.create_access_key(UserName="probe")["AccessKey"]
    s3 = boto3.client("s3", region_name=REGION, aws_access_key_id=key["AccessKeyId"],
                      aws_secret_access_key=key["SecretAccessKey"])
    still_needed(error(s3.list_buckets) is None, "iam_authorization",
                 "authorization of requests signed by IAM identities")


def test_what_the_ci_role_meets_is_authorized_as_aws_does(aws: Client, emulator_url: str):
    """The CI role's requests (docs/ci.md): a maintenance window's names are no parameters;
    the Tagging API is `tag:`; DeleteObjects is authorized on each object; AttachRolePolicy
    carries iam:PolicyARN; and each refusal is listed by the emulator."""
    allowed = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
    role, arn = role_session(aws, "authz-ci")
    aws("iam").put_role_policy(RoleName="authz-ci", PolicyName="ci", PolicyDocument=policy(
        allow(["ssm:CreateMaintenanceWindow", "tag:GetResources"], "*"),
        allow("ssm:RegisterTargetWithMaintenanceWindow",
              f"arn:aws:ssm:{REGION}:{ACCOUNT}:maintenancewindow/*"),
        allow(["s3:PutObject", "s3:DeleteObject"], "arn:aws:s3:::authz-ci/*"),
        {**allow("iam:AttachRolePolicy", f"arn:aws:iam::{ACCOUNT}:role/authz-ci-*"),
         "Condition": {"ArnEquals": {"iam:PolicyARN": [allowed]}}}))
    aws("s3").create_bucket(Bucket="authz-ci", CreateBucketConfiguration={
        "LocationConstraint": REGION})
    aws("iam").create_role(RoleName="authz-ci-web", AssumeRolePolicyDocument=policy(
        {"Effect": "Allow", "Action": "sts:AssumeRole",
         "Principal": {"Service": "ec2.amazonaws.com"}}))
    ssm = role("ssm")
    window = ssm.create_maintenance_window(Name="authz-ci-patching", Schedule="rate(7 days)",
                                           Duration=2, Cutoff=1,
                                           AllowUnassociatedTargets=False)["WindowId"]
    assert error(lambda: ssm.register_target_with_maintenance_window(
        WindowId=window, Name="web-tier", ResourceType="INSTANCE",
        Targets=[{"Key": "tag:tier", "Values": ["web"]}])) is None
    assert error(lambda: role("resourcegroupstaggingapi").get_resources()) is None
    s3 = role("s3")
    s3.put_object(Bucket="authz-ci", Key="a.txt", Body=b"a")
    deleted = s3.delete_objects(Bucket="authz-ci", Delete={"Objects": [{"Key": "a.txt"}]})
    assert not deleted.get("Errors"), deleted
    iam = role("iam")
    assert error(lambda: iam.attach_role_policy(RoleName="authz-ci-web",
                                                PolicyArn=allowed)) is None
    refused = error(lambda: iam.attach_role_policy(
        RoleName="authz-ci-web", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess"))
    assert refused and refused[0] == "AccessDenied"
    listed = json.loads(urllib.request.urlopen(
        f"{emulator_url}/moto-api/prodstack/access-denied", timeout=30).read())["refusals"]
    assert {"principal": arn, "action": "iam:AttachRolePolicy",
            "resource": f"arn:aws:iam::{ACCOUNT}:role/authz-ci-web"}.items() <= next(
        r for r in listed if r["principal"] == arn).items()

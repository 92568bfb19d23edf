"""prodstack.runtime.moto_patches.alb_access_logs"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.emulator.conftest import REGION, Client, still_needed
from tests.emulator.service_policies import ACCOUNT, bucket, error, stmt

pytestmark = pytest.mark.emulator

ELB_ACCOUNT = "027434742980"  # us-west-1's Elastic Load Balancing account
US_EAST_1_ELB = "127311923021"


def load_balancer(client: Client, name: str) -> str:
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{i}.0/24",
                                 AvailabilityZone=f"{REGION}{zone}")["Subnet"]["SubnetId"]
               for i, zone in enumerate("ab")]
    return str(client("elbv2").create_load_balancer(Name=name, Subnets=subnets)[
        "LoadBalancers"][0]["LoadBalancerArn"])


def enable(client: Client, arn: str, name: str, prefix: str = "alb") -> tuple[str, str] | None:
    try:
        client("elbv2").modify_load_balancer_attributes(LoadBalancerArn=arn, Attributes=[
            {"Key": "access_logs.s3.enabled", "Value": "true"},
            {"Key": "access_logs.s3.bucket", "Value": name},
            {"Key": "access_logs.s3.prefix", "Value": prefix}])
    except ClientError as exc:
        return exc.response["Error"]["Code"], exc.response["Error"]["Message"]
    return None


def write(principal: dict, name: str) -> dict:
    return stmt(principal, "s3:PutObject", f"arn:aws:s3:::{name}/alb/AWSLogs/{ACCOUNT}/*")


def test_the_bucket_must_let_elastic_load_balancing_write(aws: Client):
    arn = load_balancer(aws, "alb-logs")
    nlb_style = stmt({"Service": "delivery.logs.amazonaws.com"}, "s3:PutObject",
                     "arn:aws:s3:::alb-nlb-style/*")
    bucket(aws, "alb-nlb-style", nlb_style)
    bucket(aws, "alb-other-region", write({"AWS": f"arn:aws:iam::{US_EAST_1_ELB}:root"},
                                          "alb-other-region"))
    bucket(aws, "alb-no-policy")
    for name in ("alb-nlb-style", "alb-other-region", "alb-no-policy"):
        assert enable(aws, arn, name) == (
            "InvalidConfigurationRequest",
            f"Access Denied for bucket: {name}. Please check S3bucket permission")
    bucket(aws, "alb-elb-account", write({"AWS": f"arn:aws:iam::{ELB_ACCOUNT}:root"},
                                         "alb-elb-account"), sse="AES256")
    assert enable(aws, arn, "alb-elb-account") is None
    bucket(aws, "alb-log-delivery",
           write({"Service": "logdelivery.elasticloadbalancing.amazonaws.com"},
                 "alb-log-delivery"))
    assert enable(aws, arn, "alb-log-delivery") is None
    assert enable(aws, arn, "alb-log-delivery", prefix="elsewhere")[0] == \
        "InvalidConfigurationRequest"


def test_sse_kms_buckets_are_refused(aws: Client):
    arn = load_balancer(aws, "alb-kms")
    bucket(aws, "alb-kms-logs", write({"AWS": f"arn:aws:iam::{ELB_ACCOUNT}:root"},
                                      "alb-kms-logs"), sse="aws:kms")
    assert enable(aws, arn, "alb-kms-logs")[0] == "InvalidConfigurationRequest"


def test_disabling_is_never_refused(aws: Client):
    arn = load_balancer(aws, "alb-off")
    aws("elbv2").modify_load_balancer_attributes(LoadBalancerArn=arn, Attributes=[
        {"Key": "access_logs.s3.enabled", "Value": "false"}])
    with pytest.raises(ClientError) as exc:
        aws("elbv2").modify_load_balancer_attributes(LoadBalancerArn=arn, Attributes=[
            {"Key": "access_logs.s3.enabled", "Value": "true"},
            {"Key": "access_logs.s3.bucket", "Value": "alb-none-such"}])
    assert error(exc)[0] == "InvalidConfigurationRequest"


def accepts_a_bucket_without_policy(client: Client) -> bool:
    arn = load_balancer(client, "probe")
    client("s3").create_bucket(Bucket="probe-alb",
                               CreateBucketConfiguration={"LocationConstraint": REGION})
    return enable(client, arn, "probe-alb") is None


def test_still_needed(unpatched: Client):
    still_needed(accepts_a_bucket_without_policy(unpatched), "alb_access_logs",
                 "the access-log bucket check of ModifyLoadBalancerAttributes")

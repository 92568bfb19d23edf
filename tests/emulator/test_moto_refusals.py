"""Refusals of AWS's that moto 5.2.5 already makes (so no module in prodstack.runtime.moto_patches):
kept here so that a moto upgrade that drops one is noticed.

AWS Config (AWS Config Developer Guide, "Service Limits for AWS Config": one configuration
recorder and one delivery channel per account and Region;
https://docs.aws.amazon.com/config/latest/developerguide/configlimits.html).
"""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.emulator.conftest import Client

pytestmark = pytest.mark.emulator

REGION = "ca-central-1"  # a Region of its own: the limits count every recorder in it


def test_one_configuration_recorder_and_one_delivery_channel_per_region(aws: Client):
    endpoint = aws("config").meta.endpoint_url
    config = boto3.client("config", region_name=REGION, endpoint_url=endpoint,
                          aws_access_key_id="test", aws_secret_access_key="test")
    # a role Config may assume and a bucket it may write to, as AWS needs them
    role = aws("iam").create_role(RoleName="config-limits", AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "config.amazonaws.com"},
            "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    # same-account delivery writes as the recorder's role (strict mode checks it)
    aws("iam").put_role_policy(RoleName="config-limits", PolicyName="deliver",
                               PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                                   {"Effect": "Allow",
                                    "Action": ["s3:GetBucketAcl", "s3:PutObject"],
                                    "Resource": ["arn:aws:s3:::config-limits",
                                                 "arn:aws:s3:::config-limits/*"]}]}))
    s3 = boto3.client("s3", region_name=REGION, endpoint_url=endpoint,
                      aws_access_key_id="test", aws_secret_access_key="test")
    s3.create_bucket(Bucket="config-limits",
                     CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_policy(Bucket="config-limits", Policy=json.dumps(
        {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "config.amazonaws.com"},
            "Action": ["s3:GetBucketAcl", "s3:ListBucket", "s3:PutObject"],
            "Resource": ["arn:aws:s3:::config-limits", "arn:aws:s3:::config-limits/*"]}]}))
    config.put_configuration_recorder(ConfigurationRecorder={"name": "one", "roleARN": role})
    config.put_configuration_recorder(ConfigurationRecorder={"name": "one", "roleARN": role})
    with pytest.raises(ClientError) as second:
        config.put_configuration_recorder(ConfigurationRecorder={"name": "two",
                                                                 "roleARN": role})
    assert second.value.response["Error"] == {
        "Code": "MaxNumberOfConfigurationRecordersExceededException",
        "Message": "Failed to put configuration recorder 'two' because the maximum number of "
                   "configuration recorders: 1 is reached."}
    config.put_delivery_channel(DeliveryChannel={"name": "one", "s3BucketName": "config-limits"})
    with pytest.raises(ClientError) as channel:
        config.put_delivery_channel(DeliveryChannel={"name": "two",
                                                     "s3BucketName": "config-limits"})
    assert channel.value.response["Error"] == {
        "Code": "MaxNumberOfDeliveryChannelsExceededException",
        "Message": "Failed to put delivery channel 'two' because the maximum number of "
                   "delivery channels: 1 is reached."}
    # another Region has its own
    other = boto3.client("config", region_name="ca-west-1", endpoint_url=endpoint,
                         aws_access_key_id="test", aws_secret_access_key="test")
    other.put_configuration_recorder(ConfigurationRecorder={"name": "two", "roleARN": role})
    other.delete_configuration_recorder(ConfigurationRecorderName="two")

"""prodstack.runtime.moto_patches.alarm_topic_key"""

from __future__ import annotations

import json

import pytest
import requests

from tests.emulator.conftest import Client, still_needed
from tests.emulator.service_policies import key, stmt

pytestmark = pytest.mark.emulator

PUBLISH = ["kms:Decrypt", "kms:GenerateDataKey*"]


def alarm_to_topic(client: Client, name: str, kms_key: str | None) -> str:
    """A topic (encrypted with `kms_key`) with a queue subscribed, an alarm notifying it, and
    the alarm set to ALARM: the queue's URL."""
    sns, sqs = client("sns"), client("sqs")
    attributes = {"KmsMasterKeyId": kms_key} if kms_key else {}
    topic = sns.create_topic(Name=name, Attributes=attributes)["TopicArn"]
    queue = sqs.create_queue(QueueName=name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    cloudwatch = client("cloudwatch")
    cloudwatch.put_metric_alarm(
        AlarmName=name, Namespace="AWS/ApplicationELB", MetricName="HTTPCode_ELB_5XX_Count",
        Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold", AlarmActions=[topic])
    cloudwatch.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="test")
    return str(queue)


def received(client: Client, queue: str) -> list[dict]:
    messages = client("sqs").receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get(
        "Messages", [])
    return [json.loads(json.loads(m["Body"])["Message"]) for m in messages]


def recorded(url: str, alarm: str) -> list[dict]:
    found = requests.get(f"{url}/moto-api/prodstack/alarm-notifications", timeout=10).json()
    return [n for n in found["notifications"] if n["alarm"] == alarm]


def test_notifications_to_a_key_cloudwatch_may_not_use_are_dropped(aws: Client,
                                                                    emulator_url: str):
    sns_only = key(aws, stmt({"Service": "sns.amazonaws.com"}, PUBLISH, "*"))
    for name, kms_key in (("atk-sns-only", sns_only), ("atk-managed", "alias/aws/sns")):
        queue = alarm_to_topic(aws, name, kms_key)
        assert received(aws, queue) == []
        [note] = recorded(emulator_url, name)
        assert (note["delivered"], note["state"]) == (False, "ALARM")
        assert "does not have authorization to access the SNS topic encryption key" in \
            note["reason"]


def test_notifications_are_delivered_when_the_key_admits_cloudwatch(aws: Client,
                                                                     emulator_url: str):
    documented = key(aws, stmt({"Service": "cloudwatch.amazonaws.com"}, PUBLISH, "*",
                               sid="AllowCloudWatchAlarms"))
    for name, kms_key in (("atk-documented", documented), ("atk-plain", None)):
        queue = alarm_to_topic(aws, name, kms_key)
        [message] = received(aws, queue)
        assert (message["AlarmName"], message["NewStateValue"]) == (name, "ALARM")
        assert [n["delivered"] for n in recorded(emulator_url, name)] == [True]


def delivers_nothing(client: Client) -> bool:
    return received(client, alarm_to_topic(client, "probe", None)) == []


def test_still_needed(unpatched: Client):
    still_needed(delivers_nothing(unpatched), "alarm_topic_key",
                 "alarm notifications to SNS (and their drop for a key CloudWatch may not use)")

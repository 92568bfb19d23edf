"""Strict: a CloudWatch alarm notifies its SNS topics when its state changes, and the
notification to a topic whose key CloudWatch may not use is dropped, silently, as AWS drops
it; each notification is recorded where a test (and prodstack verify) can read it.

moto: an alarm's state change (SetAlarmState) publishes nothing to the topics in its actions,
so an alarm to an encrypted topic looks the same whatever the key policy says.
AWS (CloudWatch API reference, "SetAlarmState", "PutMetricAlarm"; Amazon SNS developer guide,
"Encryption at rest", "Enable compatibility between event sources from AWS services and
encrypted topics"): on a state change, CloudWatch publishes to the topics of that state's
actions. A topic encrypted with a KMS key takes the message only if the key policy lets
`cloudwatch.amazonaws.com` kms:Decrypt and kms:GenerateDataKey* (the AWS managed key
alias/aws/sns never does); otherwise nothing is refused at create time and the notification is
dropped (the alarm's history shows "CloudWatch Alarms does not have authorization to access
the SNS topic encryption key"). The request is AR-7's (prodstack.catalog.ready), decided by
its evaluator.

Recorded: `GET /moto-api/prodstack/alarm-notifications` answers {"notifications": [{"alarm",
"alarmArn", "state", "topic", "delivered", "reason"}]} for every notification since start.
"""

from __future__ import annotations

import json
from typing import Any

from moto.cloudwatch.models import CloudWatchBackend
from moto.core.utils import iso_8601_datetime_with_milliseconds, utcnow
from moto.moto_api._internal import urls as moto_api_urls
from moto.sns.models import sns_backends

from prodstack.runtime.moto_patches import _service_policies as sp

MOTO_VERSION = "5.2.5"
PAGE = "https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html"
ROUTE = "{0}/moto-api/prodstack/alarm-notifications"
CLOUDWATCH = sp.service("cloudwatch.amazonaws.com")
NO_KEY_ACCESS = ("CloudWatch Alarms does not have authorization to access the SNS topic "
                 "encryption key.")
NOTIFICATIONS: list[dict[str, Any]] = []

REFUSES = (
    ("a CloudWatch alarm's notification to an SNS topic encrypted with alias/aws/sns, or with "
     "a key whose policy does not let cloudwatch.amazonaws.com kms:Decrypt and "
     "kms:GenerateDataKey*: AWS refuses nothing at create time and drops the notification "
     "silently; the emulator drops it too and lists it at "
     "/moto-api/prodstack/alarm-notifications (delivered: false)",
     "none (dropped silently)", PAGE),
)


def key_refuses(account: str, region: str, key_id: str, alarm_arn: str) -> bool:
    found = sp.key(account, region, key_id)
    if found is None or sp.aws_managed(found):
        return True
    context = {"aws:SourceAccount": account, "aws:SourceArn": alarm_arn}
    return not all(sp.allows(sp.key_policy(found), sp.request(action, (found.arn,), CLOUDWATCH,
                                                              context))
                   for action in ("kms:Decrypt", "kms:GenerateDataKey"))


def notify(backend: CloudWatchBackend, alarm: Any, old: str) -> None:
    actions = {"ALARM": alarm.alarm_actions, "OK": alarm.ok_actions,
               "INSUFFICIENT_DATA": alarm.insufficient_data_actions}[alarm.state_value]
    for arn in actions or []:
        parts = str(arn).split(":")
        if len(parts) < 6 or parts[2] != "sns":
            continue
        topic = sns_backends[parts[4]][parts[3]].topics.get(arn)
        record = {"alarm": alarm.name, "alarmArn": alarm.alarm_arn, "state": alarm.state_value,
                  "topic": arn, "delivered": False, "reason": ""}
        if topic is None:
            record["reason"] = "the topic does not exist"
        elif topic.kms_master_key_id and key_refuses(parts[4], parts[3],
                                                     topic.kms_master_key_id, alarm.alarm_arn):
            record["reason"] = NO_KEY_ACCESS
        else:
            topic.publish(json.dumps({
                "AlarmName": alarm.name, "AlarmArn": alarm.alarm_arn, "Region":
                backend.region_name, "AWSAccountId": backend.account_id, "OldStateValue": old,
                "NewStateValue": alarm.state_value, "NewStateReason": alarm.state_reason,
                "StateChangeTime": iso_8601_datetime_with_milliseconds(utcnow())}),
                subject=f'{alarm.state_value}: "{alarm.name}" in {backend.region_name}')
            record["delivered"] = True
        NOTIFICATIONS.append(record)


def notifications_response(request: Any, full_url: str, headers: Any) -> tuple[int, dict, str]:
    return 200, {"Content-Type": "application/json"}, json.dumps(
        {"notifications": NOTIFICATIONS})


def apply() -> None:
    set_state = CloudWatchBackend.set_alarm_state

    def set_alarm_state(self: CloudWatchBackend, alarm_name: str, reason: str,
                        reason_data: str, state_value: str) -> None:
        alarm = self.alarms.get(alarm_name)
        old = alarm.state_value if alarm is not None else None
        set_state(self, alarm_name, reason, reason_data, state_value)
        alarm = self.alarms[alarm_name]
        if alarm.actions_enabled and old != alarm.state_value:
            notify(self, alarm, str(old))

    CloudWatchBackend.set_alarm_state = set_alarm_state  # type: ignore[method-assign]
    moto_api_urls.url_paths[ROUTE] = notifications_response

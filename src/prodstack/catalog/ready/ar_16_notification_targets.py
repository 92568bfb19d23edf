"""AR-16: S3 event notifications to a queue, topic or function that does not let S3 deliver:
PutBucketNotificationConfiguration validates every destination and refuses the whole
configuration."""

from __future__ import annotations

from collections.abc import Iterator

from prodstack.catalog.model import AuditInput, Cases, Entry, Hit, Made, Rule, Unseen
from prodstack.catalog.ready_destinations import (
    aws_managed_key,
    delivers,
    destination_policy,
    invokers,
)
from prodstack.catalog.ready_fixtures import ReadyBuilder, allow, policy
from prodstack.catalog.ready_queries import linked, s3_arn
from prodstack.catalog.unseen import cannot_tell

S3 = "s3.amazonaws.com"
# destination block -> (attribute, type, the action S3 calls)
TARGETS = {
    "queue": ("queue_arn", "aws_sqs_queue", "sqs:SendMessage"),
    "topic": ("topic_arn", "aws_sns_topic", "sns:Publish"),
}
REFUSED = ("PutBucketNotificationConfiguration fails with InvalidArgument (\"Unable to "
           "validate the following destination configurations\")")


def rule(inp: AuditInput) -> Iterator[Hit | Unseen]:
    plan = inp.plan
    for note in plan.of("aws_s3_bucket_notification"):
        buckets = linked(plan, note, ("bucket",), "aws_s3_bucket")
        source = s3_arn(plan, buckets[0]) if buckets else "*"
        for block, (attr, type_, action) in TARGETS.items():
            for target in linked(plan, note, (block, attr), type_):
                verdict = delivers(plan, target, S3, source)
                if verdict is None:
                    yield cannot_tell(note.address, f"the policy of {target.address} lets "
                                      f"{S3} call {action}", destination_policy(plan, target))
                elif verdict is False:
                    yield Hit(note.address, f"the policy of {target.address} does not let "
                              f"{S3} call {action}: {REFUSED}")
                managed = aws_managed_key(target)
                if managed:
                    yield Hit(note.address, f"{target.address} is encrypted with the AWS "
                              f"managed key {managed}, whose policy cannot let S3 use it: "
                              f"{REFUSED}")
        for fn in linked(plan, note, ("lambda_function", "lambda_function_arn"),
                         "aws_lambda_function"):
            if not invokers(plan, fn, S3):
                yield Hit(note.address, f"no aws_lambda_permission lets {S3} "
                          f"invoke {fn.address}: {REFUSED}")


cases = Cases()
BUCKET = "arn:aws:s3:::acme-uploads"


def _stack(queue_statement: dict[str, object] | None, kms: str | None = None) -> ReadyBuilder:
    """An uploads bucket notifying a queue that a module creates, the policy jsonencoded."""
    b = ReadyBuilder()
    b.add("aws_s3_bucket.uploads", {"bucket": "acme-uploads"}, unknown={"arn": True,
                                                                        "id": True})
    b.add("module.queue.aws_sqs_queue.this[0]", {"name": "uploads", "kms_master_key_id": kms},
          unknown={"arn": True, "id": True, "url": True})
    b.module("module.queue", outputs={"arn": ["aws_sqs_queue.this[0].arn",
                                              "aws_sqs_queue.this"]})
    if queue_statement is not None:
        b.add("module.queue.aws_sqs_queue_policy.this[0]", {"policy": policy(queue_statement)},
              refs={"queue_url": ["aws_sqs_queue.this[0].url", "aws_sqs_queue.this"]},
              unknown={"queue_url": True})
    b.add("aws_s3_bucket_notification.uploads", {"queue": [{"events": ["s3:ObjectCreated:*"]}]},
          refs={"bucket": ["aws_s3_bucket.uploads.id", "aws_s3_bucket.uploads"],
                "queue.queue_arn": ["module.queue.arn", "module.queue"]},
          unknown={"bucket": True, "queue": [{"queue_arn": True}]})
    return b


SEND = allow({"Service": "s3.amazonaws.com"}, "sqs:SendMessage",
             "arn:aws:sqs:us-east-1:111122223333:uploads",
             {"ArnEquals": {"aws:SourceArn": BUCKET}})


@cases.fires("aws_s3_bucket_notification.uploads")
def queue_without_a_policy() -> Made:
    """hashicorp/terraform-provider-aws#11219."""
    return _stack(None), None


@cases.fires("aws_s3_bucket_notification.uploads")
def queue_policy_for_another_bucket() -> Made:
    """aws/aws-cdk#20127: the queue granted another bucket."""
    return _stack({**SEND, "Condition": {"ArnEquals": {"aws:SourceArn":
                                                      "arn:aws:s3:::other"}}}), None


@cases.fires("aws_s3_bucket_notification.uploads")
def queue_encrypted_with_the_aws_managed_key() -> Made:
    """ministryofjustice/cloud-platform-environments#5404."""
    return _stack(SEND, kms="alias/aws/sqs"), None


@cases.passes
def documented_queue_policy() -> Made:
    """AWS's walkthrough: s3.amazonaws.com may SendMessage, conditioned on the bucket."""
    return _stack(SEND), None


ENTRY = Entry(
    id="AR-16", title="Event notification destination refuses S3", severity="high",
    failure="PutBucketNotificationConfiguration fails with \"Unable to validate the following "
            "destination configurations\": each queue's or topic's policy must let "
            "s3.amazonaws.com send (sqs:SendMessage, sns:Publish), a function needs an "
            "aws_lambda_permission for s3.amazonaws.com, and an encrypted queue or topic needs "
            "a customer managed key S3 may use (not alias/aws/sqs or alias/aws/sns)",
    fix="an aws_sqs_queue_policy / aws_sns_topic_policy granting s3.amazonaws.com with "
        "aws:SourceArn of the bucket, an aws_lambda_permission (principal s3.amazonaws.com, "
        "source_arn the bucket), a customer managed key, and depends_on from the notification",
    aws_docs="https://docs.aws.amazon.com/AmazonS3/latest/userguide/"
             "grant-destinations-permissions-to-s3.html",
    rule=Rule(types=("aws_s3_bucket_notification", "aws_sqs_queue", "aws_sqs_queue_policy",
                     "aws_sns_topic", "aws_sns_topic_policy", "aws_lambda_permission"),
              check=rule, cases=cases.plan),
)

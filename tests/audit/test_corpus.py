"""Real refusals that `terraform plan` accepted and AWS refused (or deliveries AWS silently
dropped), each reduced to a minimal root in the shape its plan has (modules, references,
jsonencode'd policies, aws_iam_policy_document), with the report it comes from and the error
AWS gave: the audit must name each one with the rule that predicts it.

Reports outside Terraform (the CDK, CloudFormation, Serverless) are the same AWS API refusing
the same wiring; their roots are written as the Terraform that wires it the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import pytest

from prodstack.catalog.planbuilder import PlanBuilder
from prodstack.catalog.ready import (
    ar_4_alb_logs,
    ar_7_topic_key,
    ar_13_backup_windows,
    ar_14_lifecycle_minimums,
    ar_15_lambda_trust,
    ar_16_notification_targets,
    ar_17_delivery_targets,
    ar_18_cloudfront_certificate,
    ar_19_rds_gp3_performance,
)
from prodstack.catalog.ready_fixtures import ReadyBuilder, allow
from tests.audit.helpers import hits


class Report(NamedTuple):
    url: str
    error: str
    rule: str
    root: Callable[[], PlanBuilder]


A4, A7 = ar_4_alb_logs, ar_7_topic_key
A17, A18, A19 = ar_17_delivery_targets, ar_18_cloudfront_certificate, ar_19_rds_gp3_performance
A13, A14, A15, A16 = (ar_13_backup_windows, ar_14_lifecycle_minimums, ar_15_lambda_trust,
                      ar_16_notification_targets)
NLB_PRINCIPAL = allow({"Service": "delivery.logs.amazonaws.com"}, "s3:PutObject",
                      f"{A4.LOGS}/*")
SNS_ONLY = allow({"Service": "sns.amazonaws.com"}, A7.PUBLISH, "*")
ROOT_ONLY: dict[str, object] | None = None  # the key policy's admin statement alone
EVENTS_WITH_SOURCE = allow({"Service": "events.amazonaws.com"}, A7.PUBLISH, "*",
                           {"StringEquals": {"aws:SourceAccount": "111122223333"}})


def _lambda_notification_permission_for_another_function() -> PlanBuilder:
    """The permission names a function by a literal ARN of another account's function."""
    b = ReadyBuilder()
    b.add("aws_s3_bucket.uploads", {"bucket": "acme-uploads"}, unknown={"arn": True})
    b.add("aws_lambda_function.insert", {"function_name": "insert"}, unknown={"arn": True})
    b.add("aws_lambda_permission.allow_bucket", {
        "function_name": "arn:aws:lambda:ap-southeast-2:962294302145:function:other",
        "principal": "s3.amazonaws.com", "action": "lambda:InvokeFunction"},
        refs={"source_arn": ["aws_s3_bucket.uploads.arn", "aws_s3_bucket.uploads"]},
        unknown={"source_arn": True})
    b.add("aws_s3_bucket_notification.uploads", {"lambda_function": [
        {"events": ["s3:ObjectCreated:*"]}]},
        refs={"bucket": ["aws_s3_bucket.uploads.id", "aws_s3_bucket.uploads"],
              "lambda_function.lambda_function_arn": ["aws_lambda_function.insert.arn",
                                                      "aws_lambda_function.insert"]},
        unknown={"bucket": True, "lambda_function": [{"lambda_function_arn": True}]})
    return b


def _elasticache(snapshot: str, maintenance: str) -> PlanBuilder:
    return PlanBuilder().add("aws_elasticache_replication_group.cache", {
        "replication_group_id": "cache", "snapshot_window": snapshot,
        "maintenance_window": maintenance}, unknown={"arn": True})


def _sns_to_lambda(permission_for: str | None = None) -> PlanBuilder:
    """A topic subscribed by a function module (by for_each), with or without a permission."""
    b = ReadyBuilder()
    b.add("aws_sns_topic.events", {"name": "events"}, unknown={"arn": True, "id": True})
    b.add("module.handler.aws_lambda_function.this[0]", {"function_name": "handler"},
          unknown={"arn": True})
    b.module("module.handler", outputs={"arn": ["aws_lambda_function.this[0].arn",
                                                "aws_lambda_function.this"]})
    if permission_for is not None:
        b.add("aws_lambda_permission.topic", {"principal": permission_for,
                                              "action": "lambda:InvokeFunction"},
              refs={"function_name": ["module.handler.arn", "module.handler"]},
              unknown={"function_name": True})
    b.add('aws_sns_topic_subscription.this["handler"]', {"protocol": "lambda"},
          refs={"topic_arn": ["aws_sns_topic.events.arn", "aws_sns_topic.events"],
                "endpoint": ["module.handler.arn", "module.handler"]},
          unknown={"topic_arn": True, "endpoint": True, "arn": True})
    return b


def _queue_at_the_root() -> PlanBuilder:
    """An SNS topic and a queue side by side at the root, the queue without a policy."""
    b = ReadyBuilder()
    b.add("aws_sns_topic.updates", {"name": "user-updates"}, unknown={"arn": True})
    b.add("aws_sqs_queue.updates", {"name": "user-updates"},
          unknown={"arn": True, "url": True, "policy": True}, unset=("policy",))
    b.add("aws_sns_topic_subscription.updates", {"protocol": "sqs"},
          refs={"topic_arn": ["aws_sns_topic.updates.arn", "aws_sns_topic.updates"],
                "endpoint": ["aws_sqs_queue.updates.arn", "aws_sqs_queue.updates"]},
          unknown={"topic_arn": True, "endpoint": True})
    return b


CORPUS = [
    # S3 event notifications and their destinations
    Report("https://github.com/hashicorp/terraform-provider-aws/issues/11219",
           "InvalidArgument: Unable to validate the following destination configurations",
           "AR-16", lambda: A16._stack(None)),
    Report("https://github.com/hashicorp/terraform/issues/19756",
           "Error putting S3 notification configuration: InvalidArgument: Unable to validate "
           "the following destination configurations", "AR-16",
           _lambda_notification_permission_for_another_function),
    Report("https://github.com/ministryofjustice/cloud-platform-environments/pull/5404",
           "error putting S3 Bucket Notification Configuration: InvalidArgument: Unable to "
           "validate the following destination configurations", "AR-16",
           lambda: A16._stack(A16.SEND, kms="alias/aws/sqs")),
    Report("https://github.com/aws/aws-cdk/issues/5991",
           "Unable to validate the following destination configurations (a queue encrypted "
           "with the AWS managed key)", "AR-16",
           lambda: A16._stack(A16.SEND, kms="alias/aws/sqs")),
    Report("https://github.com/aws/aws-cdk/issues/20127",
           "PutBucketNotificationConfiguration operation: Unable to validate the following "
           "destination configurations (the queue did not grant S3)", "AR-16",
           lambda: A16._stack({**A16.SEND, "Condition": {"ArnEquals": {
               "aws:SourceArn": "arn:aws:s3:::other"}}})),
    # backup and maintenance windows
    Report("https://github.com/ministryofjustice/cloud-platform-environments/pull/5243",
           "InvalidParameterValue: The backup window and maintenance window must not overlap.",
           "AR-13", lambda: A13._db("03:00-04:00", "sun:03:30-sun:04:30")),
    Report("https://github.com/hashicorp/terraform-provider-aws/issues/49828",
           "api error InvalidParameterValue: The backup window and maintenance window must "
           "not overlap", "AR-13", lambda: A13._db("22:00-23:00", "tue:22:30-tue:23:30")),
    Report("https://github.com/terraform-community-modules/tf_aws_rds/issues/24",
           "default values for backup_window and maintenance_window conflict", "AR-13",
           lambda: A13._db("22:00-03:00", "Mon:00:00-Mon:03:00")),
    Report("https://github.com/hashicorp/terraform/issues/17247",
           "The snapshot window and maintenance window must not overlap.", "AR-13",
           lambda: _elasticache("05:00-06:00", "sun:05:00-sun:06:00")),
    Report("https://github.com/azavea/nyc-trees/pull/54",
           "Backup and maintenance window for RDS cannot overlap", "AR-13",
           lambda: A13._db("04:00-04:30", "sun:04:00-sun:05:00", "aws_rds_cluster",
                           "module.db.aws_rds_cluster.this[0]")),
    # lifecycle minimums
    Report("https://github.com/hashicorp/terraform-provider-aws/pull/6201",
           "'Days' in Transition action must be greater than or equal to 30 for storageClass "
           "'STANDARD_IA' (the documented example used 15)", "AR-14",
           lambda: A14._lifecycle(15)),
    Report("https://github.com/cloudposse/terraform-aws-cloudtrail-s3-bucket/issues/36",
           "keeping logs 5 days is impossible while the module moves them to Standard-IA at "
           "30 days", "AR-14", lambda: A14._lifecycle(30, expire=5)),
    # roles services assume
    Report("https://github.com/pdomala/LambdaCDDemo/issues/1",
           "The role defined for the function cannot be assumed by Lambda.", "AR-15",
           lambda: A15._function("ec2.amazonaws.com")),
    Report("https://github.com/aws-samples/aws-ct-vpc-flowlogs/issues/1",
           "The role defined for the function cannot be assumed by Lambda. (Service: Lambda, "
           "Status Code: 400)", "AR-15",
           lambda: A15._function("edgelambda.amazonaws.com", via_document=True)),
    Report("https://github.com/nficano/python-lambda/issues/28",
           "InvalidParameterValueException ... The role defined for the function cannot be "
           "assumed by Lambda.", "AR-15", lambda: A15._function("apigateway.amazonaws.com")),
    Report("https://github.com/nficano/python-lambda/issues/37",
           "CreateFunction operation: The role defined for the function cannot be assumed by "
           "Lambda.", "AR-15", lambda: A15._function("states.amazonaws.com")),
    Report("https://github.com/serverless/serverless/issues/4384",
           "The role defined for the function cannot be assumed by Lambda.", "AR-15",
           lambda: A15._function("lamdba.amazonaws.com")),
    # alarms and events to encrypted topics (silently dropped)
    Report("https://github.com/ASFHyP3/hyp3/issues/762",
           "Failed to execute action ... Error Code: AccessDeniedException (Service: AWSKMS)",
           "AR-7", lambda: A7._stack(managed=True)),
    Report("https://github.com/ministryofjustice/opg-lpa/pull/713",
           "Failed to execute action arn:aws:sns:... Error Code: AccessDeniedException",
           "AR-7", lambda: A7._stack(managed=True, alarms=1)),
    Report("https://github.com/aws/aws-cdk/issues/11121",
           "Failed to execute action ... (Service: AWSKMS; Status Code: 400; Error Code: "
           "AccessDeniedException)", "AR-7", lambda: A7._stack(SNS_ONLY)),
    Report("https://github.com/aws-samples/sample-citadel/pull/100",
           "the live key policy contained only the account-root default: alarms never "
           "delivered", "AR-7", lambda: A7._stack(ROOT_ONLY)),
    Report("https://github.com/aws-devtools-labs/aws-blocks/pull/336",
           "CloudWatch's publish fails with KMSAccessDenied and notifications are silently "
           "dropped", "AR-7", lambda: A7._stack(SNS_ONLY, alarms=3)),
    Report("https://github.com/dod-ccpo/atat-web-api/pull/1552",
           "events.amazonaws.com needs access to the topic's key", "AR-7",
           lambda: A7._stack(A7.CLOUDWATCH, events=True)),
    Report("https://github.com/awslabs/landing-zone-accelerator-on-aws/issues/407",
           "Adding the aws:SourceAccount and aws:SourceArn to a AWS KMS policy is not "
           "supported for EventBridge-to-encrypted topics (invocations fail)", "AR-7",
           lambda: A7._stack(A7.CLOUDWATCH, EVENTS_WITH_SOURCE, events=True)),
    Report("https://github.com/aws-samples/aws-secure-environment-accelerator/pull/1132",
           "EventBridge needs KMS key policy permissions to the Rule Target's SNS KMS CMK",
           "AR-7", lambda: A7._stack(A7.CLOUDWATCH, events=True, alarms=1)),
    Report("https://github.com/awslabs/aws-solutions-constructs/issues/155",
           "Cloudwatch Event does not deliver message (no error message)", "AR-7",
           lambda: A7._stack(managed=True, events=True, alarms=0)),
    # load balancer access logs
    Report("https://github.com/terraform-aws-modules/terraform-aws-s3-bucket/issues/98",
           "InvalidConfigurationRequest: Access Denied for bucket: test. Please check "
           "S3bucket permission", "AR-4", lambda: A4._stack(NLB_PRINCIPAL)),
    Report("https://github.com/terraform-aws-modules/terraform-aws-s3-bucket/issues/185",
           "failure configuring LB attributes: InvalidConfigurationRequest: Access Denied for "
           "bucket", "AR-4", lambda: A4._stack(A4.DENY_HTTP, NLB_PRINCIPAL)),
    Report("https://github.com/terraform-aws-modules/terraform-aws-s3-bucket/issues/183",
           "InvalidConfigurationRequest: Access Denied for bucket: <redacted>", "AR-4",
           lambda: A4._stack(NLB_PRINCIPAL, region="eu-west-2")),
    Report("https://github.com/cloudposse/terraform-aws-lb-s3-bucket/issues/9",
           "Access Denied for the log bucket when it is encrypted with SSE-KMS", "AR-4",
           lambda: A4._stack(A4.ELB_ACCOUNT, A4.DELIVERY, sse="aws:kms")),
    Report("https://github.com/aws/aws-cdk/issues/8113",
           "Network Load Balancer access logs: the stack creation fails because of missing "
           "permissions on the S3 Bucket (Access Denied for bucket)", "AR-4",
           lambda: A4._stack(A4.ELB_ACCOUNT, kind="network")),
    Report("https://github.com/trussworks/terraform-aws-logs/pull/27",
           "to enable access logging the bucket must allow the NLB to write (the log bucket "
           "granted only the ALB's ELB account)", "AR-4",
           lambda: A4._stack(A4.DENY_HTTP, {**A4.ELB_ACCOUNT, "Resource": f"{A4.LOGS}/*"},
                             kind="network", region="us-west-2")),
    # CloudFront certificates outside us-east-1
    Report("https://github.com/milliHQ/terraform-aws-next-js/issues/61",
           "error creating CloudFront Distribution: InvalidViewerCertificate: The specified SSL "
           "certificate doesn't exist, isn't in us-east-1 region, isn't valid, or doesn't "
           "include a valid certificate chain.", "AR-18",
           lambda: A18._site(region="us-west-2")),
    Report("https://github.com/cloudposse/terraform-aws-cloudfront-s3-cdn/issues/10",
           "InvalidViewerCertificate: The specified SSL certificate doesn't exist, isn't in "
           "us-east-1 region, isn't valid, or doesn't include a valid certificate chain. "
           "(a certificate ARN of ap-southeast-2)", "AR-18",
           lambda: A18._site(region="ap-southeast-2", literal="arn:aws:acm:ap-southeast-2:"
                             "111122223333:certificate/5e1c")),
    Report("https://github.com/cloudposse/terraform-aws-cloudfront-s3-cdn/issues/55",
           "creating CloudFront Distribution: InvalidViewerCertificate (the certificate looked "
           "up through the eu-west-1 provider)", "AR-18",
           lambda: A18._site(lookup=True)),
    # SNS subscriptions and EventBridge targets (silently dropped)
    Report("https://github.com/hashicorp/terraform-provider-aws/issues/1342",
           "The created SQS queue can not receive messages published to the created SNS topic "
           "(no queue policy)", "AR-17", lambda: A17._subscription(None)),
    Report("https://github.com/hashicorp/terraform/issues/5973",
           "sending message from SNS to SQS not done: no permission in the SQS queue allows "
           "it to receive messages from SNS", "AR-17", _queue_at_the_root),
    Report("https://github.com/microsoft/aspire/pull/3333",
           "is not authorized to perform: sqs:sendmessage on resource ... because no "
           "resource-based policy allows the sqs:sendmessage action", "AR-17",
           lambda: A17._subscription(None, kms="alias/aws/sqs")),
    Report("https://github.com/hashicorp/terraform/issues/27347",
           "Cloudwatch Custom Events SQS fails to work (the queue's access policy did not "
           "allow EventBridge to send)", "AR-17", lambda: A17._rule_to("queue")),
    Report("https://github.com/hashicorp/terraform-provider-aws/issues/16080",
           "aws_cloudwatch_event_target does not trigger SNS topic until edited via AWS "
           "console (no topic policy for events.amazonaws.com)", "AR-17",
           lambda: A17._rule_to("topic")),
    Report("https://github.com/terraform-aws-modules/terraform-aws-eventbridge/issues/88",
           "the event bridge fails to send to SNS due to a permissions issue", "AR-17",
           lambda: A17._rule_to("topic", allow({"Service": "sns.amazonaws.com"},
                                               "sns:Publish"))),
    Report("https://github.com/alphagov/govuk-infrastructure/pull/3069",
           "Testing of the rule resulted with a FailedInvocation status (EventBridge to SNS)",
           "AR-17", lambda: A17._rule_to("topic")),
    Report("https://github.com/hashicorp/terraform/issues/10748",
           "the Lambda doesn't register this under its trigger, and with this missing I "
           "cannot get any lambda triggering (no aws_lambda_permission)", "AR-17",
           _sns_to_lambda),
    Report("https://github.com/hashicorp/terraform/issues/2885",
           "the subscription is correctly added ... but the lambda function never seems to get "
           "the notifications", "AR-17",
           lambda: _sns_to_lambda(permission_for="s3.amazonaws.com")),
    Report("https://github.com/aws/aws-sdk-js-v3/issues/2272",
           "PutTargetsCommand successfully adds a Lambda function as a target to scheduled "
           "rule, however, the Lambda does not trigger", "AR-17",
           lambda: A17._rule_to("function")),
    # gp3 IOPS and throughput
    Report("https://github.com/hashicorp/terraform-provider-aws/issues/28271",
           "Create a mariadb with gp3 while setting IOPS to 3000: InvalidParameterCombination",
           "AR-19", lambda: A19._db(20, iops=3000, engine="mariadb")),
    Report("https://github.com/braintrustdata/terraform-aws-braintrust-data-plane/pull/288",
           "AWS RDS PostgreSQL rejects explicit gp3 IOPS or throughput settings when allocated "
           "storage is less than 400 GiB: CreateDBInstance fails with "
           "InvalidParameterCombination", "AR-19",
           lambda: A19._db(100, iops=3000, throughput=125)),
    Report("https://github.com/cloud-gov/terraform-provision/pull/1556",
           "You can't specify IOPS or storage throughput for engine postgres and a storage size "
           "less than 400.", "AR-19", lambda: A19._db(200, iops=3000)),
    Report("https://github.com/braintrustdata/terraform-aws-braintrust-data-plane/pull/126",
           "a gp3 volume >= 400GB must have a minimum of 12000 IOPS and 500 Mbps throughput: "
           "the module defaults were causing apply errors", "AR-19",
           lambda: A19._db(1000, iops=3000, throughput=125)),
    Report("https://github.com/cloudtools/troposphere/issues/2141",
           "You can't specify IOPS or storage throughput for engine postgres and a storage size "
           "less than 400.", "AR-19", lambda: A19._db(20, iops=3000)),
]


@pytest.mark.parametrize("report", CORPUS, ids=[r.url.split("github.com/")[1] for r in CORPUS])
def test_each_real_refusal_is_named(report: Report) -> None:
    found = hits(report.rule, report.root())
    assert found, f"{report.rule} misses {report.url}: {report.error}"


def test_the_corpus_cites_distinct_reports() -> None:
    urls = [r.url for r in CORPUS]
    assert len(urls) == len(set(urls)) >= 40
    assert all(r.error for r in CORPUS)

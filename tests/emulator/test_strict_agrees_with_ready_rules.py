"""The audit and the strict emulator agree (issue 18, item 4): each apply-readiness rule's plan
fixtures, applied to the strict emulator with boto3 calls built from the fixture's planned
values (its policies, names, prefixes, encryption, wiring and order), are refused with AWS's
error where the rule fires, and accepted where it passes.

The fixture account 111122223333 becomes the emulator's account, and names get a per-case
suffix so that cases do not meet in the shared emulator. A case whose deciding value is only
known after apply (the rule's "cannot tell") is not applied, and the few cases where the rule
and the emulator legitimately differ are listed in `NOT_APPLIED` with the reason.
"""

from __future__ import annotations

import contextlib
import itertools
import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest
import requests
from botocore.exceptions import ClientError

from prodstack.catalog import CATALOG
from prodstack.catalog.model import PlanCase
from prodstack.catalog.ready_fixtures import ACCOUNT as FIXTURE_ACCOUNT
from tests.emulator.service_policies import ACCOUNT, doc, stmt

pytestmark = pytest.mark.emulator

_SEQ = itertools.count()
NOT_APPLIED = {
    ("AR-1", "policy_document_deferred_to_apply_without_a_write_statement"):
        "the bucket's ARN in the policy is only known after apply",
    ("AR-1", "policy_only_known_after_apply"): "the policy is only known after apply",
    ("AR-2", "policy_known_only_after_apply"): "the key policy is only known after apply",
    ("AR-5", "target_with_default_retention"):
        "not enforced by the strict emulator: AWS's answer to a logging target with a default "
        "Object Lock retention is not documented",
    ("AR-6", "policy_known_only_after_apply"): "the key policy is only known after apply",
    ("AR-7", "eventbridge_target_without_a_grant"):
        "EventBridge rules publishing to SNS are not emulated (the rule fires on them)",
    ("AR-8", "permissions_known_only_after_apply"): "the role's policy is only known after apply",
    ("AR-8", "permissions_without_describe"):
        "medium: AWS lists logs:Describe* among the role's permissions, delivery needs only "
        "CreateLogStream and PutLogEvents",
}


class Applied:
    """One fixture plan, its names made unique, and boto3 clients for its Region."""

    def __init__(self, url: str, plan: dict[str, Any]) -> None:
        n = next(_SEQ)
        text = json.dumps(plan).replace(FIXTURE_ACCOUNT, ACCOUNT)
        for old, new in (("acme-", f"acme{n}-"), ("/acme/", f"/acme{n}/"),
                         ("/vpc/", f"/vpc{n}/")):
            text = text.replace(old, new)
        self.plan, self.n, self.url = json.loads(text), n, url
        self.region = self.plan["configuration"]["provider_config"]["aws"]["expressions"][
            "region"]["constant_value"]

    def client(self, service: str) -> Any:
        return boto3.client(service, region_name=self.region, endpoint_url=self.url,
                            aws_access_key_id="test", aws_secret_access_key="test")

    def after(self, address: str) -> dict[str, Any] | None:
        return next((c["change"]["after"] for c in self.plan["resource_changes"]
                     if c["address"] == address), None)

    def addresses(self, prefix: str) -> list[str]:
        return [c["address"] for c in self.plan["resource_changes"]
                if c["address"].startswith(prefix)]

    def depends_on(self, name: str) -> bool:
        return any(r.get("name") == name and r.get("depends_on")
                   for r in self.plan["configuration"]["root_module"]["resources"])

    def bucket(self, address: str, **create: Any) -> str:
        name = self.after(address)["bucket"]  # type: ignore[index]
        config = {} if self.region == "us-east-1" else {
            "CreateBucketConfiguration": {"LocationConstraint": self.region}}
        self.client("s3").create_bucket(Bucket=name, **config, **create)
        return str(name)

    def policy(self, bucket: str, address: str) -> None:
        found = self.after(address)
        if found and found.get("policy") and json.loads(found["policy"])["Statement"]:
            self.client("s3").put_bucket_policy(Bucket=bucket, Policy=found["policy"])

    def role(self, address: str, *inline: str, managed: tuple[str, ...] = ()) -> str:
        values, iam = self.after(address) or {}, self.client("iam")
        name = f"{values['name']}-{self.n}"
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=values[
            "assume_role_policy"])["Role"]["Arn"]
        for i, text in enumerate(t for t in inline if t):
            iam.put_role_policy(RoleName=name, PolicyName=f"p{i}", PolicyDocument=text)
        for policy_arn in managed:
            iam.attach_role_policy(RoleName=name, PolicyArn=policy_arn)
        return str(arn)

    def key(self, address: str) -> str:
        policy = (self.after(address) or {}).get("policy")
        made = self.client("kms").create_key(**({"Policy": policy} if policy else {}))
        return str(made["KeyMetadata"]["Arn"])


def code(call: Callable[[], Any]) -> str | None:
    try:
        call()
    except ClientError as exc:
        return str(exc.response["Error"]["Code"])
    return None


def open_trail_bucket(a: Applied, name: str) -> None:
    a.client("s3").create_bucket(Bucket=name)
    a.client("s3").put_bucket_policy(Bucket=name, Policy=doc(
        stmt({"Service": "cloudtrail.amazonaws.com"}, ["s3:GetBucketAcl", "s3:PutObject"],
             [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"])))


# -- one driver per rule: {address the rule names: the emulator's refusal or None} ----------

def ar_1(a: Applied) -> dict[str, str | None]:
    bucket = a.bucket("module.audit.aws_s3_bucket.trail")
    trail = a.after("aws_cloudtrail.main") or {}
    create = lambda: a.client("cloudtrail").create_trail(  # noqa: E731
        Name=trail["name"], S3BucketName=bucket, S3KeyPrefix=trail["s3_key_prefix"] or "")
    if a.depends_on("main"):  # the policy is in place before the trail
        a.policy(bucket, "module.audit.aws_s3_bucket_policy.trail")
        return {"aws_cloudtrail.main": code(create)}
    refused = code(create)  # Terraform may create the trail first
    a.policy(bucket, "module.audit.aws_s3_bucket_policy.trail")
    return {"aws_cloudtrail.main": refused}


def ar_2(a: Applied) -> dict[str, str | None]:
    trail = a.after("aws_cloudtrail.main") or {}
    open_trail_bucket(a, trail["s3_bucket_name"])
    key = a.key("module.keys.aws_kms_key.logs")
    return {"aws_cloudtrail.main": code(lambda: a.client("cloudtrail").create_trail(
        Name=trail["name"], S3BucketName=trail["s3_bucket_name"], KmsKeyId=key))}


def ar_3(a: Applied) -> dict[str, str | None]:
    lock = a.after("aws_s3_bucket_object_lock_configuration.audit")
    bucket = a.bucket("aws_s3_bucket.audit", **({"ObjectLockEnabledForBucket": True}
                                                 if lock else {}))
    a.policy(bucket, "aws_s3_bucket_policy.audit")
    if lock:
        retention = lock["rule"][0]["default_retention"][0]
        a.client("s3").put_object_lock_configuration(Bucket=bucket, ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {
                "Mode": retention["mode"], "Days": retention["days"]}}})
    literal = a.after("aws_config_configuration_recorder.main")
    if literal:  # the service-linked role
        with contextlib.suppress(ClientError):
            a.client("iam").create_service_linked_role(AWSServiceName="config.amazonaws.com")
        role = literal["role_arn"]
    else:
        role = a.role("module.config.aws_iam_role.config",
                      (a.after("module.config.aws_iam_role_policy.delivery") or {}).get(
                          "policy", ""),
                      managed=("arn:aws:iam::aws:policy/service-role/AWS_ConfigRole",))
    config = a.client("config")
    config.put_configuration_recorder(ConfigurationRecorder={"name": "default",
                                                             "roleARN": role})
    channel = a.after("aws_config_delivery_channel.main") or {}
    return {"aws_config_delivery_channel.main": code(lambda: config.put_delivery_channel(
        DeliveryChannel={"name": channel["name"], "s3BucketName": bucket,
                         "s3KeyPrefix": channel["s3_key_prefix"]}))}


def ar_4(a: Applied) -> dict[str, str | None]:
    bucket = a.bucket("module.logs.aws_s3_bucket.this[0]")
    a.policy(bucket, "module.logs.aws_s3_bucket_policy.this")
    sse = a.after("module.logs.aws_s3_bucket_server_side_encryption_configuration.this")
    if sse:
        algorithm = sse["rule"][0]["apply_server_side_encryption_by_default"][0]["sse_algorithm"]
        default: dict[str, str] = {"SSEAlgorithm": algorithm}
        if a.after("aws_kms_key.logs") is not None:  # a customer managed key (else aws/s3)
            default["KMSMasterKeyID"] = a.key("aws_kms_key.logs")
        a.client("s3").put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": default}]})
    ec2, elbv2 = a.client("ec2"), a.client("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.30.{i}.0/24",
                                 AvailabilityZone=f"{a.region}{z}")["Subnet"]["SubnetId"]
               for i, z in enumerate("ab")]
    kind = (a.after("aws_lb.web") or {}).get("load_balancer_type") or "application"
    lb = elbv2.create_load_balancer(Name=f"web-{a.n}", Subnets=subnets, Type=kind)[
        "LoadBalancers"][0]["LoadBalancerArn"]
    logs = (a.after("aws_lb.web") or {})["access_logs"][0]
    return {"aws_lb.web": code(lambda: elbv2.modify_load_balancer_attributes(
        LoadBalancerArn=lb, Attributes=[
            {"Key": "access_logs.s3.enabled", "Value": str(logs["enabled"]).lower()},
            {"Key": "access_logs.s3.bucket", "Value": bucket},
            {"Key": "access_logs.s3.prefix", "Value": logs["prefix"]}]))}


def ar_5(a: Applied) -> dict[str, str | None]:
    s3 = a.client("s3")
    ownership = a.after("aws_s3_bucket_ownership_controls.logs")
    target = a.bucket("aws_s3_bucket.logs", **({"ObjectOwnership": ownership["rule"][0][
        "object_ownership"]} if ownership else {}))
    a.policy(target, "aws_s3_bucket_policy.logs")
    acl = a.after("aws_s3_bucket_acl.logs")
    if acl:
        s3.put_bucket_acl(Bucket=target, ACL=acl["acl"])
    out = {}
    for address in a.addresses("aws_s3_bucket_logging.source"):
        key = address.split("[", 1)[1]
        source = a.bucket(f"aws_s3_bucket.source[{key}")
        prefix = (a.after(address) or {})["target_prefix"]
        out[address] = code(lambda s=source, p=prefix: s3.put_bucket_logging(
            Bucket=s, BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": target,
                                                              "TargetPrefix": p}}))
    return out


def ar_6(a: Applied) -> dict[str, str | None]:
    key, logs, out = a.key("aws_kms_key.logs"), a.client("logs"), {}
    for address in a.addresses("module.logs.aws_cloudwatch_log_group.this"):
        group = (a.after(address) or {})["name"]
        out[address] = code(lambda g=group: logs.create_log_group(logGroupName=g,
                                                                   kmsKeyId=key))
    return out


def ar_7(a: Applied) -> dict[str, str | None]:
    topic = a.after("aws_sns_topic.alarms") or {}
    key = topic.get("kms_master_key_id") or a.key("aws_kms_key.notifications")
    arn = a.client("sns").create_topic(Name=f"alarms-{a.n}", Attributes={
        "KmsMasterKeyId": key})["TopicArn"]
    cloudwatch, names = a.client("cloudwatch"), []
    for address in a.addresses("module.alarms.aws_cloudwatch_metric_alarm.this"):
        name = f"{a.after(address)['alarm_name']}-{a.n}"  # type: ignore[index]
        cloudwatch.put_metric_alarm(
            AlarmName=name, Namespace="AWS/ApplicationELB", MetricName="HTTPCode_ELB_5XX_Count",
            Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold", AlarmActions=[arn],
            OKActions=[arn])
        cloudwatch.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="test")
        names.append(name)
    notes = requests.get(f"{a.url}/moto-api/prodstack/alarm-notifications", timeout=10).json()
    dropped = any(not n["delivered"] for n in notes["notifications"] if n["alarm"] in names)
    return {"aws_sns_topic.alarms": "dropped" if dropped else None}


def ar_8(a: Applied) -> dict[str, str | None]:
    inline = (a.after("aws_iam_role_policy.flow_logs") or {}).get("policy") or \
        (a.after("aws_iam_policy.flow_logs") or {}).get("policy", "")
    role, ec2, out = a.role("aws_iam_role.flow_logs", inline), a.client("ec2"), {}
    for address in a.addresses("aws_flow_log.this"):
        key = address.split("[", 1)[1]
        group = a.after(f"aws_cloudwatch_log_group.flow[{key}")["name"]  # type: ignore[index]
        a.client("logs").create_log_group(logGroupName=group)
        vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
        made = ec2.create_flow_logs(ResourceType="VPC", ResourceIds=[vpc], TrafficType="ALL",
                                    LogGroupName=group, DeliverLogsPermissionArn=role)
        [flow] = ec2.describe_flow_logs(FlowLogIds=made["FlowLogIds"])["FlowLogs"]
        out[address] = flow.get("DeliverLogsErrorMessage")
    return out


def ar_9(a: Applied) -> dict[str, str | None]:
    db = a.after("module.db.aws_db_instance.this[0]") or {}
    role = db.get("monitoring_role_arn")
    if a.after("aws_iam_role.rds_monitoring"):
        role = a.role("aws_iam_role.rds_monitoring", managed=(
            "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",))
    return {"module.db.aws_db_instance.this[0]": code(lambda: a.client("rds").create_db_instance(
        DBInstanceIdentifier=f"ar9-{a.n}", Engine="postgres", DBInstanceClass="db.t4g.micro",
        AllocatedStorage=20, MasterUsername="app", MasterUserPassword="password-1234",
        MonitoringInterval=db["monitoring_interval"], **({"MonitoringRoleArn": role}
                                                         if role else {})))}


DRIVERS = {"AR-1": (ar_1, {"InsufficientS3BucketPolicyException"}),
           "AR-2": (ar_2, {"InsufficientEncryptionPolicyException"}),
           "AR-3": (ar_3, {"InsufficientDeliveryPolicyException"}),
           "AR-4": (ar_4, {"InvalidConfigurationRequest"}),
           "AR-5": (ar_5, {"InvalidTargetBucketForLogging"}),
           "AR-6": (ar_6, {"AccessDeniedException"}),
           "AR-7": (ar_7, {"dropped"}),
           "AR-8": (ar_8, {"Access error"}),
           "AR-9": (ar_9, {"InvalidParameterValue", "InvalidParameterCombination"})}
CASES = [(entry.id, case) for entry in CATALOG if entry.id in DRIVERS
         for case in entry.rule.cases]  # type: ignore[union-attr]


@pytest.mark.parametrize(("rule", "case"), CASES,
                         ids=[f"{r}-{c.name}" for r, c in CASES])
def test_the_emulator_refuses_what_the_rule_finds(rule: str, case: PlanCase,
                                                  emulator_url: str):
    if (rule, case.name) in NOT_APPLIED:
        pytest.skip(NOT_APPLIED[(rule, case.name)])
    drive, refusals = DRIVERS[rule]
    builder, _ = case.make()
    outcomes = drive(Applied(emulator_url, builder.build()))
    for address, outcome in outcomes.items():
        if address in case.hits:
            assert outcome in refusals, f"{rule} {case.name}: {address} was accepted"
        else:
            assert outcome is None, f"{rule} {case.name}: {address} was refused ({outcome})"
    assert set(case.hits) <= set(outcomes), (rule, case.name, case.hits, outcomes)

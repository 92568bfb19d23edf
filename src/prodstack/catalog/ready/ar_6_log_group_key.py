"""AR-6: a CloudWatch Logs log group encrypted with a KMS key whose policy does not let the
Region's CloudWatch Logs use it for that group (the `aws:logs:arn` encryption context)."""

from __future__ import annotations

from collections.abc import Iterator

from prodstack.catalog.model import AuditInput, Cases, Entry, Hit, Made, Rule, Unseen
from prodstack.catalog.policies import Request
from prodstack.catalog.policy_match import HOLE
from prodstack.catalog.ready_fixtures import ACCOUNT, ReadyBuilder, allow, key
from prodstack.catalog.ready_queries import (
    account_id,
    key_policy,
    keys,
    partition,
    region,
    verdicts,
)
from prodstack.catalog.unseen import cannot_tell
from prodstack.tf.plan import Plan, Resource

ACTIONS = ("kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey")
CONTEXT_KEY = "kms:EncryptionContext:aws:logs:arn"


def group_arn(plan: Plan, group: Resource) -> str:
    name = group.get("name")
    return (f"arn:{partition(plan)}:logs:{region(plan)}:{account_id(plan)}:log-group:"
            f"{name if isinstance(name, str) and name else HOLE}")


def rule(inp: AuditInput) -> Iterator[Hit | Unseen]:
    plan = inp.plan
    logs = ("Service", f"logs.{region(plan)}.amazonaws.com")
    for group in plan.of("aws_cloudwatch_log_group"):
        arn = group_arn(plan, group)
        for found in keys(plan, group, "kms_key_id"):
            doc = key_policy(plan, found)
            asks = {a: Request(
                a, (f"arn:{partition(plan)}:kms:{region(plan)}:{account_id(plan)}:key/{HOLE}",),
                logs, {CONTEXT_KEY: arn}) for a in ACTIONS}
            refused, undecided = verdicts(doc, asks)
            if undecided and not refused:
                yield cannot_tell(group.address, f"the policy of {found.address} lets "
                                  f"{logs[1]} call {', '.join(undecided)}", doc, arn)
            if refused:
                yield Hit(group.address, f"the policy of {found.address} does not let "
                          f"{logs[1]} call {', '.join(refused)} with encryption context "
                          f"aws:logs:arn = {arn.replace(HOLE, '…')}: CreateLogGroup fails "
                          "with \"The specified KMS key does not exist or is not allowed to "
                          "be used with Arn …\"")


cases = Cases()
LOGS_ACTIONS = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                "kms:Describe*"]


def _logs(condition_value: str, operator: str = "ArnLike",
          service: str = "logs.us-east-1.amazonaws.com") -> dict[str, object]:
    return allow({"Service": service}, LOGS_ACTIONS, "*",
                 {operator: {CONTEXT_KEY: condition_value}}, sid="CloudWatchLogs")


def _stack(*statements: dict[str, object] | None, unknown_policy: bool = False,
           groups: tuple[str, ...] = ("app", "worker")) -> ReadyBuilder:
    """A log group per service by for_each, all encrypted with one key."""
    b = ReadyBuilder()
    key(b, "aws_kms_key.logs", *statements, unknown_policy=unknown_policy)
    for g in groups:
        b.add(f'module.logs.aws_cloudwatch_log_group.this["{g}"]',
              {"name": f"/acme/{g}", "retention_in_days": 365},
              refs={"kms_key_id": ["var.kms_key_arn"]},
              unknown={"kms_key_id": True, "arn": True})
    b.module("module.logs", inputs={"kms_key_arn": ["aws_kms_key.logs.arn",
                                                   "aws_kms_key.logs"]})
    return b


@cases.fires('module.logs.aws_cloudwatch_log_group.this["worker"]')
def key_condition_covers_one_group_only() -> Made:
    arn = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/acme/app"
    return _stack(_logs(arn, "ArnEquals")), None


@cases.fires('module.logs.aws_cloudwatch_log_group.this["app"]',
             'module.logs.aws_cloudwatch_log_group.this["worker"]')
def key_for_another_regions_logs() -> Made:
    return _stack(_logs(f"arn:aws:logs:eu-west-1:{ACCOUNT}:*",
                        service="logs.eu-west-1.amazonaws.com")), None


@cases.fires('module.logs.aws_cloudwatch_log_group.this["app"]')
def key_without_a_logs_statement() -> Made:
    return _stack(groups=("app",)), None


@cases.passes
def documented_statement_for_the_account() -> Made:
    return _stack(_logs(f"arn:aws:logs:us-east-1:{ACCOUNT}:*")), None


@cases.cannot_see('module.logs.aws_cloudwatch_log_group.this["app"]',
                  'module.logs.aws_cloudwatch_log_group.this["worker"]')
def policy_known_only_after_apply() -> Made:
    return _stack(unknown_policy=True), None


ENTRY = Entry(
    id="AR-6", title="Log group key policy refuses CloudWatch Logs", severity="high",
    failure="CreateLogGroup (or AssociateKmsKey) fails with \"The specified KMS key does not "
            "exist or is not allowed to be used with Arn …\": the key policy must let "
            "logs.<region>.amazonaws.com call kms:Encrypt*, kms:Decrypt*, "
            "kms:GenerateDataKey* under an aws:logs:arn encryption context that matches the "
            "log group",
    fix="a key policy statement for logs.<region>.amazonaws.com with ArnLike "
        "kms:EncryptionContext:aws:logs:arn = arn:aws:logs:<region>:<account>:* (or the "
        "group's ARN)",
    aws_docs="https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/"
             "encrypt-log-data-kms.html",
    rule=Rule(types=("aws_cloudwatch_log_group", "aws_kms_key", "aws_kms_alias",
                     "aws_kms_key_policy"), check=rule, cases=cases.plan),
)

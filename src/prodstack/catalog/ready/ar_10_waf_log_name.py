"""AR-10: WAFv2 web ACL logging to a log group, bucket or Firehose stream whose name does not
start with `aws-waf-logs-`."""

from __future__ import annotations

import re
from collections.abc import Iterator

from prodstack.catalog.model import AuditInput, Cases, Entry, Hit, Made, Rule, Unseen
from prodstack.catalog.policy_match import glob, shown
from prodstack.catalog.ready_fixtures import ACCOUNT, ReadyBuilder
from prodstack.catalog.ready_queries import linked
from prodstack.catalog.resolve import resolver
from prodstack.catalog.unseen import unknown_value
from prodstack.tf.plan import Unknown

PREFIX = "aws-waf-logs-"
DESTINATIONS = {"aws_cloudwatch_log_group": "name", "aws_s3_bucket": "bucket",
                "aws_kinesis_firehose_delivery_stream": "name"}
_NAMED_IN_ARN = re.compile(r"(:log-group:|:s3:::|:deliverystream/)(?P<name>[^:/]+)")


def rule(inp: AuditInput) -> Iterator[Hit | Unseen]:
    plan = inp.plan
    for config in plan.of("aws_wafv2_web_acl_logging_configuration"):
        names: list[tuple[str, str]] = []
        for type_, attr in DESTINATIONS.items():
            for dest in linked(plan, config, ("log_destination_configs",), type_):
                name = dest.get(attr)
                prefix = dest.get(f"{attr}_prefix")
                if isinstance(name, Unknown) and dest.written(attr):
                    name = resolver(plan).value(dest, attr)
                    if not isinstance(name, str) or glob(f"{PREFIX}*", name) is None:
                        yield unknown_value(plan, dest, f"its name starts with {PREFIX!r}",
                                            attr)
                        continue
                if isinstance(name, str) and name:
                    names.append((dest.address, name))
                elif isinstance(prefix, str):
                    names.append((dest.address, prefix + "…"))
        if not names:
            for arn in config.strings("log_destination_configs"):
                if match := _NAMED_IN_ARN.search(arn):
                    names.append((arn, match.group("name")))
        for where, name in names:
            if glob(f"{PREFIX}*", name) is False:
                yield Hit(config.address, f"logs to {where} named {shown(name)!r}: AWS WAF only "
                          f"logs to destinations whose names start with {PREFIX!r}, and "
                          "PutLoggingConfiguration fails with WAFInvalidParameterException "
                          "(field LOG_DESTINATION)")


cases = Cases()


def _stack(group: str | None = None, arn: str | None = None) -> ReadyBuilder:
    """A web ACL module logging to a log group created at the root (or to a literal ARN)."""
    b = ReadyBuilder()
    b.add("module.waf.aws_wafv2_web_acl.this", {"name": "web", "scope": "REGIONAL"},
          unknown={"arn": True})
    refs = {"resource_arn": ["aws_wafv2_web_acl.this.arn", "aws_wafv2_web_acl.this"]}
    values: dict[str, object] = {}
    if group is not None:
        b.add("aws_cloudwatch_log_group.waf", {"name": group, "retention_in_days": 90},
              unknown={"arn": True})
        b.module("module.waf", inputs={"log_group_arn": ["aws_cloudwatch_log_group.waf.arn",
                                                         "aws_cloudwatch_log_group.waf"]})
        refs["log_destination_configs"] = ["var.log_group_arn"]
    else:
        values["log_destination_configs"] = [arn]
    b.add("module.waf.aws_wafv2_web_acl_logging_configuration.this", values, refs=refs,
          unknown={"resource_arn": True,
                   **({"log_destination_configs": True} if group is not None else {})})
    return b


@cases.fires("module.waf.aws_wafv2_web_acl_logging_configuration.this")
def log_group_named_like_the_others() -> Made:
    return _stack(group="/acme/waf"), None


@cases.fires("module.waf.aws_wafv2_web_acl_logging_configuration.this")
def firehose_stream_by_literal_arn() -> Made:
    return _stack(arn=f"arn:aws:firehose:us-east-1:{ACCOUNT}:deliverystream/waf-logs"), None


@cases.passes
def log_group_with_the_prefix() -> Made:
    return _stack(group="aws-waf-logs-acme"), None


@cases.passes
def bucket_with_the_prefix_by_arn() -> Made:
    return _stack(arn="arn:aws:s3:::aws-waf-logs-acme"), None


ENTRY = Entry(
    id="AR-10", title="WAF log destination not named aws-waf-logs-*", severity="high",
    failure="PutLoggingConfiguration fails with WAFInvalidParameterException: AWS WAF logs "
            "only to CloudWatch Logs log groups, S3 buckets and Firehose streams whose names "
            "start with aws-waf-logs-",
    fix="name the destination aws-waf-logs-<suffix>",
    aws_docs="https://docs.aws.amazon.com/waf/latest/developerguide/logging-cw-logs.html",
    rule=Rule(types=("aws_wafv2_web_acl_logging_configuration", *DESTINATIONS), check=rule,
              cases=cases.plan),
)

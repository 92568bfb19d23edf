"""AR-8: a VPC flow log to CloudWatch Logs without a role the flow logs service can assume
and use to write to the log group."""

from __future__ import annotations

from collections.abc import Iterator

from prodstack.catalog.model import AuditInput, Cases, Entry, Hit, Made, Rule, Unseen
from prodstack.catalog.policies import Request, evaluate
from prodstack.catalog.policy_match import HOLE
from prodstack.catalog.ready.ar_6_log_group_key import group_arn
from prodstack.catalog.ready_fixtures import ACCOUNT, ReadyBuilder, allow, policy
from prodstack.catalog.ready_queries import (
    account_id,
    document,
    linked,
    partition,
    region,
    role_permissions,
    service_may_assume,
)
from prodstack.catalog.unseen import cannot_tell
from prodstack.tf.plan import Plan, Resource

FLOW_LOGS = ("Service", "vpc-flow-logs.amazonaws.com")
WRITE = ("logs:CreateLogStream", "logs:PutLogEvents")
DESCRIBE = ("logs:DescribeLogGroups", "logs:DescribeLogStreams")


def destination(plan: Plan, flow: Resource) -> list[str]:
    """The ARNs of the log groups the flow log writes to (HOLE where unknown)."""
    groups = linked(plan, flow, ("log_destination",), "aws_cloudwatch_log_group") or \
        linked(plan, flow, ("log_group_name",), "aws_cloudwatch_log_group")
    if groups:
        return [group_arn(plan, g) for g in groups]
    literal = flow.get("log_destination")
    if isinstance(literal, str) and ":log-group:" in literal:
        return [literal.removesuffix(":*")]
    return [f"arn:{partition(plan)}:logs:{region(plan)}:{account_id(plan)}:log-group:{HOLE}"]


def _missing(plan: Plan, role: Resource, group: str, actions: tuple[str, ...],
             verdict: bool | None = False) -> list[str]:
    """The actions the role's policies refuse on the group (or, with verdict None, those
    the plan cannot decide)."""
    doc = role_permissions(plan, role)
    stream = f"{group}:log-stream:eni-0123456789abcdef0-all"
    every = f"arn:{partition(plan)}:logs:{region(plan)}:{account_id(plan)}:log-group:*"
    return [a for a in actions if evaluate(doc, Request(
        a, (group, f"{group}:*", stream, every))) is verdict]


def rule(inp: AuditInput) -> Iterator[Hit | Unseen]:
    plan = inp.plan
    for flow in plan.of("aws_flow_log"):
        if flow.effective("log_destination_type", "cloud-watch-logs") != "cloud-watch-logs":
            continue
        if flow.get("iam_role_arn") in (None, ""):
            yield Hit(flow.address, "a flow log to CloudWatch Logs without iam_role_arn: "
                      "CreateFlowLogs requires DeliverLogsPermissionArn for this destination")
            continue
        for role in linked(plan, flow, ("iam_role_arn",), "aws_iam_role"):
            source = f"ec2:{region(plan)}:{account_id(plan)}:vpc-flow-log/{HOLE}"
            trusted = service_may_assume(plan, role, FLOW_LOGS, source)
            if trusted is None:
                yield cannot_tell(flow.address, f"the trust policy of {role.address} lets "
                                  "vpc-flow-logs.amazonaws.com assume it",
                                  document(plan, role, "assume_role_policy"))
            if trusted is False:
                yield Hit(flow.address, f"the trust policy of {role.address} does not let "
                          "vpc-flow-logs.amazonaws.com assume it: the flow log's status "
                          "becomes an error (\"Access error\") and nothing is delivered")
                continue
            for group in destination(plan, flow):
                shown = group.replace(HOLE, "…")
                undecided = _missing(plan, role, group, WRITE, None)
                if undecided and not _missing(plan, role, group, WRITE):
                    yield cannot_tell(flow.address, f"the policies of {role.address} allow "
                                      f"{', '.join(undecided)} on {shown}",
                                      role_permissions(plan, role), group)
                if missing := _missing(plan, role, group, WRITE):
                    yield Hit(flow.address, f"the policies of {role.address} do not allow "
                              f"{', '.join(missing)} on {shown}: the flow log delivers "
                              "nothing and its status reports \"Access error\"")
                elif missing := _missing(plan, role, group, DESCRIBE):
                    yield Hit(flow.address, f"the policies of {role.address} do not allow "
                              f"{', '.join(missing)} on {shown}, which AWS lists among the "
                              "flow log role's required permissions", severity="medium")


cases = Cases()
TRUST = policy(allow({"Service": "vpc-flow-logs.amazonaws.com"}, "sts:AssumeRole", None,
                     {"StringEquals": {"aws:SourceAccount": ACCOUNT}}))
DOCUMENTED = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents",
              "logs:DescribeLogGroups", "logs:DescribeLogStreams"]


def _stack(permissions: str | None, trust: str = TRUST, vpcs: tuple[str, ...] = ("main",),
           attach: bool = False) -> ReadyBuilder:
    """A flow log per VPC by for_each, each to its own log group, one role for all."""
    b = ReadyBuilder()
    b.add("aws_iam_role.flow_logs", {"name": "flow-logs", "path": "/",
                                     "assume_role_policy": trust},
          unknown={"arn": True, "id": True})
    ref = ["aws_iam_role.flow_logs.name", "aws_iam_role.flow_logs"]
    if permissions and attach:
        b.data("data.aws_iam_policy_document.flow_logs", {"json": permissions})
        b.add("aws_iam_policy.flow_logs", {"name": "flow-logs", "policy": permissions},
              refs={"policy": ["data.aws_iam_policy_document.flow_logs.json",
                               "data.aws_iam_policy_document.flow_logs"]},
              unknown={"arn": True})
        b.add("aws_iam_role_policy_attachment.flow_logs", {},
              refs={"role": ref, "policy_arn": ["aws_iam_policy.flow_logs.arn",
                                                "aws_iam_policy.flow_logs"]},
              unknown={"role": True, "policy_arn": True})
    elif permissions:
        b.add("aws_iam_role_policy.flow_logs", {"name": "write", "policy": permissions},
              refs={"role": ref}, unknown={"role": True})
    for v in vpcs:
        b.add(f'aws_cloudwatch_log_group.flow["{v}"]', {"name": f"/vpc/{v}/flow-logs"},
              unknown={"arn": True})
        b.add(f'aws_flow_log.this["{v}"]', {"traffic_type": "ALL",
                                             "log_destination_type": "cloud-watch-logs"},
              refs={"log_destination": ["aws_cloudwatch_log_group.flow", "each.key"],
                    "iam_role_arn": ["aws_iam_role.flow_logs.arn", "aws_iam_role.flow_logs"],
                    "vpc_id": ["aws_vpc.this", "each.key"]},
              unknown={"log_destination": True, "iam_role_arn": True, "vpc_id": True})
    return b


def _group(v: str) -> str:
    return f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/vpc/{v}/flow-logs"


@cases.fires('aws_flow_log.this["main"]')
def role_trusted_by_ec2() -> Made:
    ec2 = policy(allow({"Service": "ec2.amazonaws.com"}, "sts:AssumeRole", None))
    return _stack(policy(allow(None, DOCUMENTED, "*")), trust=ec2), None


@cases.fires('aws_flow_log.this["shared"]')
def permissions_for_one_vpcs_group_only() -> Made:
    own = policy(allow(None, DOCUMENTED, [_group("main"), f"{_group('main')}:*"]))
    return _stack(own, vpcs=("main", "shared")), None


@cases.fires('aws_flow_log.this["main"]')
def permissions_without_describe() -> Made:
    return _stack(policy(allow(None, list(WRITE), f"{_group('main')}:*"))), None


@cases.passes
def documented_role() -> Made:
    return _stack(policy(allow(None, DOCUMENTED, "*")), vpcs=("main", "shared")), None


@cases.passes
def attached_customer_policy() -> Made:
    return _stack(policy(allow(None, DOCUMENTED, "*")), attach=True), None


@cases.cannot_see('aws_flow_log.this["main"]')
def permissions_known_only_after_apply() -> Made:
    b = _stack(None)
    b.add("aws_iam_role_policy.flow_logs", {"name": "write"},
          refs={"role": ["aws_iam_role.flow_logs.id", "aws_iam_role.flow_logs"],
                "policy": ["aws_cloudwatch_log_group.flow", "each.key"]},
          unknown={"role": True, "policy": True})
    return b, None


ENTRY = Entry(
    id="AR-8", title="Flow log role cannot deliver to CloudWatch Logs", severity="high",
    failure="the flow log is created, but delivers nothing and reports \"Access error\": its "
            "role must trust vpc-flow-logs.amazonaws.com and allow logs:CreateLogStream, "
            "logs:PutLogEvents (and logs:DescribeLogGroups, logs:DescribeLogStreams) on the "
            "log group",
    fix="a role trusted by vpc-flow-logs.amazonaws.com (with aws:SourceAccount) whose policy "
        "allows the documented logs actions on the group and its streams",
    aws_docs="https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html",
    rule=Rule(types=("aws_flow_log", "aws_iam_role", "aws_iam_role_policy",
                     "aws_iam_role_policy_attachment", "aws_iam_policy",
                     "aws_cloudwatch_log_group"), check=rule, cases=cases.plan),
)

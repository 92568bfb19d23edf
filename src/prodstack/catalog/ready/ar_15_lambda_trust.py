"""AR-15: a role a service must assume to run a resource, whose trust policy does not let
that service assume it: Lambda functions (their execution role), S3 replication."""

from __future__ import annotations

from collections.abc import Iterator

from prodstack.catalog.model import AuditInput, Cases, Entry, Hit, Made, Rule, Unseen
from prodstack.catalog.ready_fixtures import ReadyBuilder, allow, policy
from prodstack.catalog.ready_queries import (
    account_id,
    document,
    linked,
    region,
    service_may_assume,
)
from prodstack.catalog.unseen import cannot_tell

# type -> (role attribute, service, source ARN after `arn:<partition>:`, what AWS answers)
USERS = {
    "aws_lambda_function": (
        "role", "lambda.amazonaws.com", "lambda:{region}:{account}:function:{name}",
        "CreateFunction fails with InvalidParameterValueException (\"The role defined for "
        "the function cannot be assumed by Lambda.\")"),
    "aws_s3_bucket_replication_configuration": (
        "role", "s3.amazonaws.com", "s3:::{name}",
        "S3 cannot assume the role: replication of every object fails (status FAILED)"),
}


def rule(inp: AuditInput) -> Iterator[Hit | Unseen]:
    plan = inp.plan
    for res in plan.of(*USERS):
        attr, service, source, answer = USERS[res.type]
        name = res.get("function_name") or res.get("bucket")
        arn = source.format(region=region(plan), account=account_id(plan),
                            name=name if isinstance(name, str) else "*")
        for role in linked(plan, res, (attr,), "aws_iam_role"):
            trusted = service_may_assume(plan, role, ("Service", service), arn)
            if trusted is None:
                yield cannot_tell(res.address, f"the trust policy of {role.address} lets "
                                  f"{service} assume it",
                                  document(plan, role, "assume_role_policy"))
            elif trusted is False:
                yield Hit(res.address, f"the trust policy of {role.address} does not let "
                          f"{service} assume it: {answer}")


cases = Cases()


def _function(service: str, via_document: bool = False) -> ReadyBuilder:
    """A function module whose role the root creates."""
    b = ReadyBuilder()
    trust = allow({"Service": service}, "sts:AssumeRole", None)
    if via_document:
        b.data("data.aws_iam_policy_document.assume", {"json": policy(trust)})
        b.add("aws_iam_role.lambda", {"name": "thumbnails", "path": "/",
                                      "assume_role_policy": policy(trust)},
              refs={"assume_role_policy": ["data.aws_iam_policy_document.assume.json",
                                           "data.aws_iam_policy_document.assume"]},
              unknown={"arn": True})
    else:
        b.add("aws_iam_role.lambda", {"name": "thumbnails", "path": "/",
                                      "assume_role_policy": policy(trust)},
              unknown={"arn": True})
    b.module("module.fn", inputs={"role": ["aws_iam_role.lambda.arn", "aws_iam_role.lambda"]})
    b.add("module.fn.aws_lambda_function.this[0]", {"function_name": "thumbnails",
                                                     "runtime": "python3.12"},
          refs={"role": ["var.role"]}, unknown={"role": True, "arn": True})
    return b


@cases.fires("module.fn.aws_lambda_function.this[0]")
def execution_role_trusted_by_ec2() -> Made:
    """pdomala/LambdaCDDemo#1: the role's trust named another service."""
    return _function("ec2.amazonaws.com"), None


@cases.fires("module.fn.aws_lambda_function.this[0]")
def execution_role_trusted_by_edgelambda_only() -> Made:
    return _function("edgelambda.amazonaws.com", via_document=True), None


@cases.passes
def execution_role_trusted_by_lambda() -> Made:
    """AWS's execution role: lambda.amazonaws.com may sts:AssumeRole."""
    return _function("lambda.amazonaws.com", via_document=True), None


ENTRY = Entry(
    id="AR-15", title="Service role the service cannot assume", severity="high",
    failure="a Lambda function's execution role (or an S3 replication role) whose trust "
            "policy does not name the service: CreateFunction fails with \"The role defined "
            "for the function cannot be assumed by Lambda.\"; replication fails object by "
            "object",
    fix="a trust policy allowing sts:AssumeRole to lambda.amazonaws.com (the function's "
        "role) or s3.amazonaws.com (the replication role)",
    aws_docs="https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html",
    rule=Rule(types=(*USERS, "aws_iam_role"), check=rule, cases=cases.plan),
)

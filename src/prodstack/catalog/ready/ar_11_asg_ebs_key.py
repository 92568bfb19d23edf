"""AR-11: an Auto Scaling group whose launch template encrypts EBS volumes with a customer
managed key the Auto Scaling service-linked role may not use: every launch fails."""

from __future__ import annotations

from collections.abc import Iterator

from prodstack.catalog.model import AuditInput, Cases, Entry, Hit, Made, Rule, Unseen
from prodstack.catalog.plan_fixtures import GOOD_ASG
from prodstack.catalog.policies import Request
from prodstack.catalog.policy_match import HOLE
from prodstack.catalog.ready_fixtures import ACCOUNT, ROOT, ReadyBuilder, allow, key
from prodstack.catalog.ready_queries import (
    account_id,
    key_policy,
    keys,
    linked,
    partition,
    region,
    verdicts,
)
from prodstack.catalog.unseen import cannot_tell
from prodstack.tf.plan import Plan, Resource

SLR = "AWSServiceRoleForAutoScaling"
ACTIONS = ("kms:CreateGrant", "kms:GenerateDataKeyWithoutPlaintext", "kms:Decrypt",
           "kms:DescribeKey")


def slr_arn(plan: Plan, asg: Resource) -> str:
    given = asg.get("service_linked_role_arn")
    if isinstance(given, str) and given:
        return given
    name = SLR
    for role in linked(plan, asg, ("service_linked_role_arn",), "aws_iam_service_linked_role"):
        suffix = role.get("custom_suffix")
        name = f"{SLR}_{suffix}" if isinstance(suffix, str) and suffix else \
            SLR if suffix is None else f"{SLR}_{HOLE}"
    return (f"arn:{partition(plan)}:iam::{account_id(plan)}:role/aws-service-role/"
            f"autoscaling.amazonaws.com/{name}")


def volume_keys(plan: Plan, template: Resource) -> list[Resource]:
    """The customer managed keys of the template's encrypted volumes: named, or the account's
    default EBS key where a volume is encrypted without one."""
    found = keys(plan, template, "block_device_mappings")  # (Plan.refs reads one level of blocks)
    blocks = template.get("block_device_mappings")
    for i in range(len(blocks) if isinstance(blocks, list) else 0):
        encrypted = template.get("block_device_mappings", i, "ebs", "encrypted")
        if str(encrypted).lower() == "true" and \
                template.get("block_device_mappings", i, "ebs", "kms_key_id") is None:
            for default in plan.of("aws_ebs_default_kms_key"):
                found += [k for k in keys(plan, default, "key_arn") if k not in found]
    return found


def granted(plan: Plan, used: Resource, role: str) -> bool:
    """An aws_kms_grant on the key for the role (AWS's alternative to the key policy)."""
    for grant in plan.referrers(used, "aws_kms_grant", "key_id"):
        grantee = grant.get("grantee_principal")
        if grantee == role or (not isinstance(grantee, str) and plan.refs(grant,
                                                                          "grantee_principal")):
            return True
    return False


def rule(inp: AuditInput) -> Iterator[Hit | Unseen]:
    plan = inp.plan
    for asg in plan.of("aws_autoscaling_group"):
        role = slr_arn(plan, asg)
        context = {"kms:ViaService": f"ec2.{region(plan)}.amazonaws.com",
                   "kms:CallerAccount": account_id(plan), "aws:PrincipalArn": role,
                   "aws:PrincipalAccount": account_id(plan)}
        templates = linked(plan, asg, ("launch_template",), "aws_launch_template") + \
            linked(plan, asg, ("mixed_instances_policy",), "aws_launch_template")
        for template in templates:
            for used in volume_keys(plan, template):
                if granted(plan, used, role):
                    continue
                doc = key_policy(plan, used)
                asks = {a: Request(
                    a, (f"arn:{partition(plan)}:kms:{region(plan)}:{account_id(plan)}:key/{HOLE}",),
                    ("AWS", role), {**context, **({"kms:GrantIsForAWSResource": "true"}
                                                  if a == "kms:CreateGrant" else {})})
                    for a in ACTIONS}
                refused, undecided = verdicts(doc, asks)
                if undecided and not refused:
                    yield cannot_tell(asg.address, f"the policy of {used.address} lets the "
                                      f"Auto Scaling service-linked role call "
                                      f"{', '.join(undecided)}", doc)
                if refused:
                    yield Hit(asg.address, f"{template.address} encrypts volumes with "
                              f"{used.address}, whose policy does not let "
                              f"{role.rsplit('/', 1)[-1]} call {', '.join(refused)} (an Allow "
                              "for the account root only "
                              "lets IAM policies grant it, and a service-linked role's policy "
                              "grants no customer managed key): every launch fails with "
                              "\"Client.InternalError: Client error on launch\" and the group "
                              "stays empty")


cases = Cases()
SLR_ARN = f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/{SLR}"
USE = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]


def _stack(*statements: dict[str, object] | None, grant: bool = False) -> ReadyBuilder:
    """A web module: a launch template with an encrypted root volume on the data key, and a
    blue and a green group by for_each."""
    b = ReadyBuilder()
    key(b, "aws_kms_key.data", *statements)
    b.module("module.web", inputs={"kms_key_arn": ["aws_kms_key.data.arn", "aws_kms_key.data"]})
    b.add("module.web.aws_launch_template.this", {
        "name": "web", "block_device_mappings": [{"device_name": "/dev/xvda", "ebs": [{
            "encrypted": "true", "volume_size": 20, "kms_key_id": None}]}]},
        refs={"block_device_mappings.ebs.kms_key_id": ["var.kms_key_arn"]},
        unknown={"id": True, "latest_version": True,
                 "block_device_mappings": [{"ebs": [{"kms_key_id": True}]}]})
    for colour in ("blue", "green"):
        b.add(f'module.web.aws_autoscaling_group.this["{colour}"]',
              {**GOOD_ASG, "name": f"web-{colour}",
               "launch_template": [{"version": None, "id": None}]},
              refs={"launch_template.id": ["aws_launch_template.this.id",
                                           "aws_launch_template.this"]},
              unknown={"launch_template": [{"id": True, "version": True}], "arn": True,
                       "service_linked_role_arn": True})
    if grant:
        b.add("aws_kms_grant.autoscaling", {"grantee_principal": SLR_ARN,
                                            "operations": ["Decrypt", "CreateGrant"]},
              refs={"key_id": ["aws_kms_key.data.key_id", "aws_kms_key.data"]},
              unknown={"key_id": True})
    return b


@cases.fires('module.web.aws_autoscaling_group.this["blue"]',
             'module.web.aws_autoscaling_group.this["green"]')
def key_with_the_default_policy_only() -> Made:
    return _stack(), None


@cases.fires('module.web.aws_autoscaling_group.this["blue"]',
             'module.web.aws_autoscaling_group.this["green"]')
def account_root_through_ec2_only() -> Made:
    """The account root with kms:ViaService ec2: IAM principals with their own KMS permissions
    can use it through EC2, the Auto Scaling service-linked role cannot."""
    via = {"StringEquals": {"kms:ViaService": "ec2.us-east-1.amazonaws.com"}}
    return _stack(allow({"AWS": ROOT}, [*USE, "kms:CreateGrant"], "*", via)), None


@cases.passes
def documented_statements_for_the_service_linked_role() -> Made:
    return _stack(allow({"AWS": SLR_ARN}, USE, sid="AllowUseOfTheKey"),
                  allow({"AWS": SLR_ARN}, "kms:CreateGrant", "*",
                        {"Bool": {"kms:GrantIsForAWSResource": True}},
                        sid="AllowAttachmentOfPersistentResources")), None


@cases.passes
def any_principal_of_the_account_through_ec2() -> Made:
    """prodstack's data key: every principal of the account, through EC2 (and others)."""
    return _stack(allow({"AWS": "*"}, [*USE, "kms:CreateGrant"], "*", {
        "StringEquals": {"kms:CallerAccount": ACCOUNT},
        "StringLike": {"kms:ViaService": ["ec2.us-east-1.amazonaws.com",
                                          "rds.us-east-1.amazonaws.com"]}})), None


@cases.passes
def grant_for_the_service_linked_role() -> Made:
    return _stack(grant=True), None


ENTRY = Entry(
    id="AR-11", title="Auto Scaling cannot use the launch template's EBS key",
    severity="high",
    failure="every instance launch fails (\"Client.InternalError: Client error on launch\") "
            "and the group stays empty: the customer managed key of the template's encrypted "
            "volumes must let the Auto Scaling service-linked role (AWSServiceRoleForAutoScaling) "
            "use it (Encrypt, Decrypt, ReEncrypt*, GenerateDataKey*, DescribeKey) and "
            "kms:CreateGrant with kms:GrantIsForAWSResource",
    fix="the two key policy statements AWS documents for the service-linked role (or a "
        "kms:CallerAccount + kms:ViaService ec2 statement for any principal of the account, "
        "or an aws_kms_grant for the role)",
    aws_docs="https://docs.aws.amazon.com/autoscaling/ec2/userguide/"
             "key-policy-requirements-EBS-encryption.html",
    rule=Rule(types=("aws_autoscaling_group", "aws_launch_template", "aws_kms_key",
                     "aws_kms_alias", "aws_kms_key_policy", "aws_kms_grant",
                     "aws_ebs_default_kms_key"), check=rule, cases=cases.plan),
)

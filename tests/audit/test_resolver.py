"""The value resolver (catalog/resolve.py) on policies written the way people write them:
`jsonencode` over references to resources being created, `aws_iam_policy_document` blocks,
variables and module inputs. In directory mode the folder's HCL is read; the plans are the
shape `terraform show -json` gives such folders (the policy unknown, only its references
kept), built without Terraform."""

from __future__ import annotations

from pathlib import Path

from prodstack.catalog.plan_data import ACCOUNT as ACCOUNT_SYMBOL
from prodstack.catalog.policies import Request, evaluate
from prodstack.catalog.policy_match import glob, symbol
from prodstack.catalog.ready_fixtures import ReadyBuilder
from prodstack.catalog.ready_queries import document
from prodstack.ops.audit.engine import AuditResult
from prodstack.tf.hcl_expr import parse_expression
from tests.audit.helpers import PlanBuilder, folder_audit, plan_of, write_files

LOG_BUCKET_TF = """
data "aws_elb_service_account" "main" {}
data "aws_caller_identity" "current" {}

resource "aws_s3_bucket" "logs" {
  bucket = "${var.prefix}-lb-logs"
}

variable "prefix" {
  default = "acme"
}

locals {
  account = data.aws_caller_identity.current.account_id
}

resource "aws_s3_bucket_policy" "logs" {
  bucket = aws_s3_bucket.logs.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = PRINCIPAL }
      Action    = "s3:PutObject"
      Resource  = "${aws_s3_bucket.logs.arn}/alb/AWSLogs/${local.account}/*"
    }]
  })
}

resource "aws_lb" "web" {
  name = "web"
  access_logs {
    bucket  = aws_s3_bucket.logs.id
    prefix  = "alb"
    enabled = true
  }
}
"""


def _alb_plan() -> ReadyBuilder:
    b = ReadyBuilder()
    b.data("data.aws_elb_service_account.main", {"arn": "arn:aws:iam::127311923021:root",
                                                 "id": "127311923021"})
    b.variables["prefix"] = "acme"
    b.add("aws_s3_bucket.logs", {"bucket": "acme-lb-logs"}, unknown={"arn": True, "id": True})
    b.add("aws_s3_bucket_policy.logs", {"policy": None},
          refs={"bucket": ["aws_s3_bucket.logs.id", "aws_s3_bucket.logs"],
                "policy": ["aws_s3_bucket.logs.arn", "aws_s3_bucket.logs", "local.account"]},
          unknown={"bucket": True, "policy": True})
    b.add("aws_lb.web", {"name": "web", "load_balancer_type": "application", "internal": False,
                         "access_logs": [{"prefix": "alb", "enabled": True}]},
          refs={"access_logs.bucket": ["aws_s3_bucket.logs.id", "aws_s3_bucket.logs"]},
          unknown={"arn": True, "access_logs": [{"bucket": True}]})
    return b


def _audit(tmp_path: Path, tf: str, builder: PlanBuilder) -> AuditResult:
    return folder_audit(write_files(tmp_path / "root", {"main.tf": tf}), builder)


def test_alb_log_bucket_policy_written_with_references_is_read(tmp_path: Path) -> None:
    """The principal is a network load balancer's: named, though every ARN is a reference
    to a bucket being created (a plan file alone cannot tell, and says so)."""
    wrong = LOG_BUCKET_TF.replace("{ AWS = PRINCIPAL }",
                                  '{ Service = "delivery.logs.amazonaws.com" }')
    result = _audit(tmp_path / "wrong", wrong, _alb_plan())
    assert [(f.id, f.address) for f in result.findings if f.id == "AR-4"] == [
        ("AR-4", "aws_lb.web")]
    right = LOG_BUCKET_TF.replace("PRINCIPAL", "data.aws_elb_service_account.main.arn")
    result = _audit(tmp_path / "right", right, _alb_plan())
    assert not [f for f in result.findings if f.id.startswith("AR-")]
    assert not [u for u in result.unseen if u.id == "AR-4"]
    from tests.audit.helpers import unseen
    [note] = unseen("AR-4", _alb_plan())  # the plan file alone
    assert "aws_s3_bucket.logs.arn" in note.message


TRAIL_TF = """
data "aws_caller_identity" "current" {}

module "audit" {
  source = "./audit"
  name   = "acme-trail"
}

resource "aws_cloudtrail" "main" {
  name           = "main"
  s3_bucket_name = module.audit.bucket
  kms_key_id     = aws_kms_key.trail.arn
  depends_on     = [module.audit]
}

resource "aws_kms_key" "trail" {
  policy = data.aws_iam_policy_document.key.json
}

data "aws_iam_policy_document" "key" {
  statement {
    sid       = "Admin"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
  statement {
    sid       = "CloudTrailEncrypt"
    actions   = KEY_ACTIONS
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }
  }
}
"""

AUDIT_MODULE_TF = """
variable "name" {}

data "aws_caller_identity" "current" {}

resource "aws_s3_bucket" "trail" {
  bucket = var.name
}

locals {
  arn = aws_s3_bucket.trail.arn
}

resource "aws_s3_bucket_policy" "trail" {
  bucket = aws_s3_bucket.trail.id
  policy = jsonencode({
    Statement = [
      {
        Sid       = "AWSCloudTrailAclCheck"
        Effect    = "Allow"
        Principal = { Service = "cloudtrail.amazonaws.com" }
        Action    = "s3:GetBucketAcl"
        Resource  = local.arn
      },
      {
        Sid       = "AWSCloudTrailWrite"
        Effect    = "Allow"
        Principal = { Service = "cloudtrail.amazonaws.com" }
        Action    = "s3:PutObject"
        Resource  = "${local.arn}/WRITE_PREFIX*"
        Condition = { StringEquals = { "s3:x-amz-acl" = "bucket-owner-full-control" } }
      },
    ]
  })
}

output "bucket" {
  value = aws_s3_bucket.trail.id
}
"""


def _trail_plan() -> ReadyBuilder:
    b = ReadyBuilder()
    b.data("module.audit.data.aws_caller_identity.current", {"account_id": "111122223333"})
    b.add("module.audit.aws_s3_bucket.trail", {"bucket": "acme-trail"},
          unknown={"arn": True, "id": True})
    b.add("module.audit.aws_s3_bucket_policy.trail", {"policy": None},
          refs={"bucket": ["aws_s3_bucket.trail.id", "aws_s3_bucket.trail"],
                "policy": ["local.arn"]}, unknown={"bucket": True, "policy": True})
    b.module("module.audit", outputs={"bucket": ["aws_s3_bucket.trail.id",
                                                 "aws_s3_bucket.trail"]})
    b.data("data.aws_iam_policy_document.key", {"json": None, "statement": None},
           unknown={"json": True, "statement": True})
    b.add("aws_kms_key.trail", {"policy": None}, unknown={"arn": True, "policy": True},
          refs={"policy": ["data.aws_iam_policy_document.key.json",
                           "data.aws_iam_policy_document.key"]})
    b.add("aws_cloudtrail.main", {"name": "main", "is_organization_trail": False},
          refs={"s3_bucket_name": ["module.audit.bucket", "module.audit"],
                "kms_key_id": ["aws_kms_key.trail.arn", "aws_kms_key.trail"]},
          unknown={"s3_bucket_name": True, "kms_key_id": True, "arn": True})
    b.depends("aws_cloudtrail.main", "module.audit")
    return b


def _trail_folder(tmp_path: Path, write_prefix: str, key_actions: str) -> AuditResult:
    folder = write_files(tmp_path, {
        "main.tf": TRAIL_TF.replace("KEY_ACTIONS", key_actions),
        "audit/main.tf": AUDIT_MODULE_TF.replace("WRITE_PREFIX", write_prefix)})
    return folder_audit(folder, _trail_plan())


def test_cloudtrail_bucket_and_key_policies_written_with_references(tmp_path: Path) -> None:
    good = _trail_folder(tmp_path / "good", "AWSLogs/${data.aws_caller_identity.current."
                         "account_id}/", '["kms:GenerateDataKey*", "kms:DescribeKey"]')
    assert not [f for f in good.findings if f.id in ("AR-1", "AR-2")]
    assert not [u for u in good.unseen if u.id in ("AR-1", "AR-2")]
    # the write statement names a prefix the trail does not write under, and the key lets
    # CloudTrail generate data keys but not describe the key
    bad = _trail_folder(tmp_path / "bad", "logs/", '["kms:GenerateDataKey*"]')
    assert sorted(f.id for f in bad.findings if f.id in ("AR-1", "AR-2")) == ["AR-1", "AR-2"]
    [key] = [f for f in bad.findings if f.id == "AR-2"]
    assert "kms:DescribeKey" in key.message


FLOW_TF = """
resource "aws_cloudwatch_log_group" "flow" {
  name = "/vpc/flow"
}

resource "aws_iam_role" "flow" {
  name               = "flow-logs"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = [SERVICE]
    }
  }
}

resource "aws_iam_role_policy" "flow" {
  role = aws_iam_role.flow.id
  policy = jsonencode({
    Statement = [{
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups",
                  "logs:DescribeLogStreams"]
      Resource = "${aws_cloudwatch_log_group.flow.arn}:*"
    }]
  })
}

resource "aws_flow_log" "vpc" {
  vpc_id          = "vpc-0123"
  traffic_type    = "ALL"
  iam_role_arn    = aws_iam_role.flow.arn
  log_destination = aws_cloudwatch_log_group.flow.arn
}
"""


def _flow_plan() -> ReadyBuilder:
    b = ReadyBuilder()
    b.add("aws_cloudwatch_log_group.flow", {"name": "/vpc/flow"}, unknown={"arn": True})
    b.data("data.aws_iam_policy_document.assume", {
        "json": None, "statement": [{"actions": ["sts:AssumeRole"], "principals": [
            {"type": "Service", "identifiers": ["ec2.amazonaws.com"]}]}]},
        unknown={"json": True})
    b.add("aws_iam_role.flow", {"name": "flow-logs", "path": "/", "assume_role_policy": None},
          refs={"assume_role_policy": ["data.aws_iam_policy_document.assume.json",
                                       "data.aws_iam_policy_document.assume"]},
          unknown={"arn": True, "assume_role_policy": True})
    b.add("aws_iam_role_policy.flow", {"policy": None},
          refs={"role": ["aws_iam_role.flow.id", "aws_iam_role.flow"],
                "policy": ["aws_cloudwatch_log_group.flow.arn",
                           "aws_cloudwatch_log_group.flow"]},
          unknown={"role": True, "policy": True})
    b.add("aws_flow_log.vpc", {"traffic_type": "ALL", "log_destination_type":
                               "cloud-watch-logs"},
          refs={"iam_role_arn": ["aws_iam_role.flow.arn", "aws_iam_role.flow"],
                "log_destination": ["aws_cloudwatch_log_group.flow.arn",
                                    "aws_cloudwatch_log_group.flow"]},
          unknown={"iam_role_arn": True, "log_destination": True})
    return b


def test_flow_log_role_written_with_references(tmp_path: Path) -> None:
    good = _audit(tmp_path / "good", FLOW_TF.replace("SERVICE", '"vpc-flow-logs.amazonaws.com"'),
                  _flow_plan())
    assert not [f for f in good.findings if f.id == "AR-8"]
    assert not [u for u in good.unseen if u.id == "AR-8"]
    bad = _audit(tmp_path / "bad", FLOW_TF.replace("SERVICE", '"ec2.amazonaws.com"'),
                 _flow_plan())
    assert [f.address for f in bad.findings if f.id == "AR-8"] == ["aws_flow_log.vpc"]


ALB_MODULE_TF = """
variable "internal" {
  default = null
}

resource "aws_lb" "this" {
  count    = 1
  name     = "web"
  internal = var.internal
}
"""


def test_module_alb_internal_from_a_null_variable_in_directory_mode(tmp_path: Path) -> None:
    plan = PlanBuilder()
    plan.add("module.alb.aws_lb.this[0]", {"name": "web", "load_balancer_type": "application",
                                           "internal": None},
             refs={"internal": ["var.internal"]}, unknown={"arn": True, "internal": True})
    plan.module("module.alb")
    folder = write_files(tmp_path / "root", {
        "main.tf": 'module "alb" {\n  source = "./alb"\n}\n', "alb/main.tf": ALB_MODULE_TF})
    result = folder_audit(folder, plan)
    assert [f.address for f in result.findings if f.id == "FM-2.1"] == [
        "module.alb.aws_lb.this[0]"]
    internal = write_files(tmp_path / "internal", {
        "main.tf": 'module "alb" {\n  source   = "./alb"\n  internal = true\n}\n',
        "alb/main.tf": ALB_MODULE_TF})
    assert not [f for f in folder_audit(internal, plan).findings if f.id == "FM-2.1"]


def test_a_symbol_matches_itself_and_may_match_others() -> None:
    name = symbol("the bucket of aws_s3_bucket.test")
    assert glob(f"arn:aws:s3:::{name}/*", f"arn:aws:s3:::{name}/AWSLogs/1/x") is True
    assert glob(f"arn:aws:s3:::{name}/*", "arn:aws:s3:::other/x") is None
    assert glob(f"arn:aws:s3:::{name}/logs/*", f"arn:aws:s3:::{name}/other/x") is False
    st = f"arn:aws:iam::{ACCOUNT_SYMBOL}:root"
    assert evaluate(None, Request("s3:PutObject")) is False
    assert glob(st, st) is True


def test_expressions_evaluated_as_terraform_does() -> None:
    from prodstack.catalog.resolve import resolver

    plan = plan_of(PlanBuilder().add("aws_sns_topic.t", {"name": "t"}))
    ev = resolver(plan).evaluator.eval
    assert ev(parse_expression('format("%s-%s", "a", 1)'), {}) == "a-1"
    assert ev(parse_expression('join(",", concat(["a"], ["b"]))'), {}) == "a,b"
    assert ev(parse_expression('{ for k, v in { a = 1, b = 2 } : k => v * 2 if v > 1 }'),
              {}) == {"b": 4}
    assert ev(parse_expression('true ? "x" : "y"'), {}) == "x"
    assert ev(parse_expression('lookup({ a = "b" }, "a", "c")'), {}) == "b"
    unknown = ev(parse_expression('uuid()'), {})
    assert "uuid" in repr(unknown)


def test_document_of_a_jsonencode_in_directory_mode_names_the_resources(tmp_path: Path) -> None:
    folder = write_files(tmp_path / "root", {"main.tf": LOG_BUCKET_TF.replace(
        "PRINCIPAL", "data.aws_elb_service_account.main.arn")})
    from prodstack.catalog.model import AuditInput
    from prodstack.tf.folder import read_folder

    config = read_folder(folder)
    plan = plan_of(_alb_plan(), config.locals)
    AuditInput(plan, config)
    doc = document(plan, plan.of("aws_s3_bucket_policy")[0])
    assert doc is not None and not isinstance(doc, type(None))
    [st] = doc.statements  # type: ignore[union-attr]
    assert st.resources == ("arn:aws:s3:::acme-lb-logs/alb/AWSLogs/111122223333/*",)

"""A plan file audited with the folder it was planned from (`prodstack audit plan.json
--config-dir DIR`, or the plan file's own folder): the plan keeps only the references of a
`jsonencode` over resources being created, the folder's HCL gives the policy itself. The ALB
log bucket, CloudTrail bucket and key, and flow-log role policies of test_resolver.py, each
named in plan mode as in directory mode; a plan file alone says it cannot tell."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from prodstack.catalog.planbuilder import PlanBuilder
from prodstack.catalog.ready_fixtures import ReadyBuilder
from prodstack.cli.audit import audit_cmd
from prodstack.config.load import load_settings
from prodstack.core.errors import UserError
from prodstack.ops.audit.inputs import audit
from tests.audit.helpers import write_files
from tests.audit.test_resolver import (
    AUDIT_MODULE_TF,
    FLOW_TF,
    LOG_BUCKET_TF,
    TRAIL_TF,
    _alb_plan,
    _flow_plan,
    _trail_plan,
)

SETTINGS = load_settings(env="production")
WRONG_ALB = LOG_BUCKET_TF.replace("{ AWS = PRINCIPAL }",
                                  '{ Service = "delivery.logs.amazonaws.com" }')
BAD_TRAIL = {"main.tf": TRAIL_TF.replace("KEY_ACTIONS", '["kms:GenerateDataKey*"]'),
             "audit/main.tf": AUDIT_MODULE_TF.replace("WRITE_PREFIX", "logs/")}
CASES = {
    "alb log bucket": ({"main.tf": WRONG_ALB}, _alb_plan, {"AR-4": ["aws_lb.web"]}),
    "cloudtrail bucket and key": (BAD_TRAIL, _trail_plan,
                                  {"AR-1": ["aws_cloudtrail.main"],
                                   "AR-2": ["aws_cloudtrail.main"]}),
    "flow log role": ({"main.tf": FLOW_TF.replace("SERVICE", '"vpc-flow-logs.amazonaws.com"')
                       .replace('"logs:PutLogEvents", ', "")},
                      lambda: _trusted(_flow_plan()), {"AR-8": ["aws_flow_log.vpc"]}),
}


def _trusted(b: ReadyBuilder) -> ReadyBuilder:
    """The flow-log plan with the trust policy's statement naming the flow logs service."""
    [assume] = [d for d in b.deferred if d["name"] == "assume"]
    assume["change"]["after"]["statement"][0]["principals"][0]["identifiers"] = [
        "vpc-flow-logs.amazonaws.com"]
    return b


def _plan_file(where: Path, builder: PlanBuilder) -> Path:
    where.mkdir(parents=True, exist_ok=True)
    path = where / "plan.json"
    path.write_text(json.dumps(builder.build()))
    return path


def _named(result: object, wanted: dict[str, list[str]]) -> dict[str, list[str]]:
    return {rule: sorted(f.address for f in result.findings if f.id == rule)  # type: ignore[attr-defined]
            for rule in wanted}


@pytest.mark.parametrize("case", list(CASES))
def test_plan_file_with_its_folder_names_the_policy(tmp_path: Path, case: str) -> None:
    files, builder, wanted = CASES[case]
    folder = write_files(tmp_path / "infra", files)
    alone = audit(_plan_file(tmp_path / "elsewhere", builder()), SETTINGS)
    assert _named(alone, wanted) == {rule: [] for rule in wanted}
    assert {u.id for u in alone.unseen} >= set(wanted)  # said, not passed
    given = audit(_plan_file(tmp_path / "elsewhere", builder()), SETTINGS, config_dir=folder)
    assert _named(given, wanted) == wanted
    beside = audit(_plan_file(folder, builder()), SETTINGS)  # the folder it was planned in
    assert _named(beside, wanted) == wanted
    [finding] = [f for f in given.findings if f.id == next(iter(wanted))][:1]
    assert given.location_of(finding.address) is not None  # located in the folder's files


def test_a_folder_beside_the_plan_that_is_not_its_configuration_is_not_read(
        tmp_path: Path) -> None:
    folder = write_files(tmp_path / "other", {"main.tf": 'resource "aws_sqs_queue" "q" {}\n'})
    result = audit(_plan_file(folder, _alb_plan()), SETTINGS)
    assert not [f for f in result.findings if f.id == "AR-4"]
    assert [u.id for u in result.unseen if u.id == "AR-4"] == ["AR-4"]


def test_config_dir_on_the_command_line(tmp_path: Path) -> None:
    folder = write_files(tmp_path / "infra", {"main.tf": WRONG_ALB})
    plan = _plan_file(tmp_path / "ci", _alb_plan())
    out = CliRunner().invoke(audit_cmd, [str(plan), "--config-dir", str(folder),
                                         "--format", "json"])
    assert out.exit_code == 1, out.output
    data = json.loads(out.output)
    [alb] = [f for f in data["findings"] if f["id"] == "AR-4"]
    assert alb["file"] == "main.tf"
    for argv, why in (([str(folder), "--config-dir", str(folder)], "plan file"),
                      ([str(plan), "--config-dir", str(tmp_path / "no")], "not a folder")):
        refused = CliRunner().invoke(audit_cmd, argv)
        assert isinstance(refused.exception, UserError) and why in str(refused.exception)
        assert refused.exception.exit_code == 2


def test_module_alb_internal_from_a_null_variable_in_plan_mode() -> None:
    """The plan keeps the module call without an `internal` input: the variable's default,
    null, hence the provider's default, internet-facing (directory mode: test_resolver)."""
    from tests.audit.helpers import hits

    plan = PlanBuilder()
    plan.add("module.alb.aws_lb.this[0]", {"name": "web", "load_balancer_type": "application",
                                           "internal": None},
             refs={"internal": ["var.internal"]}, unknown={"arn": True, "internal": True})
    plan.module("module.alb")
    assert [h.address for h in hits("FM-2.1", plan)] == ["module.alb.aws_lb.this[0]"]
    plan.config["module_calls"]["alb"]["expressions"]["internal"] = {
        "references": ["aws_ssm_parameter.tier.value", "aws_ssm_parameter.tier"]}
    assert not hits("FM-2.1", plan)  # an input known after apply: unseen, not a finding

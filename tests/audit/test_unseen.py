"""What a rule could not check (an `Unseen` hit): its own `unseen` list, in every format, never
a finding and never counted for the exit code; and the plan reader following `local.*`
through the configuration's locals (directory mode), which makes FM-4.3 exact."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from prodstack.catalog.plan_fixtures import alb
from prodstack.ops.audit.engine import AuditResult
from prodstack.ops.audit.formats import render
from tests.audit.helpers import PlanBuilder, folder_audit, hits, plan_of, write_files
from tests.audit.test_formats import validate

LISTENER_TF = """
resource "aws_lb" "web" {
  name = "web"
}

resource "aws_lb_target_group" "this" {
  for_each = { web = 80 }
  port     = each.value
}

resource "aws_lb_listener" "this" {
  for_each          = { http = 80 }
  load_balancer_arn = aws_lb.web.arn
  port              = each.value

  dynamic "default_action" {
    for_each = [aws_lb_target_group.this["web"].arn]
    content {
      type             = "forward"
      target_group_arn = default_action.value
    }
  }
}
"""


def _dynamic_listener() -> PlanBuilder:
    b = alb(PlanBuilder())
    b.add('aws_lb_target_group.this["web"]', {"name": "web", "port": 80}, unknown={"arn": True})
    b.add('aws_lb_listener.this["http"]', {"port": 80, "default_action": [
        {"type": "forward", "target_group_arn": None}]}, unset=("default_action",),
        refs={"load_balancer_arn": ["aws_lb.web.arn", "aws_lb.web"]},
        unknown={"default_action": [{"target_group_arn": True}]})
    return b


def _audit(tmp_path: Path) -> AuditResult:
    folder = write_files(tmp_path / "alb", {"main.tf": LISTENER_TF})
    return folder_audit(folder, _dynamic_listener())


def test_a_dynamic_listener_is_unseen_not_a_finding(tmp_path: Path) -> None:
    result = _audit(tmp_path)
    assert [(u.id, u.address) for u in result.unseen] == [("FM-6.1", "aws_lb_listener.this")]
    assert "FM-6.1" not in {f.id for f in result.findings}
    assert "dynamic" in result.unseen[0].message
    without = [f for f in result.findings if f.id != "FM-6.1"]
    assert result.exit_code("low") == (1 if without else 0)
    assert not hits("FM-6.1", _dynamic_listener())


def test_unseen_in_text_and_json_with_its_block(tmp_path: Path) -> None:
    result = _audit(tmp_path)
    text = render("text", result)
    assert "NOT SEEN (could not be checked; reported, not counted)" in text
    assert "FM-6.1  aws_lb_listener.this (main.tf:10)" in text
    data = json.loads(render("json", result))
    assert data["unseen"] == [{
        "id": "FM-6.1", "title": "No deployment strategy", "address": "aws_lb_listener.this",
        "message": result.unseen[0].message, "file": "main.tf", "line": 10}]
    assert "roots" not in data  # only a recursive audit has roots
    assert data["counts"]["unseen"] == 1
    assert "1 not seen" in text.splitlines()[0]


def test_unseen_in_sarif_junit_and_markdown(tmp_path: Path) -> None:
    result = _audit(tmp_path)
    document = json.loads(render("sarif", result))
    validate(document)
    [review] = [r for r in document["runs"][0]["results"]
                if r.get("properties", {}).get("unseen")]
    assert review["ruleId"] == "FM-6.1" and review["level"] == "note"
    assert document["runs"][0]["properties"]["unseen"] == 1
    assert review["message"]["text"].startswith("FM-6.1 could not check")
    physical = review["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "main.tf"
    assert physical["region"]["startLine"] == 10
    suites = ET.fromstring(render("junit", result))
    [case] = [c for c in suites.iter("testcase") if c.get("name") == "aws_lb_listener.this"]
    skipped = case.find("skipped")
    assert skipped is not None and skipped.get("message", "").startswith("could not check")
    assert case.get("file") == "main.tf" and case.get("line") == "10"
    markdown = render("markdown", result)
    assert "**Not seen**" in markdown and "`aws_lb_listener.this` (main.tf:10)" in markdown
    assert "1 not seen" in markdown.splitlines()[0]


def test_locals_from_the_configuration_are_followed() -> None:
    b = (PlanBuilder()
         .add("module.vpc.aws_vpc.this[0]", {"cidr_block": "10.0.0.0/16"}, unknown={"id": True})
         .add("module.vpc.aws_flow_log.this[0]", {"traffic_type": "ALL"},
              refs={"vpc_id": ["local.vpc_id"]}, unknown={"vpc_id": True})
         .module("module.vpc"))
    plan_file = plan_of(b)
    flow_log = plan_file.of("aws_flow_log")[0]
    assert plan_file.refs(flow_log, "vpc_id") == frozenset()
    assert plan_file.through_locals(flow_log, "vpc_id")
    known = plan_of(b, {"module.vpc": {"vpc_id": ["local.ids", "var.unused"],
                                       "ids": ["aws_vpc.this[0].id", "aws_vpc.this"]}})
    flow_log = known.of("aws_flow_log")[0]
    assert known.refs(flow_log, "vpc_id") == {"module.vpc.aws_vpc.this"}
    assert not known.through_locals(flow_log, "vpc_id")
    # a local of another module, or one not written, is still lost
    other = plan_of(b, {"": {"vpc_id": ["aws_vpc.this"]}})
    assert other.through_locals(other.of("aws_flow_log")[0], "vpc_id")


def test_local_cycles_end() -> None:
    b = PlanBuilder().add("aws_flow_log.x", {}, refs={"vpc_id": ["local.a"]})
    plan = plan_of(b, {"": {"a": ["local.b"], "b": ["local.a", "aws_vpc.main"]}})
    assert plan.refs(plan.of("aws_flow_log")[0], "vpc_id") == {"aws_vpc.main"}


def test_fm_4_3_gives_a_local_it_cannot_follow_the_benefit_of_the_doubt() -> None:
    """The same plan as FM-4.3's failing fixture, read as a plan file (no locals): silent."""
    from prodstack.catalog.fm.fm_4_3 import flow_log_through_a_local_on_the_other_vpc_of_its_module

    builder, config = flow_log_through_a_local_on_the_other_vpc_of_its_module()
    assert config is not None and config.locals
    assert hits("FM-4.3", builder) == []
    assert [h.address for h in hits("FM-4.3", builder, config)] == [
        "module.vpc.aws_vpc.egress[0]"]

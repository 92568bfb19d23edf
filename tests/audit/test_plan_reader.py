"""The plan reader: instances across modules, unknown values, references through modules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from prodstack.catalog.planbuilder import PlanBuilder
from prodstack.errors import UserError
from prodstack.tf.plan import UNKNOWN, load_plan
from tests.audit.helpers import plan_of

FIXTURES = Path(__file__).parent / "fixtures"


def test_reads_root_and_module_instances_with_count_and_for_each() -> None:
    b = (PlanBuilder()
         .add("aws_subnet.private[0]", {"availability_zone": "us-west-1a"})
         .add("aws_subnet.private[1]", {"availability_zone": "us-west-1b"})
         .add('module.dns["shop"].aws_route53_record.this["www"]', {"name": "www"}))
    plan = plan_of(b)
    assert [r.address for r in plan.of("aws_subnet")] == ["aws_subnet.private[0]",
                                                          "aws_subnet.private[1]"]
    record = plan.of("aws_route53_record")[0]
    assert record.module == 'module.dns["shop"]'
    assert record.config_key == "module.dns.aws_route53_record.this"
    assert record.has_config and record.written("name")
    assert len(plan.instances("aws_subnet.private")) == 2


def test_unknown_values_and_defaults() -> None:
    b = PlanBuilder().add("aws_db_instance.main", {"multi_az": None, "engine": "postgres"},
                          unknown={"multi_az": True, "endpoint": True})
    db = plan_of(b).of("aws_db_instance")[0]
    assert db.get("multi_az") is UNKNOWN
    assert db.effective("multi_az", False) is False  # unset: AWS's default applies
    assert db.get("engine") == "postgres"
    assert db.get("nothing", "deeper") is None


def test_nested_blocks_read_their_first_element() -> None:
    b = PlanBuilder().add("aws_launch_template.web", {
        "metadata_options": [{"http_tokens": "required"}]},
        unknown={"metadata_options": [{"instance_metadata_tags": True}]})
    lt = plan_of(b).of("aws_launch_template")[0]
    assert lt.get("metadata_options", "http_tokens") == "required"
    assert lt.get("metadata_options", "instance_metadata_tags") is UNKNOWN


def test_references_follow_module_inputs_and_outputs() -> None:
    b = (PlanBuilder()
         .add("aws_vpc.main", {}, unknown={"id": True})
         .add("module.net.module.logs.aws_flow_log.this", {}, refs={"vpc_id": ["var.vpc"]})
         .module("module.net", inputs={"vpc_id": ["aws_vpc.main.id", "aws_vpc.main"]})
         .module("module.net.module.logs", inputs={"vpc": ["var.vpc_id"]})
         .add("module.db.aws_db_instance.this", {"identifier": "db"})
         .module("module.db", outputs={"arn": ["aws_db_instance.this.arn",
                                               "aws_db_instance.this"]})
         .add("aws_backup_selection.db", {}, refs={"resources": ["module.db.arn", "module.db"]}))
    plan = plan_of(b)
    flow = plan.of("aws_flow_log")[0]
    assert plan.refs(flow, "vpc_id") == {"aws_vpc.main"}
    vpc = plan.of("aws_vpc")[0]
    assert plan.referrers(vpc, "aws_flow_log", "vpc_id") == [flow]
    selection = plan.of("aws_backup_selection")[0]
    assert plan.refs(selection, "resources") == {"module.db.aws_db_instance.this"}


def test_links_by_literal_name_when_there_is_no_reference() -> None:
    b = (PlanBuilder().add("aws_autoscaling_group.web", {"name": "web-asg"})
         .add("aws_autoscaling_policy.cpu", {"autoscaling_group_name": "web-asg"}))
    plan = plan_of(b)
    asg = plan.of("aws_autoscaling_group")[0]
    assert plan.referrers(asg, "aws_autoscaling_policy", "autoscaling_group_name")


def test_resources_being_deleted_are_left_out() -> None:
    b = (PlanBuilder().add("aws_vpc.old", {}, actions=("delete",))
         .add("aws_vpc.new", {}, actions=("delete", "create")))
    assert [r.address for r in plan_of(b).resources] == ["aws_vpc.new"]


def test_planned_values_without_resource_changes_are_read() -> None:
    data = PlanBuilder().add("aws_vpc.main", {"cidr_block": "10.0.0.0/16"}).build()
    data["resource_changes"] = []
    vpc = plan_of(data).of("aws_vpc")[0]
    assert vpc.get("cidr_block") == "10.0.0.0/16"


def test_real_plan_fixture_reads_module_resources() -> None:
    plan = load_plan(json.loads((FIXTURES / "weak_plan_small.json").read_text()), "fixture")
    db = plan.of("aws_db_instance")[0]
    assert db.address == "module.db.aws_db_instance.this"
    alarm = plan.of("aws_cloudwatch_metric_alarm")[0]
    assert plan.refs(alarm, "dimensions") == {"module.db.aws_db_instance.this"}


@pytest.mark.parametrize("data", [
    {"format_version": "1.0", "values": {"root_module": {}}},  # a state, not a plan
    {"resource_changes": []},
    [1, 2, 3],
    "plan",
])
def test_not_a_plan(data: object) -> None:
    with pytest.raises(UserError) as err:
        load_plan(data, "x.json")
    assert err.value.exit_code == 2
    assert "not a Terraform plan" in str(err.value)

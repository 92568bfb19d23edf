"""The plan reader: instances across modules, unknown values, references through modules."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from prodstack.catalog.planbuilder import PlanBuilder
from prodstack.core.errors import UserError
from prodstack.tf.plan import UNKNOWN, load_plan, strip_instance_keys
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


def test_value_turns_unknown_and_null_into_the_default() -> None:
    b = PlanBuilder().add("aws_db_instance.main", {"engine": "postgres", "multi_az": None,
                                                  "allocated_storage": 0},
                          unknown={"endpoint": True})
    db = plan_of(b).of("aws_db_instance")[0]
    assert db.value("engine") == "postgres"
    assert db.value("endpoint", "later") == "later"  # unknown
    assert db.value("multi_az", False) is False  # null
    assert db.value("missing") is None
    assert db.value("allocated_storage", 20) == 0  # a falsy known value is kept


def test_block_is_the_first_element_of_a_nested_block() -> None:
    b = PlanBuilder().add("aws_launch_template.web", {
        "monitoring": [{"enabled": True}, {"enabled": False}], "metadata_options": [],
        "tags": {"a": "b"}}, unknown={"placement": True})
    lt = plan_of(b).of("aws_launch_template")[0]
    assert lt.block("monitoring") == {"enabled": True}
    assert lt.block("metadata_options") == {} and lt.block("placement") == {}
    assert lt.block("tags") == {} and lt.block("nothing") == {}


@pytest.mark.parametrize(("region", "variables", "expected"), [
    ({"constant_value": "eu-west-1"}, {}, ("eu-west-1", "the plan's aws provider")),
    ({"references": ["var.where"]}, {"where": {"value": "us-east-2"}},
     ("us-east-2", "the plan's variable where")),
    ({"references": ["var.where"]}, {}, (None, "the plan does not say")),
    (None, {}, (None, "the plan does not say")),
])
def test_region_of_the_default_aws_provider(region: object, variables: dict,
                                            expected: tuple) -> None:
    data = PlanBuilder().build()
    if region is not None:
        data["configuration"]["provider_config"]["aws"]["expressions"] = {"region": region}
    data["variables"] = variables
    assert plan_of(data).region() == expected


def test_referenced_gives_every_instance_through_modules_in_plan_order() -> None:
    b = (PlanBuilder()
         .add("module.logs.aws_cloudwatch_log_group.this[1]", {})
         .add("module.logs.aws_cloudwatch_log_group.this[0]", {})
         .add("aws_cloudwatch_log_group.other", {})
         .module("module.logs", outputs={"arn": ["aws_cloudwatch_log_group.this"]})
         .add("aws_flow_log.vpc", {}, refs={"log_destination": ["module.logs.arn",
                                                                "module.logs"]}))
    plan = plan_of(b)
    flow = plan.of("aws_flow_log")[0]
    assert [r.address for r in plan.referenced(flow, "log_destination")] == [
        "module.logs.aws_cloudwatch_log_group.this[1]",
        "module.logs.aws_cloudwatch_log_group.this[0]"]
    assert plan.referenced(flow, "nothing") == []


def test_state_json_is_read_only_when_asked_for() -> None:
    state = {"format_version": "1.0", "values": {"root_module": {
        "resources": [{"address": "aws_kms_key.k", "mode": "managed", "type": "aws_kms_key",
                       "name": "k", "values": {"enable_key_rotation": True}},
                      {"address": "data.aws_region.r", "mode": "data", "type": "aws_region",
                       "name": "r", "values": {}}],
        "child_modules": [{"address": "module.m", "resources": [
            {"address": "module.m.aws_s3_bucket.b", "mode": "managed", "type": "aws_s3_bucket",
             "name": "b", "values": {"bucket": "b"}}]}]}}}
    plan = load_plan(state, "state.json", state=True)
    assert [r.address for r in plan.resources] == ["aws_kms_key.k", "module.m.aws_s3_bucket.b"]
    assert plan.resources[0].value("enable_key_rotation") is True
    assert plan.resources[1].module == "module.m" and not plan.resources[1].has_config
    with pytest.raises(UserError, match="this is a state"):
        load_plan(state, "state.json")


def test_deleted_forgotten_and_data_resources_are_left_out() -> None:
    data = (PlanBuilder().add("aws_vpc.kept", {}, actions=("no-op",))
            .add("aws_vpc.gone", {}, actions=("delete",))
            .add("aws_vpc.forgotten", {}, actions=("forget",))
            .add("aws_vpc.replaced", {}, actions=("create", "delete"))).build()
    for change in data["resource_changes"]:
        if change["change"]["actions"] in (["delete"], ["forget"]):
            change["change"]["after"] = None  # as Terraform writes them
    data["resource_changes"].append({
        "address": "data.aws_ami.al2023", "mode": "data", "type": "aws_ami", "name": "al2023",
        "change": {"actions": ["read"], "before": None, "after": {"id": "ami-1"}}})
    # Terraform keeps a forgotten resource in planned_values: it must not come back from there.
    assert [r.address for r in plan_of(data).resources] == ["aws_vpc.kept", "aws_vpc.replaced"]


@pytest.mark.parametrize(("address", "stripped"), [
    ("aws_nat_gateway.az[0]", "aws_nat_gateway.az"),
    ('module.svc["a]b"].module.x[2].aws_lb.web', "module.svc.module.x.aws_lb.web"),
    ('module.svc["say \\"hi\\""].aws_lb.web["k"]', "module.svc.aws_lb.web"),
])
def test_strip_instance_keys_respects_quoted_keys(address: str, stripped: str) -> None:
    assert strip_instance_keys(address) == stripped


def test_modules_nested_deeper_than_the_recursion_limit() -> None:
    depth = sys.getrecursionlimit() * 2
    config: dict = {"resources": [], "module_calls": {}}
    planned: dict = {"resources": []}
    root_config, root_planned, path = config, planned, ""
    for _ in range(depth):
        path = f"{path}.module.m" if path else "module.m"
        call = {"expressions": {"v": {"references": ["var.v"]}},
                "module": {"resources": [], "module_calls": {}}}
        config["module_calls"]["m"] = call
        config = call["module"]
        child = {"address": path, "resources": []}
        planned["child_modules"] = [child]
        planned = child
    root_config["module_calls"]["m"]["expressions"] = {"v": {"references": ["aws_vpc.main"]}}
    config["resources"].append({"address": "aws_flow_log.f", "mode": "managed",
                                "type": "aws_flow_log", "name": "f",
                                "expressions": {"vpc_id": {"references": ["var.v"]}}})
    planned["resources"].append({"address": f"{path}.aws_flow_log.f", "mode": "managed",
                                 "type": "aws_flow_log", "name": "f", "values": {}})
    deep_value: object = "vpc-1"
    for _ in range(depth):
        deep_value = [{"id": deep_value}]
    root_planned["resources"] += [
        {"address": "aws_vpc.main", "mode": "managed", "type": "aws_vpc", "name": "main",
         "values": {"id": "vpc-1"}},
        {"address": "aws_flow_log.g", "mode": "managed", "type": "aws_flow_log", "name": "g",
         "values": {"vpc_id": deep_value}}]
    data = {"format_version": "1.2", "planned_values": {"root_module": root_planned},
            "configuration": {"root_module": root_config}}
    plan = load_plan(data, "deep")
    literal, flow = plan.of("aws_flow_log")
    vpc = plan.of("aws_vpc")[0]
    assert plan.refs(flow, "vpc_id") == {"aws_vpc.main"}  # through every module input
    assert plan.links(literal, ("vpc_id",), vpc)  # by the literal id, deep in the value

"""Adopting what a cut-off create left outside state: only ours, only on "already exists"."""

from __future__ import annotations

import json

import pytest

from prodstack.config.load import load_settings
from prodstack.ops import orphans
from prodstack.tf.progress import Diagnostic

EXISTS = Diagnostic("error", "creating EC2 Launch Template (prodstack-production-web): api error "
                    "InvalidLaunchTemplateName.AlreadyExistsException: Launch template name "
                    "already in use.", "", "aws_launch_template.web")
OURS = {"environment": "production", "project": "prodstack", "managed-by": "prodstack"}


NO_CLIENTS = None  # the lookups are replaced: no AWS call is made


@pytest.fixture
def main_json():
    return {"resource": {"aws_launch_template": {"web": {"name": "prodstack-production-web"}}}}


@pytest.fixture
def lookup(monkeypatch):
    seen: dict[str, object] = {}

    def install(result):
        def fake(clients, name):
            seen["name"] = name
            return result
        monkeypatch.setitem(orphans.LOOKUPS, "aws_launch_template", fake)
        return seen
    return install


def test_our_existing_template_is_adopted(main_json, lookup):
    seen = lookup(("lt-0123", OURS))
    found = orphans.adoptable([EXISTS], main_json, load_settings(), NO_CLIENTS)
    assert found == {"aws_launch_template.web": "lt-0123"}
    assert seen["name"] == "prodstack-production-web"


@pytest.mark.parametrize("tags", [{}, {**OURS, "environment": "staging"},
                                  {**OURS, "project": "other"}])
def test_an_object_that_is_not_ours_is_never_adopted(main_json, lookup, tags):
    lookup(("lt-0123", tags))
    assert orphans.adoptable([EXISTS], main_json, load_settings(), NO_CLIENTS) == {}


def test_other_errors_and_types_are_left_alone(main_json, lookup):
    lookup(("lt-0123", OURS))
    other = Diagnostic("error", "creating EC2 Launch Template: InvalidParameterValue", "",
                       "aws_launch_template.web")
    vpc = Diagnostic("error", "VpcLimitExceeded: already exists", "", "aws_vpc.main")
    assert orphans.adoptable([other, vpc], main_json, load_settings(), NO_CLIENTS) == {}


def test_imports_are_added_to_kept_ones(tmp_path):
    imports = tmp_path / "imports.tf.json"
    imports.write_text(json.dumps({"import": [{"to": "aws_s3_bucket.audit", "id": "b"}]}))
    orphans.add_imports(imports, {"aws_launch_template.web": "lt-1", "aws_s3_bucket.audit": "b"})
    assert json.loads(imports.read_text())["import"] == [
        {"to": "aws_s3_bucket.audit", "id": "b"}, {"to": "aws_launch_template.web", "id": "lt-1"}]


def test_a_rule_added_twice_on_the_emulator_is_matched_with_ids_from_state(monkeypatch):
    body = {"security_group_id": "${aws_security_group.alb.id}", "ip_protocol": "tcp",
            "referenced_security_group_id": "${aws_security_group.web.id}",
            "from_port": 80, "to_port": 80}
    path = {"resource": {"aws_vpc_security_group_egress_rule": {"alb_to_web": body}}}
    seen = {}

    def match(rtype, got, ids, clients):
        seen.update(rtype=rtype, body=got, ids=ids)
        return "sgr-1"

    monkeypatch.setitem(orphans.BY_CONFIGURATION, "aws_vpc_security_group_egress_rule", match)
    twice = Diagnostic("error", "creating VPC Security Group Rule: InvalidPermission.Duplicate: "
                       "The specified rule already exists", "",
                       "aws_vpc_security_group_egress_rule.alb_to_web")
    ids = {"aws_security_group.alb": "sg-a", "aws_security_group.web": "sg-w"}
    assert orphans.adoptable([twice], path, load_settings(), NO_CLIENTS, emulator=True,
                             state_ids=lambda: ids) == {
        "aws_vpc_security_group_egress_rule.alb_to_web": "sgr-1"}
    assert seen == {"rtype": "aws_vpc_security_group_egress_rule", "body": body, "ids": ids}
    assert orphans.adoptable([twice], path, load_settings(), NO_CLIENTS, emulator=False,
                             state_ids=lambda: ids) == {}


def test_a_route_created_twice_on_the_emulator_is_adopted_by_table_and_destination():
    path = {"resource": {"aws_route": {"app_1_nat": {
        "route_table_id": "${aws_route_table.app_1.id}", "destination_cidr_block": "0.0.0.0/0",
        "nat_gateway_id": "${aws_nat_gateway.az_1.id}"}}}}
    twice = Diagnostic("error", "creating Route in Route Table (rtb-1) with destination "
                       "(0.0.0.0/0): api error RouteAlreadyExists: The route identified by "
                       "0.0.0.0/0 already exists", "", "aws_route.app_1_nat")
    ids = {"aws_route_table.app_1": "rtb-1"}
    assert orphans.adoptable([twice], path, load_settings(), NO_CLIENTS, emulator=True,
                             state_ids=lambda: ids) == {"aws_route.app_1_nat": "rtb-1_0.0.0.0/0"}
    assert orphans.adoptable([twice], path, load_settings(), NO_CLIENTS,
                             state_ids=lambda: ids) == {}


def test_a_backup_plan_created_twice_on_the_emulator_is_adopted_by_its_id(monkeypatch):
    """The plan's import id is its id, found under its name; never on the aws target."""
    path = {"resource": {"aws_backup_plan": {"main": {"name": "prodstack-dev-backup"}}}}
    twice = Diagnostic("error", "creating Backup Plan (prodstack-dev-backup): AlreadyExists"
                       "Exception: Backup plan with the same plan document already exists",
                       "", "aws_backup_plan.main")
    seen = {}

    def lookup(clients, name):
        seen["name"] = name
        return "0e45c014"

    monkeypatch.setitem(orphans.BY_NAME, "aws_backup_plan", lookup)
    assert orphans.adoptable([twice], path, load_settings(), NO_CLIENTS, emulator=True) == {
        "aws_backup_plan.main": "0e45c014"}
    assert seen == {"name": "prodstack-dev-backup"}
    assert orphans.adoptable([twice], path, load_settings(), NO_CLIENTS) == {}
    monkeypatch.setitem(orphans.BY_NAME, "aws_backup_plan", lambda clients, name: None)
    assert orphans.adoptable([twice], path, load_settings(), NO_CLIENTS, emulator=True) == {}

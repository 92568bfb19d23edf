"""The deploy's bookkeeping with stand-in AWS clients: the release record and the rollback."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.exceptions import ClientError

from prodstack.core.errors import UserError
from prodstack.core.journal import Journal
from prodstack.ops.deploy import Deployer, Options

OUT = {"release_parameter": "/prodstack/production/release",
       "asg_names": {"blue": "web-blue", "green": "web-green"},
       "target_groups": {"blue": "tg-blue", "green": "tg-green"},
       "https_listener_arn": "listener", "launch_template_id": "lt-web"}


class FakeAutoScaling:
    def __init__(self, fail_first_update: bool) -> None:
        self.fail, self.updates = fail_first_update, []

    def describe_auto_scaling_groups(self, AutoScalingGroupNames: list[str]) -> dict[str, Any]:
        return {"AutoScalingGroups": [{
            "AutoScalingGroupName": AutoScalingGroupNames[0], "MinSize": 2, "MaxSize": 4,
            "DesiredCapacity": 2 if AutoScalingGroupNames[0] == "web-blue" else 0,
            "LaunchTemplate": {"LaunchTemplateId": "lt-web", "Version": "3"}}]}

    def update_auto_scaling_group(self, **kwargs: Any) -> None:
        if self.fail:
            self.fail = False
            raise ClientError({"Error": {"Code": "ValidationError", "Message": "no"}},
                              "UpdateAutoScalingGroup")
        self.updates.append(kwargs)


def deployer(record: dict[str, Any], fail_first_update: bool = False) -> Deployer:
    d = Deployer.__new__(Deployer)
    d.s, d.out, d.say = SimpleNamespace(name_prefix="prodstack-production"), OUT, lambda _: None
    d.ssm = SimpleNamespace(get_parameter=lambda Name: {"Parameter": {
        "Value": json.dumps(record)}})
    d.asg = FakeAutoScaling(fail_first_update)
    listener: list[dict[str, Any]] = []
    d.elbv2 = SimpleNamespace(modify_listener=lambda **kw: listener.append(kw), calls=listener)
    d.ec2 = SimpleNamespace(describe_launch_templates=lambda LaunchTemplateIds: {
        "LaunchTemplates": [{"DefaultVersionNumber": 4, "LatestVersionNumber": 4}]})
    return d


def test_colours_the_record_does_not_name_run_what_their_asg_runs():
    record = deployer({"live": "blue"}).record()
    # Both run Terraform's own template: they follow it (a template change rolls through
    # the instance refresh); a release template would be pinned at its version.
    assert record == {"live": "blue", "templates": {
        "blue": {"id": "lt-web", "version": "terraform"},
        "green": {"id": "lt-web", "version": "terraform"}}}


def test_a_failing_first_scaling_call_rolls_back(tmp_path):
    d = deployer({"live": "blue"}, fail_first_update=True)
    journal = Journal.open(tmp_path, "deploy")
    with pytest.raises(ClientError):
        d.run(Options(step_seconds=0, poll_seconds=0, healthy_timeout=0), journal)
    assert not journal.path.exists()  # undone: nothing is left to resume
    forward = d.elbv2.calls[-1]["DefaultActions"][0]["ForwardConfig"]["TargetGroups"]
    assert forward == [{"TargetGroupArn": "tg-blue", "Weight": 100},
                       {"TargetGroupArn": "tg-green", "Weight": 0}]
    assert d.asg.updates[-1]["AutoScalingGroupName"] == "web-green"
    assert (d.asg.updates[-1]["MinSize"], d.asg.updates[-1]["DesiredCapacity"]) == (0, 0)


def test_a_rollback_that_fails_leaves_the_journal_for_resume(tmp_path):
    d = deployer({"live": "blue"}, fail_first_update=True)

    def refuse(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "Throttling", "Message": "slow down"}},
                          "ModifyListener")

    d.elbv2 = SimpleNamespace(modify_listener=refuse)
    journal = Journal.open(tmp_path, "deploy")
    with pytest.raises(UserError, match=r"rollback failed .*prodstack resume"):
        d.run(Options(step_seconds=0, poll_seconds=0, healthy_timeout=0), journal)
    left = Journal.load(tmp_path)
    assert left is not None and left.data["live"] == "blue" and left.data["idle"] == "green"


def test_resume_undoes_a_deploy_cut_off_before_the_switch(tmp_path):
    from prodstack.ops.deploy import resume

    d = deployer({"live": "blue"})
    journal = Journal.open(tmp_path, "deploy", live="blue", idle="green",
                           previous={"id": "lt-web", "version": "3"}, max_size=4)
    journal.begin("weights", weight=50)
    assert resume(d, journal).startswith("undone: all traffic on blue")
    forward = d.elbv2.calls[-1]["DefaultActions"][0]["ForwardConfig"]["TargetGroups"]
    assert forward[0] == {"TargetGroupArn": "tg-blue", "Weight": 100}
    assert not journal.path.exists()


def test_resume_finishes_a_deploy_cut_off_after_the_switch(tmp_path):
    from prodstack.ops.deploy import resume

    d = deployer({"live": "green"})
    journal = Journal.open(tmp_path, "deploy", live="blue", idle="green",
                           previous={"id": "lt-web", "version": "3"}, max_size=4)
    journal.begin("record", live="green")
    journal.done()
    assert resume(d, journal).startswith("finished: all traffic on green")
    assert d.asg.updates[-1]["AutoScalingGroupName"] == "web-blue"
    assert d.asg.updates[-1]["DesiredCapacity"] == 0


def _listener(weights: dict[str, int]) -> dict[str, Any]:
    return {"Listeners": [{"DefaultActions": [{"Type": "forward", "ForwardConfig": {
        "TargetGroups": [{"TargetGroupArn": f"tg-{c}", "Weight": w}
                         for c, w in weights.items()]}}]}]}


@pytest.mark.parametrize("live", ["blue", "green"])
def test_align_puts_weights_changed_by_hand_back_on_the_live_colour(live):
    d = deployer({"live": live})
    d.elbv2.describe_listeners = lambda ListenerArns: _listener({"blue": 50, "green": 50})
    changed = d.align()
    assert changed is not None and f"all traffic back on {live}" in changed
    assert "blue 50%, green 50%" in changed
    forward = d.elbv2.calls[-1]["DefaultActions"][0]["ForwardConfig"]["TargetGroups"]
    assert {g["TargetGroupArn"]: g["Weight"] for g in forward} == {
        f"tg-{live}": 100, f"tg-{'green' if live == 'blue' else 'blue'}": 0}


def test_align_leaves_the_record_s_weights_alone():
    d = deployer({"live": "green"})
    d.elbv2.describe_listeners = lambda ListenerArns: _listener({"blue": 0, "green": 100})
    assert d.align() is None and d.elbv2.calls == []


def test_up_leaves_the_traffic_of_a_cut_off_deploy_to_resume(tmp_path):
    from prodstack.ops.deploy import align_traffic

    Journal.open(tmp_path, "deploy", live="blue", idle="green").begin("weights", weight=50)

    def no_clients(service: str) -> None:
        raise AssertionError(f"no {service} call while a deploy journal is open")

    align_traffic(SimpleNamespace(), OUT, no_clients, SimpleNamespace(say=print), tmp_path)


def test_a_release_on_terraform_s_template_runs_its_default_version_not_a_later_one():
    # A version added to the template by hand (IMDSv1 open, say) is the latest, not the
    # default: Terraform makes each version it writes the default.
    d = deployer({"live": "blue"})
    d.ec2 = SimpleNamespace(describe_launch_templates=lambda LaunchTemplateIds: {
        "LaunchTemplates": [{"DefaultVersionNumber": 4, "LatestVersionNumber": 5}]})
    assert d.version_of({"id": "lt-web", "version": "terraform"}) == "4"

"""prodstack.runtime.moto_patches.autoscaling_instance_refresh"""

from __future__ import annotations

import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.emulator.conftest import Client, still_needed

pytestmark = pytest.mark.emulator

WAIT_SECONDS = 15.0


def group_on_new_version(client: Client, name: str, size: int = 2) -> str:
    """An ASG of `size` on version 1 of its template, then set to a new version 2."""
    ec2, autoscaling = client("ec2"), client("autoscaling")
    template = ec2.create_launch_template(LaunchTemplateName=name, LaunchTemplateData={
        "ImageId": "ami-12c6146b", "InstanceType": "t3.micro"})["LaunchTemplate"]
    template_id = template["LaunchTemplateId"]
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=name, MinSize=size, MaxSize=size + 1,
        AvailabilityZones=["us-west-1a"],
        LaunchTemplate={"LaunchTemplateId": template_id, "Version": "1"})
    ec2.create_launch_template_version(LaunchTemplateId=template_id, LaunchTemplateData={
        "ImageId": "ami-12c6146b", "InstanceType": "t3.small"})
    autoscaling.update_auto_scaling_group(
        AutoScalingGroupName=name,
        LaunchTemplate={"LaunchTemplateId": template_id, "Version": "2"})
    return template_id


def instances(client: Client, name: str) -> list[dict[str, Any]]:
    return list(client("autoscaling").describe_auto_scaling_groups(
        AutoScalingGroupNames=[name])["AutoScalingGroups"][0]["Instances"])


def refresh(client: Client, name: str, refresh_id: str) -> dict[str, Any]:
    found = client("autoscaling").describe_instance_refreshes(
        AutoScalingGroupName=name, InstanceRefreshIds=[refresh_id])["InstanceRefreshes"]
    assert len(found) == 1
    return dict(found[0])


def wait_until_ended(client: Client, name: str, refresh_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        found = refresh(client, name, refresh_id)
        if found["Status"] not in ("Pending", "InProgress", "Cancelling"):
            return found
        assert time.monotonic() < deadline, found
        time.sleep(0.2)


def start_refresh(client: Client) -> str | None:
    """Start a refresh: its id, or None when the action fails."""
    group_on_new_version(client, "probe", size=1)
    try:
        return str(client("autoscaling").start_instance_refresh(
            AutoScalingGroupName="probe")["InstanceRefreshId"])
    except Exception:  # HTTP 500 from a server, NotImplementedError in-process
        return None


def test_refresh_replaces_instances_from_the_current_version(aws: Client):
    group_on_new_version(aws, "roll")
    before = {i["InstanceId"] for i in instances(aws, "roll")}
    assert len(before) == 2
    refresh_id = aws("autoscaling").start_instance_refresh(
        AutoScalingGroupName="roll", Strategy="Rolling",
        Preferences={"MinHealthyPercentage": 90})["InstanceRefreshId"]
    ended = wait_until_ended(aws, "roll", refresh_id)
    assert (ended["Status"], ended["PercentageComplete"]) == ("Successful", 100)
    assert ended["Preferences"]["MinHealthyPercentage"] == 90 and "EndTime" in ended
    after = instances(aws, "roll")
    assert len(after) == 2 and not before & {i["InstanceId"] for i in after}
    assert {i["InstanceType"] for i in after} == {"t3.small"}
    old = aws("ec2").describe_instances(InstanceIds=sorted(before))["Reservations"]
    assert {i["State"]["Name"] for r in old for i in r["Instances"]} == {"terminated"}


def test_cancel_and_the_providers_restart_flow(aws: Client):
    group_on_new_version(aws, "cancel")
    autoscaling = aws("autoscaling")
    with pytest.raises(ClientError, match="ActiveInstanceRefreshNotFound"):
        autoscaling.cancel_instance_refresh(AutoScalingGroupName="cancel")
    first = autoscaling.start_instance_refresh(AutoScalingGroupName="cancel")[
        "InstanceRefreshId"]
    assert refresh(aws, "cancel", first)["Status"] == "InProgress"
    # What the AWS provider does: a start refused while one runs -> cancel, wait, start again.
    with pytest.raises(ClientError, match="InstanceRefreshInProgress"):
        autoscaling.start_instance_refresh(AutoScalingGroupName="cancel")
    cancelled = autoscaling.cancel_instance_refresh(AutoScalingGroupName="cancel")
    assert cancelled["InstanceRefreshId"] == first
    assert wait_until_ended(aws, "cancel", first)["Status"] == "Cancelled"
    second = autoscaling.start_instance_refresh(AutoScalingGroupName="cancel")[
        "InstanceRefreshId"]
    assert wait_until_ended(aws, "cancel", second)["Status"] == "Successful"
    listed = autoscaling.describe_instance_refreshes(AutoScalingGroupName="cancel")
    assert [r["InstanceRefreshId"] for r in listed["InstanceRefreshes"]] == [second, first]


def test_desired_configuration_becomes_the_groups(aws: Client):
    template_id = group_on_new_version(aws, "desired", size=1)
    aws("ec2").create_launch_template_version(LaunchTemplateId=template_id, LaunchTemplateData={
        "ImageId": "ami-12c6146b", "InstanceType": "t3.medium"})
    refresh_id = aws("autoscaling").start_instance_refresh(
        AutoScalingGroupName="desired", DesiredConfiguration={"LaunchTemplate": {
            "LaunchTemplateId": template_id, "Version": "3"}})["InstanceRefreshId"]
    assert wait_until_ended(aws, "desired", refresh_id)["Status"] == "Successful"
    group = aws("autoscaling").describe_auto_scaling_groups(
        AutoScalingGroupNames=["desired"])["AutoScalingGroups"][0]
    assert group["LaunchTemplate"]["Version"] == "3"
    assert [i["InstanceType"] for i in group["Instances"]] == ["t3.medium"]


def test_still_needed(unpatched: Client):
    still_needed(start_refresh(unpatched) is None, "autoscaling_instance_refresh",
                 "StartInstanceRefresh")
